"""How she is, classified against the sheet: expected for a few days, answered
by a rule, or not expected (her clinic, or medical help now). Never a diagnosis."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from skill.aftercare import FINE, Aftercare, Finding, answer_symptom, classify, default_sheet

SHEET = default_sheet()
NEW_YORK = ZoneInfo("America/New_York")
TREATED = datetime(2026, 11, 26, 15, 0, tzinfo=NEW_YORK)
CLINIC = (
    "Your aftercare sheet expects only minor redness and irritation, so please contact your "
    "clinic about the {}. If it feels severe, get medical help now."
)


def care(after: timedelta) -> Aftercare:
    return Aftercare(SHEET, TREATED, TREATED + after)


@pytest.mark.parametrize(
    ("symptom", "finding"),
    [
        ("redness", Finding.EXPECTED),
        ("irritation", Finding.EXPECTED),
        ("soreness", Finding.ANSWERED_BY_RULE),
        (FINE, Finding.FINE),
        ("swelling", Finding.NOT_EXPECTED),
        ("fever", Finding.NOT_EXPECTED),
        # a word the model does not know is not expected either: safety first
        (None, Finding.NOT_EXPECTED),
    ],
)
def test_classify(symptom, finding):
    assert classify(symptom, SHEET) is finding


@pytest.mark.parametrize(
    ("after", "how_long", "spoken"),
    [
        (
            timedelta(hours=19),
            False,
            "That's expected if it's minor: the sheet expects minor redness and irritation for "
            "a few days after the procedure, and it's been 19 hours since yours.",
        ),
        (
            timedelta(days=2, hours=23),
            False,
            "That's expected if it's minor: the sheet expects minor redness and irritation for "
            "a few days after the procedure, and it's been almost 3 days since yours.",
        ),
        # past "a few days" (three), the skill stops reassuring
        (
            timedelta(days=3),
            False,
            "Not this long after: the sheet expects minor redness and irritation for only a few "
            "days, and it's been 3 days since your treatment. Please contact your clinic about it.",
        ),
        (
            timedelta(days=20),
            False,
            "Not this long after: the sheet expects minor redness and irritation for only a few "
            "days, and it's been almost 3 weeks since your treatment. Please contact your clinic "
            "about it.",
        ),
        # "How long will the redness last?" answers the duration, not "Yes"
        (
            timedelta(hours=19),
            True,
            "A few days: the sheet expects minor redness and irritation for a few days after the "
            "procedure, and it's been 19 hours since yours.",
        ),
        (
            timedelta(days=20),
            True,
            "A few days, the sheet says, and it's been almost 3 weeks since your treatment. "
            "Please contact your clinic about it.",
        ),
    ],
)
def test_redness_is_expected_only_for_a_few_days(after, how_long, spoken):
    speech = answer_symptom(SHEET, "redness", "redness", care(after), how_long=how_long)
    assert speech.text == spoken
    assert speech.card == SHEET.symptoms.sheet


@pytest.mark.parametrize(
    ("how_long", "spoken"),
    [
        (
            False,
            "Minor redness and irritation are expected for a few days after the procedure. "
            "If it's been longer, or it's more than minor, please contact your clinic.",
        ),
        (
            True,
            "A few days: the sheet expects minor redness and irritation for a few days after the "
            "procedure. If it lasts longer, please contact your clinic.",
        ),
    ],
)
def test_redness_before_the_treatment_is_known(how_long, spoken):
    assert answer_symptom(SHEET, "irritation", "irritation", None, how_long=how_long).text == spoken


@pytest.mark.parametrize(
    ("symptom", "named", "spoken"),
    [
        ("swelling", "swelling", CLINIC.format("swelling")),
        ("spreading_pain", "spreading pain", CLINIC.format("spreading pain")),
        ("rash", "rash", CLINIC.format("rash")),
        (
            None,
            None,
            "Your aftercare sheet expects only minor redness and irritation, so please contact "
            "your clinic about it. If it feels severe, get medical help now.",
        ),
    ],
)
@pytest.mark.parametrize("after", [None, timedelta(hours=2), timedelta(days=30)])
def test_what_the_sheet_does_not_expect_goes_to_the_clinic(symptom, named, spoken, after):
    for how_long in (False, True):
        speech = answer_symptom(SHEET, symptom, named, after and care(after), how_long=how_long)
        assert speech.text == spoken
        assert SHEET.symptoms.sheet in speech.card


def test_soreness_is_answered_by_the_painkiller_rule():
    assert answer_symptom(SHEET, "soreness", "soreness", None).text == (
        "If you feel any soreness, you can use a painkiller. "
        "The sheet names none, so your pharmacist or clinic can say which."
    )
    assert answer_symptom(SHEET, "soreness", "soreness", None, how_long=True).text == (
        "The sheet doesn't say how long soreness lasts; if you feel any soreness, you can use a "
        "painkiller. If it doesn't ease, please contact your clinic."
    )


def test_fine_is_glad():
    assert answer_symptom(SHEET, FINE, "fine", care(timedelta(days=1))).text == "Glad to hear it."
