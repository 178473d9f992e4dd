"""The interaction model agrees with the handlers and the patient sheet."""

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from skill.aftercare import default_sheet
from skill.intents import handled_intents

MODEL_PATH = Path(__file__).parents[1] / "interaction_model" / "en-US.json"
MODEL = json.loads(MODEL_PATH.read_text("utf-8"))["interactionModel"]
LANGUAGE = MODEL["languageModel"]
INTENTS = {intent["name"]: intent for intent in LANGUAGE["intents"]}
CUSTOM = sorted(name for name in INTENTS if not name.startswith("AMAZON."))
REQUIRED_BUILT_INS = {
    "AMAZON.HelpIntent",
    "AMAZON.StopIntent",
    "AMAZON.CancelIntent",
    "AMAZON.FallbackIntent",
    "AMAZON.NavigateHomeIntent",
}


def _normalised(sample: str) -> str:
    return " ".join(re.sub(r"[^\w{}' ]", " ", sample.lower()).split())


def test_the_handlers_and_the_model_name_the_same_intents():
    assert set(INTENTS) == handled_intents()
    assert REQUIRED_BUILT_INS <= set(INTENTS)


@pytest.mark.parametrize("name", CUSTOM)
def test_each_question_intent_has_at_least_25_samples(name):
    assert len(INTENTS[name]["samples"]) >= 25


def test_no_sample_is_shared_by_two_intents():
    owners = Counter(_normalised(s) for intent in INTENTS.values() for s in set(intent.get("samples", [])))
    assert [sample for sample, count in owners.items() if count > 1] == []


@pytest.mark.parametrize("name", CUSTOM)
def test_every_slot_in_a_sample_is_declared(name):
    intent = INTENTS[name]
    declared = {slot["name"] for slot in intent.get("slots", [])}
    samples = intent["samples"] + [s for slot in intent.get("slots", []) for s in slot.get("samples", [])]
    used = {ref for sample in samples for ref in re.findall(r"{(\w+)}", sample)}
    assert used <= declared


def test_activity_values_are_the_sheets_rules():
    activity = next(t for t in LANGUAGE["types"] if t["name"] == "ACTIVITY")
    assert {value["id"] for value in activity["values"]} == set(default_sheet().rules)
    spoken = [v["name"]["value"].lower() for v in activity["values"]]
    spoken += [s.lower() for v in activity["values"] for s in v["name"].get("synonyms", [])]
    assert len(spoken) == len(set(spoken)), "a synonym stands under two activities"


def test_the_skill_runs_its_own_dialog():
    assert MODEL["dialog"]["delegationStrategy"] == "SKILL_RESPONSE"
    prompt_ids = {prompt["id"] for prompt in MODEL["prompts"]}
    for intent in MODEL["dialog"]["intents"]:
        referenced = list(intent.get("prompts", {}).values())
        referenced += [p for slot in intent["slots"] for p in slot.get("prompts", {}).values()]
        assert set(referenced) <= prompt_ids
