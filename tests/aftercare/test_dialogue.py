"""The confirmation before a treatment is saved: the whole date, always; a day
Alexa resolved ahead said aloud; sessions closer than the sheet allows pointed out."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from skill.aftercare import Listener, default_sheet
from skill.aftercare.dialogue import confirm_treatment

SHEET = default_sheet()
NEW_YORK = ZoneInfo("America/New_York")
US = Listener(NEW_YORK)
# Friday 27 November 2026, 10 AM in New York
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=NEW_YORK)


def at(day, hour, minute=0, month=11):
    return datetime(2026, month, day, hour, minute, tzinfo=NEW_YORK)


@pytest.mark.parametrize(
    ("treated_at", "options", "spoken"),
    [
        (at(26, 14), {}, "You had your treatment yesterday at 2 PM. Is that right?"),
        (
            at(25, 16, 30),
            {},
            "You had your treatment last Wednesday, November 25, at 4:30 PM. Is that right?",
        ),
        (at(9, 14), {}, "You had your treatment on Monday, November 9, at 2 PM. Is that right?"),
        # "tomorrow" or "on Saturday": Alexa sends the same coming Saturday
        (
            at(21, 14),
            {"heard_day": date(2026, 11, 28)},
            "That's tomorrow, Saturday, November 28, which hasn't happened yet. "
            "Did you mean last Saturday, November 21, at 2 PM?",
        ),
        # "December 1st" said in late November
        (
            at(24, 14),
            {"heard_day": date(2026, 12, 1)},
            "That's Tuesday, December 1, which hasn't happened yet. "
            "Did you mean last Tuesday, November 24, at 2 PM?",
        ),
        (
            at(26, 14),
            {"previous": at(12, 15)},
            "That's only 14 days after your treatment on Thursday, November 12, at 3 PM, and the "
            "sheet spaces sessions 4 to 6 weeks apart. Did you have another treatment yesterday "
            "at 2 PM?",
        ),
        (
            at(1, 9),
            {"previous": at(12, 15)},
            "That's only 11 days before your treatment on Thursday, November 12, at 3 PM, and the "
            "sheet spaces sessions 4 to 6 weeks apart. Did you have another treatment on Sunday, "
            "November 1, at 9 AM?",
        ),
        # four weeks or more apart: nothing to point out
        (
            at(26, 14),
            {"previous": at(29, 14, month=10)},
            "You had your treatment yesterday at 2 PM. Is that right?",
        ),
        (
            at(27, 9, 58),
            {"just_now": True},
            "You had your treatment just now, today at 9:58 AM. Is that right?",
        ),
    ],
)
def test_confirm_treatment(treated_at, options, spoken):
    assert confirm_treatment(treated_at, NOW, US, SHEET, **options).text == spoken
