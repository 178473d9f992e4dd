"""Every English locale passes the same conversation suite as en-US, in its own words,
and no en-US-only string reaches another locale's answer.

The suite: each conversation under tests/conversations/ (en-US) is replayed for
en-GB, en-CA, en-AU and en-IN, each request in that locale, with the words she
says in her market's form ("go to the swimming baths", "take Crocin") resolved by
her locale's own interaction model to the same value, at the same instants and
in the same zone. What she hears is tests/locales/<locale>.json (rewrite it with
``AFTERCARE_UPDATE_GOLDEN=1`` and read the diff against en-US's expectations: it
may differ only in the locale's own forms and words).

The check for en-US-only strings is independent of the skill's own tables: the
locale's clock and date forms from CLDR (Babel), and American spellings and terms
from breame's lists of American and British English.
"""

from __future__ import annotations

import copy
import json
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel import Locale
from babel.dates import match_skeleton
from breame.spelling import american_spelling_exists, get_british_spelling
from breame.terminology import is_american_english_term

from skill.aftercare import (
    Aftercare,
    Listener,
    Period,
    answer_candidacy,
    answer_fact,
    answer_next_session,
    answer_overview,
    answer_permission,
    answer_permission_during,
    answer_recorded_treatment,
    answer_saved,
    answer_status,
    answer_symptom,
    answer_targets,
    answer_wait,
    check_ins,
    default_sheet,
    dialogue,
    in_locale,
)
from skill.config import LOCALE_TIMEZONES
from skill.tools.model_build import LOCALES
from skill.tools.replay import Overrides, load_case, replay_case, spoken_text
from skill.tools.utterances import InteractionModel

TESTS = Path(__file__).parent
CONVERSATIONS = TESTS / "conversations"
EXPECTED = TESTS / "locales"
OTHER_LOCALES = LOCALES[1:]
CUSTOM_SLOT_TYPES = ("ACTIVITY", "SYMPTOM", "CONDITION", "TARGET")

# What a patient in each market says where the en-US conversations have American
# words; anything not listed she says as an American would (en-US words are English
# everywhere), and her locale's model must still understand it.
HER_WORDS = {
    "en-GB": {
        "wear makeup": "wear make-up",
        "wear my makeup": "wear my make-up",
        "do my makeup": "put my face on",
        "go swimming": "go to the swimming baths",
        "go for a swim": "have a swim",
        "swim": "have a dip",
        "go to the gym": "do a gym session",
        "hit the gym": "go to my gym session",
        "work out": "do circuits",
        "sunbathe": "go on the sunbeds",
        "go tanning": "top up my tan",
        "go in the sun": "go out in the sunshine",
        "put on sunscreen": "put on suncream",
        "wear sunscreen": "wear sun lotion",
        "take tylenol": "take paracetamol",
        "take ibuprofen": "take Nurofen",
        "put on lipstick": "put on blusher",
        "use tinted moisturizer": "use tinted moisturiser",
        "go back to work": "go back in to work",
        "accutane": "roaccutane",
    },
    "en-AU": {
        "wear makeup": "wear make-up",
        "wear my makeup": "wear my make-up",
        "do my makeup": "put my face on",
        "go swimming": "go to the local pool",
        "go for a swim": "go for a dip",
        "swim": "do some laps",
        "go to the gym": "do a pump class",
        "hit the gym": "go to my gym session",
        "work out": "do crossfit",
        "sunbathe": "sunbake",
        "go tanning": "go sunbaking",
        "lie in the sun": "lie out and sunbake",
        "go in the sun": "hit the beach",
        "put on sunscreen": "slop on sunscreen",
        "wear sunscreen": "slip slop slap",
        "wear a hat": "slap on a hat",
        "take tylenol": "have a Panadol",
        "take ibuprofen": "take Nurofen",
        "put on lipstick": "put on lippy",
        "use tinted moisturizer": "use tinted moisturiser",
        "go in the hot tub": "go in the spa bath",
        "go back to work": "head back to work",
        "accutane": "oratane",
    },
    "en-IN": {
        "wear makeup": "apply make-up",
        "wear my makeup": "apply my make-up",
        "do my makeup": "do my make-up",
        "go swimming": "go for swimming",
        "go for a swim": "take a swim",
        "swim": "do swimming",
        "go to the gym": "go to gym",
        "hit the gym": "do gym",
        "work out": "go for jogging",
        "go to the sauna": "take steam",
        "go in the sauna": "take steam",
        "use the steam room": "take a steam bath",
        "sunbathe": "sit in the sun to tan",
        "go in the sun": "go out in the afternoon sun",
        "put on sunscreen": "apply sunscreen lotion",
        "wear sunscreen": "apply sun block",
        "take a painkiller": "take a tablet for the pain",
        "take tylenol": "take Crocin",
        "take ibuprofen": "take Combiflam",
        "put on lipstick": "apply kajal",
        "use tinted moisturizer": "use tinted moisturiser",
        "use a derma roller": "use dermaroller",
        "go back to work": "join office",
        "accutane": "isotroin",
    },
    "en-CA": {
        "go swimming": "swim laps",
        "go for a swim": "go to the rec centre pool",
        "go to the gym": "go to the Y",
        "work out": "play hockey",
        "sunbathe": "go to the tanning salon",
        "take ibuprofen": "take Advil",
        "accutane": "epuris",
    },
}

