"""AMAZON.DATE and AMAZON.TIME values as Alexa sends them."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from skill.aftercare import Listener, period_name
from skill.alexa.slot_time import (
    PARTS_OF_DAY,
    asked_period,
    parse_clock_time,
    resolved_ahead,
    treatment_day,
)

NEW_YORK = ZoneInfo("America/New_York")
US = Listener(NEW_YORK)
FRIDAY = date(2026, 11, 27)
FRIDAY_10AM = datetime(2026, 11, 27, 10, 0, tzinfo=NEW_YORK)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("14:00", time(14, 0)),
        ("09:30", time(9, 30)),
        ("00:00", time(0, 0)),
        ("MO", PARTS_OF_DAY["MO"]),
        ("NI", PARTS_OF_DAY["NI"]),
        ("24:00", None),
        ("9 PM", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_clock_time(value, expected):
    assert parse_clock_time(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-25", date(2026, 11, 25)),
        ("2026-11-27", FRIDAY),
        ("PRESENT_REF", FRIDAY),
        # "on Monday" said on a Friday: Alexa resolves the coming Monday; a treatment was the last
        ("2026-11-30", date(2026, 11, 23)),
        ("2026-12-04", date(2026, 11, 27)),
        # more than a week ahead is not a weekday slip; the caller asks again
        ("2026-12-05", date(2026, 12, 5)),
        # "November 25th" said without a year, resolved by Alexa to the next one
        ("2027-11-25", date(2026, 11, 25)),
        ("2027-02-29", None),
        ("XXXX-11-25", date(2026, 11, 25)),
        ("XXXX-12-25", date(2025, 12, 25)),
        ("XXXX-02-29", None),  # no such day this year or last: ask again
        ("2026-W48", None),
        ("2026-W47-WE", None),
        ("2026-11", None),
        ("2026", None),
        ("201X", None),
        ("2026-WI", None),
        ("2026-02-30", None),
        ("", None),
        (None, None),
    ],
)
def test_treatment_day(value, expected):
    assert treatment_day(value, FRIDAY) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-28", date(2026, 11, 28)),  # "tomorrow", or "on Saturday"
        ("2026-12-01", date(2026, 12, 1)),  # "December 1st", or "on Tuesday"
        ("2026-12-04", date(2026, 12, 4)),
        ("2026-12-05", None),  # more than a week ahead: plainly in the future
        ("2026-11-27", None),
        ("2026-11-25", None),
        ("XXXX-11-28", None),
        ("PRESENT_REF", None),
        (None, None),
    ],
)
def test_resolved_ahead_names_the_day_alexa_sent_when_it_is_taken_back_a_week(value, expected):
    assert resolved_ahead(value, FRIDAY) == expected
    if expected is not None:
        assert treatment_day(value, FRIDAY) == expected - timedelta(days=7)


def at(day, hour, minute=0):
    return datetime(2026, 11, day, hour, minute, tzinfo=NEW_YORK)


@pytest.mark.parametrize(
    ("date_value", "time_value", "name", "start", "end"),
    [
        ("2026-11-28", None, "tomorrow", at(28, 0), at(29, 0)),
        ("2026-11-29", None, "on Sunday", at(29, 0), at(30, 0)),
        ("2026-11-29", "MO", "on Sunday morning", at(29, 6), at(29, 12)),
        ("2026-11-28", "NI", "tomorrow night", at(28, 21), at(29, 0)),
        (None, "EV", "this evening", at(27, 17), at(27, 21)),
        (None, "NI", "tonight", at(27, 21), at(28, 0)),
        ("2026-11-29", "18:00", "at 6 PM on Sunday", at(29, 18), at(29, 18)),
        (None, "18:00", "at 6 PM today", at(27, 18), at(27, 18)),
        # a clock time already past today is the next one
        (None, "08:00", "at 8 AM tomorrow", at(28, 8), at(28, 8)),
        # named in her own frame: "this weekend", not "that weekend"
        ("2026-W48-WE", None, "this weekend", at(28, 0), at(30, 0)),
        ("2026-W49", None, "next week", at(30, 0), datetime(2026, 12, 7, tzinfo=NEW_YORK)),
        (
            "2026-12",
            None,
            "next month",
            datetime(2026, 12, 1, tzinfo=NEW_YORK),
            datetime(2027, 1, 1, tzinfo=NEW_YORK),
        ),
        ("XXXX-11-28", None, "tomorrow", at(28, 0), at(29, 0)),
    ],
)
def test_asked_period(date_value, time_value, name, start, end):
    period = asked_period(date_value, time_value, FRIDAY_10AM, US)
    assert (period_name(period, FRIDAY_10AM, US), period.start, period.end) == (name, start, end)


@pytest.mark.parametrize(
    ("date_value", "time_value"),
    [(None, None), ("PRESENT_REF", None), ("2026", None), ("2026-W99", None), ("garbage", "14:00")],
)
def test_asked_period_is_none_when_no_time_is_named(date_value, time_value):
    assert asked_period(date_value, time_value, FRIDAY_10AM, US) is None


def test_a_day_asked_about_spans_local_midnight_to_midnight_across_the_spring_change():
    period = asked_period("2027-03-14", None, datetime(2027, 3, 13, 12, tzinfo=NEW_YORK), US)
    utc = ZoneInfo("UTC")
    assert period.end.astimezone(utc) - period.start.astimezone(utc) == timedelta(hours=23)
