"""Which reminders the core plans, when they ring, and what they say."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from skill.aftercare import Aftercare, Listener, default_sheet
from skill.aftercare.reminders import reminders_to_come, rings_at

SHEET = default_sheet()
NEW_YORK = Listener(ZoneInfo("America/New_York"))


@pytest.mark.parametrize(
    ("due", "rings"),
    [
        ("2026-11-28T15:00", "2026-11-28T15:00"),  # the afternoon: then
        ("2026-11-28T09:00", "2026-11-28T09:00"),  # 9 AM is morning already
        ("2026-11-28T20:59", "2026-11-28T20:59"),
        ("2026-11-28T21:00", "2026-11-29T09:00"),  # from 9 PM: the next morning
        ("2026-11-28T23:30", "2026-11-29T09:00"),
        ("2026-11-28T00:00", "2026-11-28T09:00"),  # after midnight: that morning
        ("2026-11-28T08:59", "2026-11-28T09:00"),
        ("2027-03-14T02:30", "2027-03-14T09:00"),  # the night the clocks go forward
    ],
)
def test_a_milestone_at_night_rings_at_nine_in_her_zone(due, rings):
    zone = NEW_YORK.zone
    local_due = datetime.fromisoformat(due).replace(tzinfo=zone)
    assert rings_at(local_due.astimezone(UTC), NEW_YORK) == datetime.fromisoformat(rings).replace(
        tzinfo=zone
    )


def test_one_reminder_per_milestone_to_come_and_the_next_session():
    care = Aftercare(
        SHEET,
        datetime(2026, 11, 26, 20, 0, tzinfo=UTC),
        datetime(2026, 11, 28, 21, 0, tzinfo=UTC),  # makeup fine an hour ago
    )
    planned = reminders_to_come(care, NEW_YORK)
    assert [r.key for r in planned] == ["swimming+sauna+workout", "tanning+sun", "next_session"]
    assert planned[0].text == (
        "Microneedling aftercare: swimming pools, saunas, and intense workouts are fine from now on."
    )
    assert planned[1].text == (
        "Microneedling aftercare: the sheet's limits on sun tanning and prolonged direct sunlight "
        "end now. Always use sunblock of SPF 30 or higher, and wear a hat when you're outside."
    )
    assert reminders_to_come(care, NEW_YORK, SHEET.rule("makeup")) == ()
    (sauna,) = reminders_to_come(care, NEW_YORK, SHEET.rule("sauna"))
    assert sauna == planned[0]
