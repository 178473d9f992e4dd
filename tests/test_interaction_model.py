"""What the interaction model must say beyond Amazon's format (see test_model_check;
the slot values against the sheet are in test_model_build): enough samples, the
skill running its own dialog, a store listing per locale, and each market's own
phrasings understood."""

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from skill.tools.model_build import LOCALES
from skill.tools.utterances import Heard, InteractionModel

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


# --- the manifest: each locale with its own store listing -------------------------

MANIFEST = json.loads((MODEL_FOLDER / "skill.json").read_text("utf-8"))["manifest"]
LISTINGS = MANIFEST["publishingInformation"]["locales"]
NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


def test_the_manifest_lists_every_locale_with_a_model_and_its_country():
    assert list(LISTINGS) == list(LOCALES)
    assert list(MANIFEST["privacyAndCompliance"]["locales"]) == list(LOCALES)
    countries = MANIFEST["publishingInformation"]["distributionCountries"]
    assert countries == [locale.split("-")[1] for locale in LOCALES]


@pytest.mark.parametrize("locale", LOCALES)
def test_each_store_listing_is_its_own_and_its_examples_are_understood(locale):
    listing = LISTINGS[locale]
    assert {"name", "summary", "description", "examplePhrases", "keywords"} <= listing.keys()
    if locale != "en-US":
        assert listing["description"] != LISTINGS["en-US"]["description"]
    model = MODELS[locale]
    understanding = InteractionModel(model["languageModel"], model["dialog"])
    for phrase in listing["examplePhrases"]:
        heard = understanding.understand(phrase, now=NOW, zone=ZoneInfo("UTC"))
        assert isinstance(heard, Heard), phrase
        for slot in heard.slots.values():
            for authority in slot.get("resolutions", {}).get("resolutionsPerAuthority", []):
                assert authority["status"]["code"] == "ER_SUCCESS_MATCH", phrase


# --- what each market's patients say, beyond the phrasings the tests replay ------

MARKET_PHRASINGS = {
    "en-GB": [
        (
            "am I alright to go to the swimming baths on Saturday",
            "ActivityPermissionIntent",
            "swimming",
        ),
        ("is it alright if I put my face on tomorrow", "ActivityPermissionIntent", "makeup"),
        (
            "how long have I got to wait before I can do a gym session",
            "ActivityWaitIntent",
            "workout",
        ),
        ("when am I able to go to the lido", "ActivityWaitIntent", "swimming"),
        ("can I put on suncream", "ActivityPermissionIntent", "sunscreen"),
        ("can I take some co-codamol", "ActivityPermissionIntent", "painkiller"),
        ("can I go on the sunbeds", "ActivityPermissionIntent", "tanning"),
        ("should I ring my GP about the bleeding", "SymptomIntent", "bleeding"),
        ("is a fortnight between sessions enough", "NextSessionIntent", None),
        ("I had my treatment a fortnight ago at half two", "RecordTreatmentIntent", None),
        ("can I go in the hammam", "ActivityPermissionIntent", "sauna"),
        ("does it help with discolouration", "TreatmentTargetsIntent", "dark_spots"),
        ("cheers that's all", "AMAZON.NoIntent", None),
    ],
    "en-AU": [
        ("am I right to go for a dip at the local pool", "ActivityPermissionIntent", None),
        ("is it all good to sunbake this arvo", "ActivityPermissionIntent", "tanning"),
        ("how long till I can play netball", "ActivityWaitIntent", "workout"),
        ("can I use the solarium", "ActivityPermissionIntent", "tanning"),
        ("can I put on some lippy", "ActivityPermissionIntent", "makeup"),
        ("can I take Panadeine", "ActivityPermissionIntent", "painkiller"),
        ("should I see my GP about the swelling", "SymptomIntent", "swelling"),
        ("I'm on oratane can I have microneedling", "CandidacyIntent", "acne_medication"),
        ("when am I good to hit the beach", "ActivityWaitIntent", "sun"),
        ("nah all good thanks", "AMAZON.NoIntent", None),
    ],
    "en-IN": [
        ("can I go for swimming today itself", "ActivityPermissionIntent", "swimming"),
        ("by when can I do gym", "ActivityWaitIntent", "workout"),
        ("how many days should I avoid make-up", "ActivityWaitIntent", "makeup"),
        ("after how many days can I take steam", "ActivityWaitIntent", "sauna"),
        ("can I take Dolo", "ActivityPermissionIntent", "painkiller"),
        ("can I apply kohl", "ActivityPermissionIntent", "makeup"),
        ("can I resume office", "ActivityPermissionIntent", "work"),
        ("I am having itchiness", "SymptomIntent", "itching"),
        ("is it safe if I have vitiligo", "CandidacyIntent", "skin_disease"),
        ("after how many weeks should I come for the next sitting", "NextSessionIntent", None),
        ("how much does one sitting cost", "CostIntent", None),
        ("I took my sitting yesterday evening", "RecordTreatmentIntent", None),
    ],
    "en-CA": [
        ("am I okay to go to the community centre pool", "ActivityPermissionIntent", "swimming"),
        ("how long do I have to hold off on playing hockey", "ActivityWaitIntent", None),
        ("can I go to the Y tomorrow", "ActivityPermissionIntent", "workout"),
        ("can I take Advil", "ActivityPermissionIntent", "painkiller"),
        ("do I need to go to a walk in clinic about the rash", "SymptomIntent", "rash"),
        ("I'm on clarus can I get microneedling", "CandidacyIntent", "acne_medication"),
        ("can I swim in the lake", "ActivityPermissionIntent", "swimming"),
    ],
}
PHRASINGS = [(locale, *row) for locale, rows in MARKET_PHRASINGS.items() for row in rows]


@pytest.mark.parametrize(("locale", "said", "intent", "value"), PHRASINGS)
def test_each_markets_own_phrasings_reach_their_intent(locale, said, intent, value):
    model = MODELS[locale]
    understanding = InteractionModel(model["languageModel"], model["dialog"])
    heard = understanding.understand(said, now=NOW, zone=ZoneInfo("UTC"))
    assert isinstance(heard, Heard) and heard.intent == intent, heard
    resolved = [
        authority["values"][0]["value"]["id"]
        for slot in heard.slots.values()
        for authority in slot.get("resolutions", {}).get("resolutionsPerAuthority", [])
        if "values" in authority
    ]
    if value is not None:
        assert resolved == [value], heard.slots
