"""What the interaction model must say beyond Amazon's format (see test_model_check;
the slot values against the sheet are in test_model_build): enough samples, and
the skill running its own dialog."""

import json
from pathlib import Path

import pytest

from skill.tools.model_build import LOCALES

MODEL_FOLDER = Path(__file__).parents[1] / "interaction_model"
MODELS = {
    locale: json.loads((MODEL_FOLDER / f"{locale}.json").read_text("utf-8"))["interactionModel"]
    for locale in LOCALES
}
QUESTION_INTENTS = [
    (locale, intent["name"], intent)
    for locale, model in MODELS.items()
    for intent in model["languageModel"]["intents"]
    if not intent["name"].startswith("AMAZON.")
]


@pytest.mark.parametrize(
    ("locale", "name", "intent"),
    QUESTION_INTENTS,
    ids=[f"{locale}-{name}" for locale, name, _ in QUESTION_INTENTS],
)
def test_each_question_intent_has_at_least_25_samples(locale, name, intent):
    assert len(intent["samples"]) >= 25


@pytest.mark.parametrize("locale", LOCALES)
def test_the_skill_runs_its_own_dialog(locale):
    # The treatment dialog speaks dates its own way and re-asks vague ones.
    assert MODELS[locale]["dialog"]["delegationStrategy"] == "SKILL_RESPONSE"
