"""AMAZON.DATE and AMAZON.TIME slot values, as Alexa really sends them.

AMAZON.DATE: a day (``2026-11-25``), a day with no year (``XXXX-11-25``), a
week (``2026-W48``), a weekend (``2026-W48-WE``), a month (``2026-11``),
``PRESENT_REF`` for "now", and vaguer values (a year, a decade, a season).
AMAZON.TIME: a clock time (``14:00``) or a part of the day (``MO``, ``AF``,
``EV``, ``NI``).

A treatment needs one day and one clock time; anything vaguer is asked again.
A question about a time to come ("can I swim this weekend?") takes the whole
stretch the value names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from skill.aftercare import Listener, Period

_DAY = re.compile(r"^(\d{4}|XXXX)-(\d{2})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{1,2})(-WE)?$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_CLOCK = re.compile(r"^(\d{2}):(\d{2})$")
_YEAR_DEFAULTED_AHEAD = timedelta(days=183)
# Python's dates end at years 1 and 9999. A day the skill works with keeps a year clear
# of both, so its end, a week either side and its instants in UTC are all dates too.
_FIRST_YEAR, _LAST_YEAR = 2, 9998


@dataclass(frozen=True)
class PartOfDay:
    """An AMAZON.TIME part of the day: fine for a question, too vague to record."""

    name: str  # "morning"
    first_hour: int
    end_hour: int  # exclusive


PARTS_OF_DAY = {
    "MO": PartOfDay("morning", 6, 12),
    "AF": PartOfDay("afternoon", 12, 17),
    "EV": PartOfDay("evening", 17, 21),
    "NI": PartOfDay("night", 21, 24),
}


def parse_clock_time(value: str | None) -> time | PartOfDay | None:
    """A clock time, a part of the day, or None for a missing or unreadable value."""
    if not value:
        return None
    if value in PARTS_OF_DAY:
        return PARTS_OF_DAY[value]
    match = _CLOCK.match(value)
    if not match:
        return None
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _safe_date(year: int, month: int, day: int) -> date | None:
    if not _FIRST_YEAR <= year <= _LAST_YEAR:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def resolved_ahead(value: str | None, today: date) -> date | None:
    """The day Alexa sent, when it is up to a week ahead: a weekday ("on
    Saturday") resolved to the coming one, which :func:`treatment_day` takes to
    mean the one before. Alexa sends the same day for "tomorrow", or for
    "December 1st" said in late November, so the skill says both days aloud."""
    match = _DAY.match(value or "")
    if not match or match[1] == "XXXX":
        return None
    day = _safe_date(int(match[1]), int(match[2]), int(match[3]))
    if day is None or not today < day <= today + timedelta(days=7):
        return None
    return day


def treatment_day(value: str | None, today: date) -> date | None:
    """The day a past treatment took place, or None when the value is too vague.

    Alexa resolves a bare weekday ("on Monday") to the coming one, and a day
    said without a year to the next one to come, but a treatment is in the
    past: a day up to a week ahead (:func:`resolved_ahead`) is taken to mean
    the same weekday before, and a day more than half a year ahead the same day
    a year earlier. The skill confirms the whole date aloud before saving.
    """
    if value == "PRESENT_REF":
        return today
    match = _DAY.match(value or "")
    if not match:
        return None
    month, day_of_month = int(match[2]), int(match[3])
    if match[1] == "XXXX":
        this_year = _safe_date(today.year, month, day_of_month)
        if this_year is not None and this_year <= today:
            return this_year
        return _safe_date(today.year - 1, month, day_of_month)
    day = _safe_date(int(match[1]), month, day_of_month)
    if day is None or day <= today:
        return day
    if resolved_ahead(value, today) is not None:
        return day - timedelta(days=7)
    if day - today > _YEAR_DEFAULTED_AHEAD:
        # "November 25th" with no year: Alexa picks the next one to come.
        return _safe_date(day.year - 1, month, day_of_month)
    return day


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def _days_named(value: str, today: date) -> tuple[str, date, date] | None:
    """The days an AMAZON.DATE value names, [first, end), and the kind of
    stretch: "day", "weekend", "week" or "month"."""
    year = value[:4]
    if year.isdigit() and int(year) > _LAST_YEAR:
        # Beyond the dates Python holds, yet plainly long after every restriction has
        # lifted: answered as of the last day the skill can work with.
        last = date(_LAST_YEAR, 12, 31)
        return ("day", last, last + timedelta(days=1))
    match = _DAY.match(value)
    if match:
        month, day_of_month = int(match[2]), int(match[3])
        if match[1] == "XXXX":  # no year: the next such day to come
            day = _safe_date(today.year, month, day_of_month)
            if day is not None and day < today:
                day = _safe_date(today.year + 1, month, day_of_month)
        else:
            day = _safe_date(int(match[1]), month, day_of_month)
        return None if day is None else ("day", day, day + timedelta(days=1))
    match = _WEEK.match(value)
    if match:
        try:
            monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
        except ValueError:
            return None
        if _safe_date(monday.year, 1, 1) is None:
            return None
        if match[3]:
            saturday = monday + timedelta(days=5)
            return ("weekend", saturday, saturday + timedelta(days=2))
        return ("week", monday, monday + timedelta(days=7))
    match = _MONTH.match(value)
    first = _safe_date(int(match[1]), int(match[2]), 1) if match else None
    if first is not None:
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        return ("month", first, following)
    return None


def asked_period(
    date_value: str | None, time_value: str | None, now: datetime, listener: Listener
) -> Period | None:
    """The time still to come that a question names, or None when it names none.

    "on Saturday" is the whole of Saturday on the listener's calendar,
    "tomorrow night" 9 PM to midnight, "at 6 PM" the next 6 PM to come.
    """
    today = listener.day_of(now)
    if date_value and date_value != "PRESENT_REF":
        days = _days_named(date_value, today)
        if days is None:
            return None
        span, first_day, end_day = days
    elif time_value:
        span, first_day, end_day = "day", today, today + timedelta(days=1)
    else:
        return None
    midnight = _local_midnight(first_day, listener.zone)
    clock = parse_clock_time(time_value) if span == "day" else None
    if clock is None:
        return Period(midnight, _local_midnight(end_day, listener.zone), span)
    if isinstance(clock, PartOfDay):
        return Period(
            midnight + timedelta(hours=clock.first_hour),
            midnight + timedelta(hours=clock.end_hour),
            clock.name,
        )
    moment = datetime.combine(first_day, clock, tzinfo=listener.zone)
    if not date_value and moment < now:
        moment += timedelta(days=1)  # "at 6 PM" said at 8 PM means tomorrow's
    return Period(moment, moment, "moment")
