"""Check-ins in the core: which ones the clinic sees flagged, what she hears once
one is sent, and how the clinic's inbox words one."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from skill.aftercare import Listener, default_sheet
from skill.aftercare.check_ins import (
    CHECK_IN_SENT,
    FINE_SENT,
    check_in_sent,
    unexpected,
    written_check_in,
)

SHEET = default_sheet()
LONDON = Listener(ZoneInfo("Europe/London"))
TREATED = datetime(2026, 11, 26, 14, 30, tzinfo=ZoneInfo("Europe/London"))
FEW_DAYS = timedelta(days=3)  # symptoms.few_days in the sheet


@pytest.mark.parametrize(
    ("symptom", "since", "flagged"),
    [
        ("redness", timedelta(hours=20), False),
        ("irritation", FEW_DAYS - timedelta(minutes=1), False),
        # What the sheet expects for a few days, past them: her clinic should look.
        ("redness", FEW_DAYS, True),
        ("irritation", timedelta(weeks=3), True),
        # Her treatment unknown (her clinic has not recorded one): as the sheet says it.
        ("redness", None, False),
        ("soreness", timedelta(weeks=3), False),  # the sheet answers it with a rule
        ("fine", timedelta(hours=1), False),
        ("swelling", timedelta(hours=1), True),
        ("fever", None, True),
        (None, timedelta(hours=1), True),  # a word the skill does not know: safety first
    ],
)
def test_which_check_ins_the_clinic_sees_flagged(symptom, since, flagged):
    assert unexpected(SHEET, symptom, since) is flagged


@pytest.mark.parametrize(
    ("symptom", "said"),
    [
        ("swelling", CHECK_IN_SENT),
        ("redness", CHECK_IN_SENT),
        ("soreness", CHECK_IN_SENT),
        (None, CHECK_IN_SENT),
        ("fine", FINE_SENT),
    ],
)
def test_what_she_hears_once_it_is_sent_promises_nothing_of_the_clinic(symptom, said):
    speech = check_in_sent(SHEET, symptom)

    assert speech is said
    for promise in ("call", "will contact", "get back", "soon", "today", "hours"):
        assert promise not in speech.text


def test_the_inbox_words_a_check_in_with_her_timeline_as_it_was():
    written = written_check_in(
        SHEET,
        heard="swollen",
        symptom_id="swelling",
        symptom_name="swelling",
        flagged=True,
        reported_at=TREATED + timedelta(hours=30),
        treated_at=TREATED,
        listener=LONDON,
    )

    assert written.reported == "swelling (she said “swollen”)"
    assert written.finding == "Not something the aftercare sheet expects"
    assert written.when == "Friday, November 27, 8:30 PM"
    assert written.since_treatment == "30 hours after her treatment"
    assert [(entry.text, entry.state) for entry in written.timeline][:2] == [
        (
            "From Friday, November 27, 2:30 PM: always use sunblock of SPF 30 or higher, "
            "and wear a hat when you're outside.",
            "Started",
        ),
        ("Avoid makeup until Saturday, November 28, 2:30 PM", "In force"),
    ]


@pytest.mark.parametrize(
    ("heard", "symptom_id", "name", "flagged", "reported", "finding"),
    [
        ("red", "redness", "redness", False, "redness (she said “red”)", "expects it for a few"),
        ("redness", "redness", "redness", True, "redness", "it lasted longer"),
        ("sore", "soreness", "soreness", False, "soreness (she said “sore”)", "painkiller"),
        ("feeling fine", "fine", "fine", False, "fine (she said “feeling fine”)", "Feeling fine"),
        ("twitching", None, None, True, "“twitching”", "Not something"),
        (None, None, None, True, "nothing the skill could make out", "Not something"),
    ],
)
def test_what_she_reported_and_what_the_sheet_says_of_it(
    heard, symptom_id, name, flagged, reported, finding
):
    written = written_check_in(
        SHEET,
        heard=heard,
        symptom_id=symptom_id,
        symptom_name=name,
        flagged=flagged,
        reported_at=TREATED + timedelta(days=4),
        treated_at=TREATED,
        listener=LONDON,
    )

    assert written.reported == reported
    assert finding in written.finding


def test_without_a_treatment_on_record_there_is_no_timeline():
    written = written_check_in(
        SHEET,
        heard="swollen",
        symptom_id="swelling",
        symptom_name="swelling",
        flagged=True,
        reported_at=TREATED,
        treated_at=None,
        listener=LONDON,
    )

    assert written.since_treatment == "no treatment on record"
    assert written.timeline == ()
