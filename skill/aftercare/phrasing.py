"""Answers in words, for a listener in a given time zone and locale.

The verdict comes first ("Yes." / "Not yet."), then the one fact that matters.
Clock times and dates follow the locale's CLDR conventions through Babel
("3 PM" in the US, "3 pm" in the UK); the sentences themselves are English,
which is every locale the skill is offered in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton
from babel.lists import format_list

from .engine import Aftercare, Verdict
from .sheet import PatientSheet, Rule, RuleKind

_ONE_MINUTE = timedelta(minutes=1)
_WEEK_DAYS = 7
_HALF_A_YEAR_DAYS = 183  # further off, a date is named with its year


@dataclass(frozen=True)
class Listener:
    zone: ZoneInfo
    locale: str = "en-US"  # as Alexa sends it

    def day_of(self, instant: datetime) -> date:
        """The date on the listener's calendar at ``instant``."""
        return instant.astimezone(self.zone).date()


@dataclass(frozen=True)
class Period:
    """A stretch of time a listener asked about: "on Saturday", "tomorrow night", "at 6 PM"."""

    name: str  # as spoken: "on Saturday", "tomorrow night", "at 6 PM on Friday"
    start: datetime
    end: datetime  # equal to start for a single moment


@dataclass(frozen=True)
class Speech:
    text: str  # also the card text
    card: str | None = None  # details worth reading later, beyond what is spoken

    @property
    def ssml(self) -> str:
        return f"<speak>{escape(self.text)}</speak>"


@lru_cache(maxsize=16)
def _babel_locale(locale: str) -> Locale:
    try:
        return Locale.parse(locale, sep="-")
    except (ValueError, LookupError, UnknownLocaleError):
        return Locale.parse("en_US")


def _plain_spaces(text: str) -> str:
    # CLDR puts narrow no-break spaces in "3 PM"; speech engines and cards want plain ones.
    return text.replace("\u202f", " ").replace("\xa0", " ")


def _clock_time(moment: datetime, locale: Locale) -> str:
    skeleton = "h" if moment.minute == 0 else "hm"
    return _plain_spaces(format_skeleton(skeleton, moment, locale=locale))


def _weekday(day: date, locale: Locale) -> str:
    return format_date(day, "EEEE", locale=locale)


def _weekday_and_date(day: date, locale: Locale, with_year: bool = False) -> str:
    skeleton = "yMMMMd" if with_year else "MMMMd"
    return (
        f"{_weekday(day, locale)}, {_plain_spaces(format_skeleton(skeleton, day, locale=locale))}"
    )


def spoken_day(day: date, today: date, locale: str) -> str:
    """ "today", "tomorrow", "yesterday", "on Monday", or "on Monday, December 7"."""
    babel_locale = _babel_locale(locale)
    offset = (day - today).days
    if offset == 0:
        return "today"
    if offset == 1:
        return "tomorrow"
    if offset == -1:
        return "yesterday"
    if abs(offset) < _WEEK_DAYS:
        return f"on {_weekday(day, babel_locale)}"
    return f"on {_weekday_and_date(day, babel_locale, with_year=abs(offset) > _HALF_A_YEAR_DAYS)}"


def spoken_instant(instant: datetime, now: datetime, listener: Listener) -> str:
    """An instant as a listener says it: "3 PM today", "noon tomorrow",
    "4 PM on Monday", "10 AM on Monday, December 7", "midnight tonight".

    Seconds are rounded up to the next minute, so a time we say is never
    earlier than the instant itself.
    """
    local = _round_up_to_minute(instant.astimezone(listener.zone))
    today = listener.day_of(now)
    if local.hour == 0 and local.minute == 0:
        # Midnight belongs to the night before: "midnight on Monday" is ambiguous.
        night_of = local.date() - timedelta(days=1)
        named = {0: "tonight", 1: "tomorrow night", -1: "last night"}
        offset = (night_of - today).days
        if offset in named:
            return f"midnight {named[offset]}"
        return f"midnight {spoken_day(night_of, today, listener.locale)} night"
    if local.hour == 12 and local.minute == 0:
        clock = "noon"
    else:
        clock = _clock_time(local, _babel_locale(listener.locale))
    return f"{clock} {spoken_day(local.date(), today, listener.locale)}"


def _round_up_to_minute(moment: datetime) -> datetime:
    truncated = moment.replace(second=0, microsecond=0)
    return truncated if truncated == moment else truncated + _ONE_MINUTE


