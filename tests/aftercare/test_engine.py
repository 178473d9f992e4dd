"""Every rule one minute either side of its boundary, across zones and DST changes."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from skill.aftercare import (
    Aftercare,
    RuleKind,
    TreatmentInFuture,
    default_sheet,
    sessions_too_close,
)

SHEET = default_sheet()
MINUTE = timedelta(minutes=1)

# The sheet's windows, restated here so a changed data file fails loudly.
EXPECTED_WAITS = {
    "makeup": timedelta(hours=48),
    "swimming": timedelta(hours=72),
    "sauna": timedelta(hours=72),
    "workout": timedelta(hours=72),
    "tanning": timedelta(days=7),
    "sun": timedelta(days=7),
    "sunscreen": timedelta(hours=24),
    "touching_face": timedelta(0),
    "painkiller": timedelta(0),
    "work": timedelta(0),
}

TREATMENTS = {
    "UTC": datetime(2026, 11, 26, 15, 0, tzinfo=UTC),
    # a half-hour zone, a 45-minute zone, and a southern-hemisphere DST zone
    "Kolkata": datetime(2026, 11, 26, 15, 0, tzinfo=ZoneInfo("Asia/Kolkata")),
    "Kathmandu": datetime(2026, 11, 26, 15, 0, tzinfo=ZoneInfo("Asia/Kathmandu")),
    "Adelaide": datetime(2026, 10, 3, 9, 30, tzinfo=ZoneInfo("Australia/Adelaide")),
    # each straddles a daylight-saving change within the longest window
    "New York spring": datetime(2027, 3, 13, 15, 0, tzinfo=ZoneInfo("America/New_York")),
    "New York autumn": datetime(2026, 10, 31, 15, 0, tzinfo=ZoneInfo("America/New_York")),
    "London spring": datetime(2027, 3, 27, 10, 0, tzinfo=ZoneInfo("Europe/London")),
    "London autumn": datetime(2026, 10, 24, 10, 0, tzinfo=ZoneInfo("Europe/London")),
    "Sydney spring": datetime(2026, 10, 3, 10, 0, tzinfo=ZoneInfo("Australia/Sydney")),
    "Sydney autumn": datetime(2027, 4, 3, 10, 0, tzinfo=ZoneInfo("Australia/Sydney")),
}


def test_sheet_windows_are_the_patient_sheets():
    assert {rule_id: rule.wait for rule_id, rule in SHEET.rules.items()} == EXPECTED_WAITS


@pytest.mark.parametrize("place", TREATMENTS)
@pytest.mark.parametrize("rule_id", [r for r, wait in EXPECTED_WAITS.items() if wait])
@pytest.mark.parametrize(
    ("offset", "allowed"), [(-MINUTE, False), (timedelta(0), True), (MINUTE, True)]
)
def test_rule_lifts_exactly_at_its_window(place, rule_id, offset, allowed):
    treated_at = TREATMENTS[place]
    boundary = treated_at.astimezone(UTC) + EXPECTED_WAITS[rule_id]
    care = Aftercare(SHEET, treated_at, now=boundary + offset)
    verdict = care.check(SHEET.rule(rule_id))
    assert verdict.allowed is allowed
    assert verdict.allowed_from == boundary


@pytest.mark.parametrize("rule_id", [r for r, wait in EXPECTED_WAITS.items() if not wait])
def test_rules_without_a_wait_hold_from_the_treatment_itself(rule_id):
    treated_at = TREATMENTS["UTC"]
    verdict = Aftercare(SHEET, treated_at, now=treated_at).check(SHEET.rule(rule_id))
    assert verdict.allowed
    assert SHEET.rule(rule_id).kind is RuleKind.CONDITION


@pytest.mark.parametrize(
    ("treated_at", "makeup_from_wall_clock"),
    [
        # 48 elapsed hours over the spring change end an hour later on the wall clock
        (datetime(2027, 3, 13, 15, 0, tzinfo=ZoneInfo("America/New_York")), (15, 16)),
        # ... and over the autumn change an hour earlier
        (datetime(2026, 10, 31, 15, 0, tzinfo=ZoneInfo("America/New_York")), (2, 14)),
        (datetime(2027, 3, 27, 10, 0, tzinfo=ZoneInfo("Europe/London")), (29, 11)),
        (datetime(2026, 10, 24, 10, 0, tzinfo=ZoneInfo("Europe/London")), (26, 9)),
        (datetime(2026, 10, 3, 10, 0, tzinfo=ZoneInfo("Australia/Sydney")), (5, 11)),
        (datetime(2027, 4, 3, 10, 0, tzinfo=ZoneInfo("Australia/Sydney")), (5, 9)),
    ],
)
def test_windows_are_exact_elapsed_time_across_daylight_saving(treated_at, makeup_from_wall_clock):
    care = Aftercare(SHEET, treated_at, now=treated_at)
    local = care.check(SHEET.rule("makeup")).allowed_from.astimezone(treated_at.tzinfo)
    assert (local.day, local.hour) == makeup_from_wall_clock


def test_a_future_moment_can_be_checked():
    treated_at = TREATMENTS["UTC"]
    care = Aftercare(SHEET, treated_at, now=treated_at + timedelta(hours=1))
    rule = SHEET.rule("makeup")
    assert not care.check(rule).allowed
    assert care.check(rule, at=treated_at + timedelta(hours=49)).allowed


def test_a_treatment_later_than_now_is_an_error_to_speak_about():
    now = TREATMENTS["UTC"]
    with pytest.raises(TreatmentInFuture):
        Aftercare(SHEET, now + MINUTE, now=now)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="naive"):
        Aftercare(SHEET, datetime(2026, 11, 26, 15), now=TREATMENTS["UTC"])


def test_still_to_avoid_lists_the_soonest_first_and_shrinks():
    treated_at = TREATMENTS["UTC"]
    first_hour = Aftercare(SHEET, treated_at, now=treated_at + timedelta(hours=1))
    assert [v.rule.id for v in first_hour.still_to_avoid()] == [
        "makeup",
        "swimming",
        "sauna",
        "workout",
        "tanning",
        "sun",
    ]
    day_four = Aftercare(SHEET, treated_at, now=treated_at + timedelta(days=4))
    assert [v.rule.id for v in day_four.still_to_avoid()] == ["tanning", "sun"]
    assert Aftercare(SHEET, treated_at, now=treated_at + timedelta(days=8)).still_to_avoid() == []


@pytest.mark.parametrize(
    ("after", "is_over"),
    [(timedelta(days=42) - MINUTE, False), (timedelta(days=42), True), (timedelta(days=400), True)],
)
def test_aftercare_is_over_once_the_next_session_window_has_closed(after, is_over):
    treated_at = TREATMENTS["UTC"]
    care = Aftercare(SHEET, treated_at, now=treated_at + after)
    assert care.is_over is is_over
    assert care.next_session.opens == treated_at + timedelta(days=28)
    assert care.next_session.closes == treated_at + timedelta(days=42)


@pytest.mark.parametrize("where", TREATMENTS)
def test_milestones_group_the_waits_and_are_reached_exactly_at_their_instant(where):
    treated = TREATMENTS[where].astimezone(UTC)  # waits are exact time, added in UTC
    lifts_last = treated + EXPECTED_WAITS["sun"]
    before = Aftercare(SHEET, treated, lifts_last - MINUTE).milestones()
    at = Aftercare(SHEET, treated, lifts_last).milestones()

    grouped = [[rule.id for rule in milestone.rules] for milestone in at]
    assert grouped == [
        ["sunscreen"],
        ["makeup"],
        ["swimming", "sauna", "workout"],
        ["tanning", "sun"],
    ]
    assert [m.at - treated for m in at] == [
        timedelta(hours=24),
        timedelta(hours=48),
        timedelta(hours=72),
        timedelta(days=7),
    ]
    assert [m.reached for m in before] == [True, True, True, False]
    assert all(m.reached for m in at)


@pytest.mark.parametrize(
    ("gap", "too_close"),
    [
        (timedelta(days=28) - timedelta(minutes=1), True),
        (timedelta(days=28), False),
        (timedelta(days=42), False),
        (timedelta(days=3), True),
    ],
)
def test_sessions_closer_than_four_weeks_are_too_close(gap, too_close):
    earlier = datetime(2026, 10, 1, 14, 0, tzinfo=UTC)
    assert sessions_too_close(SHEET, earlier, earlier + gap) is too_close