# A zone for the conversations that name none, as en-US's replay has it (its default).
SUITE_ZONE = "America/New_York"


def _suite() -> list[Path]:
    return sorted(CONVERSATIONS.glob("*.json"))


def _resolved_id(slot: dict) -> str | None:
    for authority in slot.get("resolutions", {}).get("resolutionsPerAuthority", []):
        if "values" in authority:
            return authority["values"][0]["value"]["id"]
    return None


def _slot_types(model: InteractionModel, intent: str) -> dict[str, str]:
    return model.slot_types.get(intent, {})


def adapted(case, locale: str, model: InteractionModel):
    """The en-US case as a patient of ``locale`` says it: her words, her locale."""
    case = copy.deepcopy(case)
    words = HER_WORDS[locale]
    for turn in case.turns:
        request = turn.request["request"]
        request["locale"] = locale
        intent = request.get("intent") or {}
        for name, slot in (intent.get("slots") or {}).items():
            slot_type = _slot_types(model, intent["name"]).get(name)
            if slot_type not in CUSTOM_SLOT_TYPES or not slot.get("value"):
                continue
            said = slot["value"]
            theirs = model.resolved_slot(name, slot_type, words.get(said, said))
            # Her locale's model understands her words as en-US's understood the American ones.
            assert _resolved_id(theirs) == _resolved_id(slot), (locale, said, theirs)
            intent["slots"][name] = {**slot, **theirs}
    case.timezone = case.timezone or SUITE_ZONE
    return case


def _heard(results) -> list[tuple[str, str]]:
    """What she hears each turn, and the card."""
    return [
        (
            spoken_text(result.response),
            ((result.response.get("response") or {}).get("card") or {}).get("content", ""),
        )
        for result in results
    ]


@pytest.fixture(scope="module")
def suite_answers() -> dict[str, dict[str, list[tuple[str, str]]]]:
    """Every locale's answers to every en-US conversation, replayed once per module."""
    answers = {}
    for locale in OTHER_LOCALES:
        model = InteractionModel.for_locale(locale)
        answers[locale] = {
            path.stem: _heard(replay_case(adapted(load_case(path), locale, model), Overrides()))
            for path in _suite()
        }
    return answers