def spoken_wait(duration: timedelta) -> str:
    """ "in 40 minutes", "in about 2 hours", "in about 3 days"."""
    minutes = math.ceil(duration / _ONE_MINUTE)
    if minutes < 60:
        return f"in {_count(max(minutes, 1), 'minute')}"
    hours = minutes / 60
    if hours < 36:
        rounded = round(hours)
        about = "" if rounded * 60 == minutes else "about "
        return f"in {about}{_count(rounded, 'hour')}"
    return f"in about {_count(round(hours / 24), 'day')}"


def spoken_elapsed(duration: timedelta) -> str:
    """ "40 minutes", "30 hours", "4 days", "3 weeks": how long since the treatment."""
    minutes = int(duration / _ONE_MINUTE)
    if minutes < 60:
        return _count(minutes, "minute")
    hours = minutes // 60
    if hours < 48:
        return _count(hours, "hour")
    days = hours // 24
    if days < 14:
        return _count(days, "day")
    return _count(days // 7, "week")


def _count(number: int, unit: str) -> str:
    if number == 1:
        return f"an {unit}" if unit == "hour" else f"1 {unit}"
    return f"{number} {unit}s"


def _allowed_sentence(verdict: Verdict, now: datetime, listener: Listener) -> str:
    return verdict.rule.allowed.format(when=spoken_instant(verdict.allowed_from, now, listener))


def _waiting_sentence(verdict: Verdict, now: datetime, listener: Listener) -> str:
    template = verdict.rule.allowed_from or verdict.rule.allowed
    when = spoken_instant(verdict.allowed_from, now, listener)
    remaining = verdict.allowed_from - now
    if remaining < timedelta(hours=6):  # close enough that a countdown helps
        when = f"{when}, {spoken_wait(remaining)}"
    return template.format(when=when)


def _status_sentence(verdict: Verdict, now: datetime, listener: Listener) -> str:
    if verdict.allowed_from <= now:
        return _allowed_sentence(verdict, now, listener)
    return _waiting_sentence(verdict, now, listener)


def _card(*lines: str | None) -> str:
    return "\n".join(line for line in lines if line)


def answer_permission(care: Aftercare, verdict: Verdict, listener: Listener) -> Speech:
    """ "Can I X?" — right now."""
    rule = verdict.rule
    if not verdict.allowed:
        text = f"Not yet. {_waiting_sentence(verdict, care.now, listener)}"
    else:
        if care.is_over and rule.kind is RuleKind.AVOID:
            since = "The aftercare period of your last treatment is over."
        else:
            since = _allowed_sentence(verdict, care.now, listener)
        text = " ".join(part for part in ("Yes.", since, rule.afterwards) if part)
    return Speech(text, card=_card(text, None if verdict.allowed else rule.meanwhile, rule.sheet))


def answer_permission_during(
    care: Aftercare, rule: Rule, period: Period, listener: Listener
) -> Speech:
    """ "Can I X on Saturday / tomorrow night / Friday at 6 PM?" — a time still to come.

    Fine for the whole period is "Yes"; fine only from partway through is
    "Not until later"; not fine before the period ends is "No".
    """
    verdict = care.check(rule, at=max(period.start, care.now))
    text = _status_sentence(verdict, care.now, listener)
    if verdict.allowed:
        text = f"Yes. {text}"
    elif verdict.allowed_from < period.end:
        text = f"Not until later {period.name}. {text}"
    else:
        text = f"No, not {period.name}. {text}"
    return Speech(text, card=_card(text, rule.meanwhile, rule.sheet))


def answer_wait(care: Aftercare, verdict: Verdict, listener: Listener) -> Speech:
    """ "When can I X?" — the local time it becomes fine, or that it already is."""
    rule = verdict.rule
    if rule.kind is RuleKind.CONDITION:
        text = f"Any time. {rule.allowed}"
    elif verdict.allowed:
        text = f"Now. {_allowed_sentence(verdict, care.now, listener)}"
    else:
        text = _waiting_sentence(verdict, care.now, listener)
    return Speech(text, card=_card(text, None if verdict.allowed else rule.meanwhile, rule.sheet))


def answer_overview(care: Aftercare, listener: Listener) -> Speech:
    """ "What should I avoid right now?" — each restriction and when it lifts, soonest first."""
    restrictions = care.still_to_avoid()
    reminders = [
        _status_sentence(v, care.now, listener)
        for v in map(care.check, care.sheet.rules.values())
        if v.rule.kind is RuleKind.START
    ]
    card = timeline_card(care, listener)
    if not restrictions:
        text = " ".join(["Nothing on your aftercare sheet is off-limits now.", *reminders])
        return Speech(text, card=card)
    locale = _babel_locale(listener.locale)
    parts = [
        f"{format_list(subjects, locale=locale)} until {spoken_instant(lifts, care.now, listener)}"
        for lifts, subjects in _subjects_by_instant(restrictions).items()
    ]
    text = f"Still to avoid: {'; '.join(parts)}."
    return Speech(" ".join([text, *reminders]), card=card)


def _subjects_by_instant(verdicts: list[Verdict]) -> dict[datetime, list[str]]:
    """What lifts or starts together, in the verdicts' order."""
    grouped: dict[datetime, list[str]] = {}
    for verdict in verdicts:
        grouped.setdefault(verdict.allowed_from, []).append(verdict.rule.subject)
    return grouped


def written_instant(instant: datetime, listener: Listener) -> str:
    """An instant for reading later, so not relative to today: "Saturday, November 28, 3 PM"."""
    local = _round_up_to_minute(instant.astimezone(listener.zone))
    locale = _babel_locale(listener.locale)
    return f"{_weekday_and_date(local.date(), locale)}, {_clock_time(local, locale)}"


@dataclass(frozen=True)
class TimelineEntry:
    """One milestone of the aftercare, written out."""

    what: str  # "Swimming pools, saunas and intense workouts"
    when: str  # "Sunday, November 29, 3 PM"
    reached: bool


def written_timeline(care: Aftercare, listener: Listener) -> tuple[TimelineEntry, ...]:
    """The aftercare's milestones in words, earliest first: the card in the
    Alexa app and the clinic's patient page both show exactly these."""
    locale = _babel_locale(listener.locale)
    return tuple(
        TimelineEntry(
            what=_capitalised(format_list([rule.subject for rule in m.rules], locale=locale)),
            when=written_instant(m.at, listener),
            reached=m.reached,
        )
        for m in care.milestones()
    )


def written_next_session(care: Aftercare, listener: Listener) -> str:
    """ "between Thursday, December 24 and Thursday, January 7"."""
    locale = _babel_locale(listener.locale)
    window = care.next_session
    opens, closes = (
        _weekday_and_date(listener.day_of(i), locale) for i in (window.opens, window.closes)
    )
    return f"between {opens} and {closes}"


def timeline_card(care: Aftercare, listener: Listener) -> str:
    """The whole aftercare timeline, for the card in the Alexa app."""
    lines = [f"Treatment: {written_instant(care.treated_at, listener)}"]
    lines += [f"{entry.what}: from {entry.when}" for entry in written_timeline(care, listener)]
    lines.append(f"Next session: {written_next_session(care, listener)}")
    return "\n".join(lines)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def answer_status(care: Aftercare, listener: Listener) -> Speech:
    """Where the patient is, for the start of a conversation."""
    elapsed = spoken_elapsed(care.elapsed)
    if care.is_over:
        return Speech(
            f"It's been {elapsed} since your last treatment, so its aftercare is over. "
            "If you've had a new treatment, tell me when it was."
        )
    overview = answer_overview(care, listener)
    return Speech(f"It's been {elapsed} since your treatment. {overview.text}", card=overview.card)


def answer_next_session(care: Aftercare, listener: Listener) -> Speech:
    window = care.next_session
    plan = care.sheet.sessions
    weeks = f"{plan.min_gap.days // 7} to {plan.max_gap.days // 7} weeks"
    locale = _babel_locale(listener.locale)
    today, opens, closes = (listener.day_of(i) for i in (care.now, window.opens, window.closes))
    if care.now < window.opens:
        text = (
            f"Your next session should be {weeks} after this one: "
            f"between {_weekday_and_date(opens, locale)} and {_weekday_and_date(closes, locale)}."
        )
    elif care.now < window.closes:
        text = (
            "The window for your next session is open now "
            f"and closes {spoken_day(closes, today, listener.locale)}."
        )
    else:
        text = (
            f"Sessions should be {weeks} apart, and that window closed "
            f"{spoken_day(closes, today, listener.locale)}. "
            "If you've had another session since, tell me when it was."
        )
    return Speech(text, card=_card(text, plan.sheet))


def answer_session_count(sessions_recorded: int, sheet: PatientSheet) -> Speech:
    needed = sheet.fact("sessions_needed").speech
    if sessions_recorded == 0:
        recorded = "I don't have any of your sessions recorded yet."
    else:
        recorded = f"You've had {_count(sessions_recorded, 'session')} recorded with me."
    return Speech(f"{recorded} {needed}")


def answer_fact(topic: str, sheet: PatientSheet) -> Speech:
    fact = sheet.fact(topic)
    return Speech(fact.speech, card=_card(fact.speech, fact.sheet))


def answer_future_treatment(treated_at: datetime, now: datetime, listener: Listener) -> Speech:
    return Speech(
        f"That's {spoken_instant(treated_at, now, listener)}, which hasn't happened yet. "
        "When was your treatment?"
    )
