"""What the interaction model must say beyond Amazon's format (see test_model_check;
the slot values against the sheet are in test_model_build): enough samples, and
the skill running its own dialog."""

import json
from pathlib import Path

import pytest

MODEL_PATH = Path(__file__).parents[1] / "interaction_model" / "en-US.json"
MODEL = json.loads(MODEL_PATH.read_text("utf-8"))["interactionModel"]
INTENTS = {intent["name"]: intent for intent in MODEL["languageModel"]["intents"]}
QUESTION_INTENTS = sorted(name for name in INTENTS if not name.startswith("AMAZON."))


@pytest.mark.parametrize("name", QUESTION_INTENTS)
def test_each_question_intent_has_at_least_25_samples(name):
    assert len(INTENTS[name]["samples"]) >= 25


def test_the_skill_runs_its_own_dialog():
    # The treatment dialog speaks dates its own way and re-asks vague ones.
    assert MODEL["dialog"]["delegationStrategy"] == "SKILL_RESPONSE"