@pytest.mark.parametrize("locale", OTHER_LOCALES)
def test_each_locale_passes_the_en_us_conversation_suite_in_its_own_words(locale, suite_answers):
    heard = {name: [speech for speech, _ in turns] for name, turns in suite_answers[locale].items()}
    path = EXPECTED / f"{locale}.json"
    if os.environ.get("AFTERCARE_UPDATE_GOLDEN") == "1":
        path.write_text(json.dumps(heard, indent=2, ensure_ascii=False) + "\n", "utf-8")
    assert heard == json.loads(path.read_text("utf-8"))
    # The same suite: every en-US conversation, turn for turn.
    for case_path in _suite():
        assert len(heard[case_path.stem]) == len(load_case(case_path).turns)


# --- no en-US-only string reaches another locale ---------------------------------------

_CLOCK = re.compile(r"\b\d{1,2}(?::\d{2})? ?(AM|PM|am|pm|a\.m\.|p\.m\.)")
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_MONTH_FIRST = re.compile(rf"\b(?:{_MONTHS}) \d{{1,2}}\b")
_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
# breame lists no compound spellings: British and Indian English write "make-up".
_COMPOUNDS = {"makeup": "make-up"}


def _cldr(locale: str) -> Locale:
    return Locale.parse(locale, sep="-")


def _day_first(locale: str) -> bool:
    cldr = _cldr(locale)
    return (
        cldr.datetime_skeletons[match_skeleton("MMMMd", cldr.datetime_skeletons)].pattern[0] == "d"
    )


def en_us_only(text: str, locale: str, her_words: str = "") -> list[str]:
    """What in ``text`` is en-US's and not ``locale``'s: a clock or date written the US
    way, "noon" where CLDR says otherwise, an American spelling or term (unless she
    said it herself: "Tylenol is a painkiller")."""
    cldr = _cldr(locale)
    periods = cldr.day_periods["format"]["wide"]
    found = [
        f"clock {match[0]!r}"
        for match in _CLOCK.finditer(text)
        if match[1] not in (periods["am"], periods["pm"])
    ]
    if periods["noon"] != "noon":
        found += [f"'noon' (CLDR: {periods['noon']!r})" for _ in re.finditer(r"\bnoon\b", text)]
    if _day_first(locale):
        found += [f"month first {match!r}" for match in _MONTH_FIRST.findall(text)]
    said = {word.lower() for word in _WORD.findall(her_words)}
    for word in {word.lower() for word in _WORD.findall(text)} - said:
        if locale == "en-CA":  # Canada spells -our and -re the British way, and -ize the American
            british = get_british_spelling(word) if american_spelling_exists(word) else word
            if british != word and (british.endswith("our") or british.endswith("re")):
                found.append(f"American spelling {word!r}")
            continue
        if word in _COMPOUNDS or (
            american_spelling_exists(word) and get_british_spelling(word) != word
        ):
            found.append(f"American spelling {word!r}")
        if is_american_english_term(word):
            found.append(f"American term {word!r}")
    return found


@pytest.mark.parametrize(
    ("text", "locale", "found"),
    [
        ("Makeup is fine from 3 PM on November 21.", "en-GB", 3),  # AM/PM, order, spelling
        ("Make-up is fine from 3 pm on 21 November.", "en-GB", 0),
        ("Fine from 3 PM on 21 November.", "en-IN", 0),  # India's CLDR writes PM
        ("Fine from noon tomorrow.", "en-AU", 1),  # Australia says midday
        ("Fine from 3 PM. The color of the anesthetic.", "en-CA", 2),
        ("The anesthetic, sterilized.", "en-CA", 0),
        ("Acetaminophen is a painkiller.", "en-GB", 1),
    ],
)
def test_the_check_itself(text, locale, found):
    assert len(en_us_only(text, locale)) == found, en_us_only(text, locale)


@pytest.mark.parametrize("locale", OTHER_LOCALES)
def test_no_en_us_only_string_reaches_the_suites_answers(locale, suite_answers):
    wrong = []
    for name, turns in suite_answers[locale].items():
        case = load_case(CONVERSATIONS / f"{name}.json")
        her_words = json.dumps([turn.request for turn in case.turns])
        for number, (speech, card) in enumerate(turns, 1):
            for problem in en_us_only(f"{speech}\n{card}", locale, her_words):
                wrong.append(f"{name} turn {number}: {problem}")
    assert wrong == []


