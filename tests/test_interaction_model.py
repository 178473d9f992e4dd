"""What the interaction model must say beyond Amazon's format (see test_model_check):
enough samples, the sheet's activities, and the skill running its own dialog."""

import json
from pathlib import Path

import pytest

from skill.aftercare import default_sheet

MODEL_PATH = Path(__file__).parents[1] / "interaction_model" / "en-US.json"
MODEL = json.loads(MODEL_PATH.read_text("utf-8"))["interactionModel"]
INTENTS = {intent["name"]: intent for intent in MODEL["languageModel"]["intents"]}
QUESTION_INTENTS = sorted(name for name in INTENTS if not name.startswith("AMAZON."))


@pytest.mark.parametrize("name", QUESTION_INTENTS)
def test_each_question_intent_has_at_least_25_samples(name):
    assert len(INTENTS[name]["samples"]) >= 25


def test_activity_values_are_the_sheets_rules():
    activity = next(t for t in MODEL["languageModel"]["types"] if t["name"] == "ACTIVITY")
    assert {value["id"] for value in activity["values"]} == set(default_sheet().rules)


def test_the_skill_runs_its_own_dialog():
    # The treatment dialog speaks dates its own way and re-asks vague ones.
    assert MODEL["dialog"]["delegationStrategy"] == "SKILL_RESPONSE"
