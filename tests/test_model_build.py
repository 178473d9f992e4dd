"""The interaction model is generated from carrier phrases × each locale's words:
the committed file is what the sources give, and every word works in every form.

After changing a source under skill/tools/model_source/, rewrite the model with
``AFTERCARE_UPDATE_GOLDEN=1 pytest tests/test_model_build.py`` and read the diff.
"""

from __future__ import annotations

import itertools
import os
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from skill.aftercare import FINE, default_sheet
from skill.tools.model_build import MODEL_FOLDER, build_model, expand, model_json
from skill.tools.utterances import Heard, InteractionModel

SHEET = default_sheet()
MODEL = build_model("en-US")
LANGUAGE_MODEL = MODEL["interactionModel"]["languageModel"]
INTENTS = {intent["name"]: intent for intent in LANGUAGE_MODEL["intents"]}
TYPES = {slot_type["name"]: slot_type["values"] for slot_type in LANGUAGE_MODEL["types"]}
# Friday 27 November 2026, 10 AM in New York.
NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")


def test_the_committed_model_is_the_generated_one():
    path = MODEL_FOLDER / "en-US.json"
    if os.environ.get("AFTERCARE_UPDATE_GOLDEN") == "1":
        path.write_text(model_json("en-US"), "utf-8")
    assert path.read_text("utf-8") == model_json("en-US"), (
        "interaction_model/en-US.json is not what the sources generate; "
        "rewrite it with AFTERCARE_UPDATE_GOLDEN=1 and review the diff"
    )


@pytest.mark.parametrize(
    ("pattern", "sentences"),
    [
        ("can I {activity}", ["can I {activity}"]),
        ("(can|may) I swim", ["can I swim", "may I swim"]),
        ("is it (ok |)now", ["is it ok now", "is it now"]),
        ("my <face> hurts", ["my face hurts", "my skin hurts"]),
        ("(a|b) (c|a)", ["a c", "a a", "b c", "b a"]),
        ("(x|x)", ["x"]),
    ],
)
def test_expand(pattern, sentences):
    assert expand(pattern, {"face": ["face", "skin"]}) == sentences


def _ids(type_name: str) -> set[str]:
    return {value["id"] for value in TYPES[type_name]}


def test_every_rule_is_an_activity_and_every_other_activity_a_fact():
    assert set(SHEET.rules) <= _ids("ACTIVITY") <= set(SHEET.rules) | set(SHEET.facts)


def test_the_symptoms_cover_what_the_sheet_expects_and_fine():
    symptoms = SHEET.symptoms
    assert {*symptoms.expected, *symptoms.answered_by_rule, FINE} <= _ids("SYMPTOM")


def test_conditions_and_target_areas_are_the_sheets():
    assert _ids("CONDITION") == {c.id for c in SHEET.candidacy.conditions}
    assert _ids("TARGET") == {a.id for a in SHEET.targets.areas}


def test_the_sheets_words_for_a_rule_are_among_its_activity_forms():
    for value in TYPES["ACTIVITY"]:
        rule = SHEET.rule(value["id"])
        forms = {value["name"]["value"], *value["name"]["synonyms"]}
        for word in (*rule.kinds, *rule.similar) if rule else ():
            assert word in forms, (rule.id, word)


def test_samples_stay_within_amazons_limits():
    samples = [s for intent in INTENTS.values() for s in intent["samples"]]
    assert len(samples) < 2000  # a sensible size; Amazon's own limits are far above
    assert max(map(len, samples)) <= 200
    assert all(re.fullmatch(r"[A-Za-z' {}.]+", sample) for sample in samples)


# --- every activity word works in every question form --------------------------

QUESTION_INTENTS = ("ActivityPermissionIntent", "ActivityWaitIntent")
FILLED = {"{date}": "tomorrow", "{time}": "3 pm"}


def _forms() -> list[tuple[str, str]]:
    return [
        (value["id"], form)
        for value in TYPES["ACTIVITY"]
        for form in (value["name"]["value"], *value["name"]["synonyms"])
    ]


def _carriers() -> list[tuple[str, str]]:
    return [(name, sample) for name in QUESTION_INTENTS for sample in INTENTS[name]["samples"]]


def _pairs() -> list[tuple[tuple[str, str], tuple[str, str]]]:
    """Every form in some carrier and every carrier with some form: the longer
    list walks once, the shorter one round and round beside it."""
    forms, carriers = _forms(), _carriers()
    if len(forms) >= len(carriers):
        return list(zip(forms, itertools.cycle(carriers)))
    return list(zip(itertools.cycle(forms), carriers))


@pytest.fixture(scope="module")
def understanding() -> InteractionModel:
    model = MODEL["interactionModel"]
    return InteractionModel(model["languageModel"], model["dialog"])


def test_every_activity_form_works_in_every_question_form(understanding):
    wrong = []
    for (rule_id, form), (intent, carrier) in _pairs():
        utterance = carrier.replace("{activity}", form)
        for slot, words in FILLED.items():
            utterance = utterance.replace(slot, words)
        heard = understanding.understand(utterance, now=NOW, zone=NEW_YORK)
        resolved = None
        if isinstance(heard, Heard):
            authority = heard.slots["activity"]["resolutions"]["resolutionsPerAuthority"][0]
            resolved = authority.get("values", [{}])[0].get("value", {}).get("id")
        if not isinstance(heard, Heard) or (heard.intent, resolved) != (intent, rule_id):
            wrong.append(f"{utterance!r}: {getattr(heard, 'intent', heard)} {resolved}")
    assert wrong == []
    assert len(_pairs()) == max(len(_forms()), len(_carriers()))