@pytest.mark.parametrize("locale", OTHER_LOCALES)
def test_no_en_us_only_string_reaches_the_locales_own_conversations(locale):
    paths = sorted((CONVERSATIONS / locale).glob("*.json"))
    assert paths
    wrong = []
    for path in paths:
        case = load_case(path)
        her_words = " ".join(turn.get("said", "") for turn in json.loads(path.read_text())["turns"])
        for number, result in enumerate(replay_case(case, Overrides()), 1):
            assert not result.mismatches, result.mismatches
            card = ((result.response.get("response") or {}).get("card") or {}).get("content", "")
            for problem in en_us_only(f"{spoken_text(result.response)}\n{card}", locale, her_words):
                wrong.append(f"{path.name} turn {number}: {problem}")
    assert wrong == []


# Every sentence the core builds, for a treatment seen at many moments after it.
SHEET = default_sheet()
TREATED = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
MOMENTS = [
    TREATED + timedelta(hours=hours) for hours in (0.5, 5, 11, 23, 36, 47, 60, 100, 200, 800)
]


def _every_sentence(listener: Listener) -> list:
    said = [
        dialogue.WELCOME,
        dialogue.HELP,
        dialogue.help_before_treatment(listener.locale),
        dialogue.ask_treatment_again(listener.locale),
        dialogue.ask_day(listener.locale),
        dialogue.ask_time(listener.locale),
        *(dialogue.ask_time_in(part, listener.locale) for part in ("morning", "evening")),
        dialogue.EXAMPLES,
        dialogue.ASK_ACTIVITY,
        check_ins.OFFER_CHECK_IN,
        check_ins.OFFER_LINKING,
        check_ins.CHECK_IN_NOT_SENT,
        check_ins.LINKING_DECLINED,
        *(check_ins.check_in_sent(SHEET, symptom) for symptom in ("swelling", "fine")),
        *(answer_fact(topic, SHEET) for topic in SHEET.facts),
        answer_candidacy(SHEET, None, None, listener.locale),
        answer_targets(SHEET, None, None, listener.locale),
        *(
            answer_targets(SHEET, area.id, area.name, listener.locale)
            for area in SHEET.targets.areas
        ),
    ]
    for now in MOMENTS:
        care = Aftercare(SHEET, TREATED, now)
        tomorrow = listener.day_of(now) + timedelta(days=1)
        start = datetime.combine(tomorrow, datetime.min.time(), tzinfo=listener.zone)
        period = Period(start, start + timedelta(days=1), "day")
        for rule in SHEET.rules.values():
            said += [
                answer_permission(care, care.check(rule), listener),
                answer_wait(care, care.check(rule), listener),
                answer_permission_during(care, rule, period, listener),
            ]
        said += [
            answer_overview(care, listener),
            answer_status(care, listener),
            answer_saved(care, listener),
            answer_recorded_treatment(care, listener),
            answer_next_session(care, listener),
            dialogue.confirm_treatment(
                TREATED, now, listener, SHEET, previous=now - timedelta(days=9)
            ),
            *(answer_symptom(SHEET, s, s, care) for s in ("redness", "soreness", "swelling")),
        ]
    return said


# Each locale in its market's default zone.
@pytest.mark.parametrize(("locale", "zone"), LOCALE_TIMEZONES.items())
def test_no_en_us_only_string_in_any_sentence_the_core_builds(locale, zone):
    listener = Listener(ZoneInfo(zone), locale)
    wrong = []
    for speech in _every_sentence(listener):
        if isinstance(speech, str):
            speech = dialogue.Speech(speech)
        spoken = in_locale(speech, locale)
        wrong += en_us_only(f"{spoken.text}\n{spoken.card or ''}", locale)
    assert wrong == []
