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
from skill.tools.model_build import LOCALES, MODEL_FOLDER, build_model, expand, model_json
from skill.tools.utterances import Heard, InteractionModel

SHEET = default_sheet()
MODELS = {locale: build_model(locale) for locale in LOCALES}
# Friday 27 November 2026, 10 AM in New York.
NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")
each_locale = pytest.mark.parametrize("locale", LOCALES)


def _intents(locale: str) -> dict[str, dict]:
    language_model = MODELS[locale]["interactionModel"]["languageModel"]
    return {intent["name"]: intent for intent in language_model["intents"]}


def _types(locale: str) -> dict[str, list[dict]]:
    language_model = MODELS[locale]["interactionModel"]["languageModel"]
    return {slot_type["name"]: slot_type["values"] for slot_type in language_model["types"]}


@each_locale
def test_the_committed_model_is_the_generated_one(locale):
    path = MODEL_FOLDER / f"{locale}.json"
    if os.environ.get("AFTERCARE_UPDATE_GOLDEN") == "1":
        path.write_text(model_json(locale), "utf-8")
    assert path.read_text("utf-8") == model_json(locale), (
        f"interaction_model/{locale}.json is not what the sources generate; "
        "rewrite it with AFTERCARE_UPDATE_GOLDEN=1 and review the diff"
    )


def test_every_model_file_is_a_locale_the_sources_generate():
    assert sorted(p.stem for p in MODEL_FOLDER.glob("*.json") if p.stem != "skill") == sorted(
        LOCALES
    )


@pytest.mark.parametrize("locale", LOCALES[1:])
def test_each_locale_has_words_of_its_own(locale):
    """Not a copy of en-US: its own ways to ask about an activity, and its own
    words for the activities."""
    for intent in QUESTION_INTENTS:
        own = set(_intents(locale)[intent]["samples"]) - set(_intents("en-US")[intent]["samples"])
        assert own, intent
    own_forms = {form for _, form in _forms(locale)} - {form for _, form in _forms("en-US")}
    assert len(own_forms) >= 10


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


def _ids(locale: str, type_name: str) -> set[str]:
    return {value["id"] for value in _types(locale)[type_name]}


@each_locale
def test_every_rule_is_an_activity_and_every_other_activity_a_fact(locale):
    assert set(SHEET.rules) <= _ids(locale, "ACTIVITY") <= set(SHEET.rules) | set(SHEET.facts)


@each_locale
def test_the_symptoms_cover_what_the_sheet_expects_and_fine(locale):
    symptoms = SHEET.symptoms
    assert {*symptoms.expected, *symptoms.answered_by_rule, FINE} <= _ids(locale, "SYMPTOM")


@each_locale
def test_conditions_and_target_areas_are_the_sheets(locale):
    assert _ids(locale, "CONDITION") == {c.id for c in SHEET.candidacy.conditions}
    assert _ids(locale, "TARGET") == {a.id for a in SHEET.targets.areas}


@each_locale
def test_the_sheets_words_for_a_rule_are_among_its_activity_forms(locale):
    for value in _types(locale)["ACTIVITY"]:
        rule = SHEET.rule(value["id"])
        forms = {value["name"]["value"], *value["name"]["synonyms"]}
        for word in (*rule.kinds, *rule.similar) if rule else ():
            assert word in forms, (rule.id, word)


@each_locale
def test_samples_stay_within_amazons_limits(locale):
    samples = [s for intent in _intents(locale).values() for s in intent["samples"]]
    assert len(samples) < 2000  # a sensible size; Amazon's own limits are far above
    assert max(map(len, samples)) <= 200
    assert all(re.fullmatch(r"[A-Za-z' {}.]+", sample) for sample in samples)


# --- every activity word works in every question form --------------------------

QUESTION_INTENTS = ("ActivityPermissionIntent", "ActivityWaitIntent")
FILLED = {"{date}": "tomorrow", "{time}": "3 pm"}


def _forms(locale: str) -> list[tuple[str, str]]:
    return [
        (value["id"], form)
        for value in _types(locale)["ACTIVITY"]
        for form in (value["name"]["value"], *value["name"]["synonyms"])
    ]


def _carriers(locale: str) -> list[tuple[str, str]]:
    intents = _intents(locale)
    return [(name, sample) for name in QUESTION_INTENTS for sample in intents[name]["samples"]]


def _pairs(locale: str) -> list[tuple[tuple[str, str], tuple[str, str]]]:
    """Every form in some carrier and every carrier with some form: the longer
    list walks once, the shorter one round and round beside it."""
    forms, carriers = _forms(locale), _carriers(locale)
    if len(forms) >= len(carriers):
        return list(zip(forms, itertools.cycle(carriers)))
    return list(zip(itertools.cycle(forms), carriers))


@each_locale
def test_every_activity_form_works_in_every_question_form(locale):
    model = MODELS[locale]["interactionModel"]
    understanding = InteractionModel(model["languageModel"], model["dialog"])
    wrong = []
    for (rule_id, form), (intent, carrier) in _pairs(locale):
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
    assert len(_pairs(locale)) == max(len(_forms(locale)), len(_carriers(locale)))
