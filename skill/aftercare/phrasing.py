"""Answers in words, for a listener in a given time zone and locale.

The verdict comes first ("Yes." / "Not yet."), then the one fact that matters.
Clock times and dates follow the locale's CLDR conventions through Babel
("3 PM on Monday, December 7" in the US, "3 pm on Monday 7 December" in the UK,
"3 p.m." in Canada, "midday" in Australia); the sentences are English, written
once in American spelling, and :func:`in_locale` spells a finished answer the
listener's way (``locales``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_skeleton, match_skeleton
from babel.lists import format_list

from .engine import Aftercare, Milestone, Verdict
from .locales import ENGLISH_LOCALES, spelt, supported
from .sheet import PatientSheet, Rule, RuleKind

_ONE_MINUTE = timedelta(minutes=1)
_WEEK_DAYS = 7
_HALF_A_YEAR_DAYS = 183  # further off, a date is named with its year
_COUNTDOWN_WITHIN = timedelta(hours=6)  # close enough that "in 40 minutes" helps
DEFAULT_WAITING_VERDICT = "Not yet."
AFTERCARE_OVER = "The aftercare period of your last treatment is over."
NOTHING_OFF_LIMITS = "nothing on your aftercare sheet is off-limits now"
# Asked about an item of one of the sheet's lists that the list doesn't name.
NOT_ON_THE_LIST = (
    "Your sheet's list doesn't name that, so please ask your clinic; the list is on your card."
)


@dataclass(frozen=True)
class Listener:
    zone: ZoneInfo
    locale: str = "en-US"  # as Alexa sends it

    def day_of(self, instant: datetime) -> date:
        """The date on the listener's calendar at ``instant``."""
        return instant.astimezone(self.zone).date()


@dataclass(frozen=True)
class Period:
    """A stretch of time a listener asked about: "on Saturday", "tomorrow night", "at 6 PM".

    ``span`` says what kind of stretch it is, so that it is named the way she
    framed it ("this weekend", not "that weekend"): "moment", "day", "weekend",
    "week", "month", or a part of the day ("morning", "afternoon", "evening",
    "night").
    """

    start: datetime
    end: datetime  # equal to start for a single moment
    span: str


@dataclass(frozen=True)
class Speech:
    text: str  # also the card text
    card: str | None = None  # details worth reading later, beyond what is spoken

    @property
    def ssml(self) -> str:
        return f"<speak>{escape(self.text)}</speak>"


def in_locale(speech: Speech, locale: str | None) -> Speech:
    """A finished answer as the listener's locale spells it, on the card too."""
    card = None if speech.card is None else spelt(speech.card, locale)
    return Speech(spelt(speech.text, locale), card=card)


@lru_cache(maxsize=16)
def _babel_locale(locale: str) -> Locale:
    return Locale.parse(supported(locale), sep="-")


def _plain_spaces(text: str) -> str:
    # CLDR puts narrow no-break spaces in "3 PM"; speech engines and cards want plain ones.
    return text.replace("\u202f", " ").replace("\xa0", " ")


def _clock_time(moment: datetime | time, locale: Locale) -> str:
    return _clock_time_of_day(moment.hour, moment.minute, locale)


# Babel's formatting was a tenth of an answer's time. A clock time's words depend only
# on the hour, the minute and the locale, never on the date or the zone, and never
# change: so each is made once. Bounded by every minute of the day in each locale the
# skill speaks; nothing to expire.
@lru_cache(maxsize=len(ENGLISH_LOCALES) * 24 * 60)
def _clock_time_of_day(hour: int, minute: int, locale: Locale) -> str:
    skeleton = "h" if minute == 0 else "hm"
    return _plain_spaces(
        format_skeleton(skeleton, datetime(2000, 1, 1, hour, minute), locale=locale)
    )


def _day_period(name: str, locale: Locale) -> str:
    """CLDR's word for "noon" or "midnight" ("midday" in Australia)."""
    return locale.day_periods["format"]["wide"][name]


def _spoken_clock(moment: datetime, locale: Locale) -> str:
    """A clock time as said: "3 PM", and noon by its name ("midday" in Australia)."""
    if moment.hour == 12 and moment.minute == 0:
        return _day_period("noon", locale)
    return _clock_time(moment, locale)


def _weekday(day: date, locale: Locale) -> str:
    return format_date(day, "EEEE", locale=locale)


@lru_cache(maxsize=32)
def _weekday_and_date_pattern(locale: Locale, with_year: bool) -> str:
    """The locale's pattern for a weekday and a date: "EEEE, MMMM d" in the US,
    "EEEE d MMMM" in the UK. CLDR may hold only a short weekday's pattern for a
    skeleton ("E, MMMM d"); the weekday is widened, as ICU adjusts a matched
    pattern to the skeleton asked for, so the weekday is always said whole."""
    skeletons = locale.datetime_skeletons
    matched = match_skeleton("yMMMMEEEEd" if with_year else "MMMMEEEEd", skeletons)
    return re.sub(r"E+", "EEEE", skeletons[matched].pattern)


def _weekday_and_date(day: date, locale: Locale, with_year: bool = False) -> str:
    """ "Saturday, November 21" in the US, "Saturday 21 November" in the UK."""
    pattern = _weekday_and_date_pattern(locale, with_year)
    return _plain_spaces(format_date(day, pattern, locale=locale))


def _commas_around_dates(locale: Locale) -> bool:
    """Whether the locale sets a date off with commas ("on Monday, November 9, at
    2 PM") or not ("on Monday 9 November at 2 pm"), as its own pattern does."""
    return ", " in _weekday_and_date_pattern(locale, False)


def _month_and_day(day: date, locale: Locale) -> str:
    return _plain_spaces(format_skeleton("MMMMd", day, locale=locale))


def spoken_day(day: date, today: date, locale: str) -> str:
    """ "today", "tomorrow", "yesterday", "last Monday", "on Monday", or "on Monday, December 7"."""
    babel_locale = _babel_locale(locale)
    offset = (day - today).days
    if offset == 0:
        return "today"
    if offset == 1:
        return "tomorrow"
    if offset == -1:
        return "yesterday"
    if -_WEEK_DAYS < offset < 0:
        return f"last {_weekday(day, babel_locale)}"
    if 0 < offset < _WEEK_DAYS:
        return f"on {_weekday(day, babel_locale)}"
    return f"on {_weekday_and_date(day, babel_locale, with_year=abs(offset) > _HALF_A_YEAR_DAYS)}"


def whole_day(day: date, today: date, locale: str) -> str:
    """A day spoken so that it cannot be misheard: the weekday and the date,
    "tomorrow, Saturday, November 28", "last Saturday, November 21",
    "Monday, November 9"; only today and yesterday go by their names."""
    babel_locale = _babel_locale(locale)
    offset = (day - today).days
    dated = _weekday_and_date(day, babel_locale, with_year=abs(offset) > _HALF_A_YEAR_DAYS)
    if offset in (0, -1):
        return spoken_day(day, today, locale)
    if offset == 1:
        return f"tomorrow, {dated}"
    if -_WEEK_DAYS < offset < 0:
        return f"last {dated}"
    return dated


def whole_instant(instant: datetime, now: datetime, listener: Listener) -> str:
    """An instant with its whole date, for confirming what will be saved:
    "yesterday at 2 PM", "last Saturday, November 21, at 2 PM",
    "on Monday, November 9, at 2 PM"."""
    local = instant.astimezone(listener.zone)
    today = listener.day_of(now)
    locale = _babel_locale(listener.locale)
    clock = _spoken_clock(local, locale)
    day = whole_day(local.date(), today, listener.locale)
    offset = (local.date() - today).days
    at = ", at" if _commas_around_dates(locale) else " at"
    if offset in (0, -1):
        return f"{day} at {clock}"
    if -_WEEK_DAYS < offset <= 1:
        return f"{day}{at} {clock}"
    return f"on {day}{at} {clock}"


def spoken_instant(instant: datetime, now: datetime, listener: Listener) -> str:
    """An instant as a listener says it: "3 PM today", "noon tomorrow",
    "4 PM on Monday", "10 AM on Monday, December 7", "midnight tonight".

    Seconds are rounded up to the next minute, so a time we say is never
    earlier than the instant itself.
    """
    local = _round_up_to_minute(instant.astimezone(listener.zone))
    today = listener.day_of(now)
    locale = _babel_locale(listener.locale)
    if local.hour == 0 and local.minute == 0:
        # Midnight belongs to the night before: "midnight on Monday" is ambiguous.
        night_of = local.date() - timedelta(days=1)
        named = {0: "tonight", 1: "tomorrow night", -1: "last night"}
        offset = (night_of - today).days
        midnight = _day_period("midnight", locale)
        if offset in named:
            return f"{midnight} {named[offset]}"
        return f"{midnight} {spoken_day(night_of, today, listener.locale)} night"
    return f"{_spoken_clock(local, locale)} {spoken_day(local.date(), today, listener.locale)}"


def sentence(text: str) -> str:
    """``text`` with its full stop: "at 2 p.m." already has one."""
    return text if text.endswith(".") else f"{text}."


def example_clock(hour: int, locale: str) -> str:
    """A clock time for an example in a prompt, as the locale writes it: "2 PM", "2 pm"."""
    return _clock_time(time(hour), _babel_locale(locale))


def _ordinal(number: int) -> str:
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


def example_day(day: date, locale: str) -> str:
    """A date for an example in a prompt, said the way the locale orders it:
    "November 25th" in the US and Canada, "25th November" in the UK, Australia and India."""
    babel_locale = _babel_locale(locale)
    month = format_date(day, "MMMM", locale=babel_locale)
    order = babel_locale.datetime_skeletons[
        match_skeleton("MMMMd", babel_locale.datetime_skeletons)
    ]
    if order.pattern.lstrip().startswith("d"):
        return f"{_ordinal(day.day)} {month}"
    return f"{month} {_ordinal(day.day)}"


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
    """How long since the treatment, rounded honestly: "40 minutes", "30 hours",
    "almost 3 days", "2 and a half weeks", "almost 3 weeks"."""
    minutes = int(duration / _ONE_MINUTE)
    if minutes < 60:
        return _count(minutes, "minute")
    if minutes < 48 * 60:
        return _rounded(minutes / 60, "hour")
    days = minutes / (24 * 60)
    if days < 14:
        return _rounded(days, "day")
    return _rounded(days / 7, "week", halves=True)


def _rounded(amount: float, unit: str, halves: bool = False) -> str:
    """A whole number of units, never more than a quarter unit short of the truth
    ("almost 3 weeks" at 20 days, not "2 weeks"), nor any longer than it."""
    whole = math.floor(amount)
    part = amount - whole
    if part >= 0.75:
        return f"almost {_count(whole + 1, unit)}"
    if halves and part >= 0.4:
        return f"{whole} and a half {unit}s"
    return _count(whole, unit)


def _count(number: int, unit: str) -> str:
    if number == 1:
        return f"an {unit}" if unit == "hour" else f"1 {unit}"
    return f"{number} {unit}s"


def period_name(period: Period, now: datetime, listener: Listener) -> str:
    """The period in the listener's own frame: "this weekend", "next week",
    "tomorrow night", "on Saturday", "at 6 PM on Friday"."""
    today = listener.day_of(now)
    first = listener.day_of(period.start)
    locale = _babel_locale(listener.locale)
    if period.span == "moment":
        return f"at {spoken_instant(period.start, now, listener)}"
    if period.span == "day":
        return spoken_day(first, today, listener.locale)
    if period.span in ("weekend", "week"):
        weeks_ahead = (_monday(first) - _monday(today)).days // _WEEK_DAYS
        if weeks_ahead in (0, 1):
            return f"{('this', 'next')[weeks_ahead]} {period.span}"
        return f"the {period.span} of {_month_and_day(first, locale)}"
    if period.span == "month":
        months_ahead = (first.year - today.year) * 12 + first.month - today.month
        if months_ahead in (0, 1):
            return f"{('this', 'next')[months_ahead]} month"
        return f"in {format_date(first, 'MMMM', locale=locale)}"
    # a part of the day
    if first == today:
        return "tonight" if period.span == "night" else f"this {period.span}"
    return f"{spoken_day(first, today, listener.locale)} {period.span}"


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _allowed_sentence(verdict: Verdict, now: datetime, listener: Listener) -> str:
    return verdict.rule.allowed.format(when=spoken_instant(verdict.allowed_from, now, listener))


def _waiting_sentence(verdict: Verdict, now: datetime, listener: Listener) -> str:
    template = verdict.rule.allowed_from or verdict.rule.allowed
    return template.format(when=_when_with_countdown(verdict.allowed_from, now, listener))


def _when_with_countdown(instant: datetime, now: datetime, listener: Listener) -> str:
    when = spoken_instant(instant, now, listener)
    if instant - now < _COUNTDOWN_WITHIN:
        when = f"{when}, {spoken_wait(instant - now)}"
    return when


def _status_sentence(verdict: Verdict, now: datetime, listener: Listener) -> str:
    if verdict.allowed_from <= now:
        return _allowed_sentence(verdict, now, listener)
    return _waiting_sentence(verdict, now, listener)


def _see_also(care: Aftercare, rule: Rule, listener: Listener) -> str | None:
    """The status of the rule this one is spoken with: sunblock and a hat, with the sun."""
    if rule.see_also is None:
        return None
    return _status_sentence(care.check(care.sheet.rules[rule.see_also]), care.now, listener)


def _card(*lines: str | None) -> str:
    return "\n".join(line for line in lines if line)


def _joined(*parts: str | None) -> str:
    return " ".join(part for part in parts if part)


def answer_permission(care: Aftercare, verdict: Verdict, listener: Listener) -> Speech:
    """ "Can I X?" — right now."""
    rule = verdict.rule
    if not verdict.allowed and rule.kind is RuleKind.START:
        # The sheet starts something at a time and is silent before it: no verdict.
        text = _joined(_waiting_sentence(verdict, care.now, listener), rule.meanwhile)
        return Speech(text, card=_card(text, rule.sheet))
    if not verdict.allowed:
        verdict_word = rule.waiting_verdict or DEFAULT_WAITING_VERDICT
        status = f"{verdict_word} {_waiting_sentence(verdict, care.now, listener)}"
    else:
        if care.is_over and rule.kind is RuleKind.AVOID:
            since = AFTERCARE_OVER
        else:
            since = _allowed_sentence(verdict, care.now, listener)
        status = f"Yes. {since}" if rule.endorses else since
    text = _joined(status, _see_also(care, rule, listener))
    return Speech(text, card=_card(text, None if verdict.allowed else rule.meanwhile, rule.sheet))


def answer_permission_during(
    care: Aftercare, rule: Rule, period: Period, listener: Listener
) -> Speech:
    """ "Can I X on Saturday / tomorrow night / Friday at 6 PM?" — a time still to come.

    Fine for the whole period is "Yes"; fine only from partway through is
    "Not until later"; not fine before the period ends is "No".
    """
    verdict = care.check(rule, at=max(period.start, care.now))
    if rule.kind is RuleKind.START and not verdict.allowed:
        return answer_permission(care, care.check(rule), listener)
    status = _status_sentence(verdict, care.now, listener)
    name = period_name(period, care.now, listener)
    if verdict.allowed:
        status = f"Yes. {status}" if rule.endorses else status
    elif rule.waiting_verdict:
        status = f"{rule.waiting_verdict} {status}"
    elif verdict.allowed_from < period.end:
        status = f"Not until later {name}. {status}"
    else:
        status = f"No, not {name}. {status}"
    text = _joined(status, _see_also(care, rule, listener))
    return Speech(text, card=_card(text, rule.meanwhile, rule.sheet))


def answer_wait(care: Aftercare, verdict: Verdict, listener: Listener) -> Speech:
    """ "When can I X?" — the local time it becomes fine, or that it already is."""
    rule = verdict.rule
    if rule.kind is RuleKind.CONDITION:
        status = f"Any time. {rule.allowed}"
    elif verdict.allowed:
        since = _allowed_sentence(verdict, care.now, listener)
        status = f"Now. {since}" if rule.endorses else since
    else:
        status = _waiting_sentence(verdict, care.now, listener)
    text = _joined(status, _see_also(care, rule, listener))
    return Speech(text, card=_card(text, None if verdict.allowed else rule.meanwhile, rule.sheet))


def answer_naming_the_word(rule: Rule, heard: str | None, speech: Speech) -> Speech:
    """The answer about ``rule`` for a patient who named it with her own word.

    A word for a kind of what the rule names is answered by that rule, naming
    the kind ("Mascara is makeup, so not yet. ..."); a word the sheet doesn't
    name gets its nearest rule and says so.
    """
    said = (heard or "").lower()
    for kind in rule.kinds:
        if _names(said, kind) and rule.kind_answer:
            answer = _lower_first(speech.text)
            return _retold(speech, _capitalised(rule.kind_answer.format(kind=kind, answer=answer)))
    for word in rule.similar:
        if _names(said, word):
            note = f"The sheet doesn't name a {word} exactly; this is its nearest rule."
            return _retold(speech, f"{speech.text} {note}")
    return speech


def _names(said: str, word: str) -> bool:
    return _whole_word(word).search(said) is not None


# The words are the sheet's (fixed data), so a word's pattern never changes and needs no
# expiry; the bound is well above the sheet's few hundred kinds and similar words.
@lru_cache(maxsize=1024)
def _whole_word(word: str) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(word.lower())}\b")


def _retold(speech: Speech, text: str) -> Speech:
    """The same answer in new words; the card keeps its details."""
    card = speech.card or speech.text
    details = card.removeprefix(speech.text)
    return Speech(text, card=text + details)


def answer_overview(care: Aftercare, listener: Listener) -> Speech:
    """ "What should I avoid right now?" — each restriction and when it lifts, soonest first."""
    restrictions = care.still_to_avoid()
    card = timeline_card(care, listener)
    if not restrictions:
        return Speech(_nothing_left(care, listener), card=card)
    locale = _babel_locale(listener.locale)
    parts = [
        f"{format_list(subjects, locale=locale)} until {spoken_instant(lifts, care.now, listener)}"
        for lifts, subjects in _subjects_by_instant(restrictions).items()
    ]
    text = f"Still to avoid: {'; '.join(parts)}."
    return Speech(_joined(text, *_reminders(care, listener)), card=card)


def _reminders(care: Aftercare, listener: Listener) -> list[str]:
    """What the sheet says to start doing, and from when."""
    return [
        _status_sentence(care.check(rule), care.now, listener)
        for rule in care.sheet.rules.values()
        if rule.kind is RuleKind.START
    ]


def _nothing_left(care: Aftercare, listener: Listener, lead: str | None = None) -> str:
    """Nothing to avoid any more; what to keep doing. ``lead`` opens the sentence."""
    first = f"{lead}, and {NOTHING_OFF_LIMITS}." if lead else f"{_capitalised(NOTHING_OFF_LIMITS)}."
    return _joined(first, *_reminders(care, listener))


def _subjects_by_instant(verdicts: list[Verdict]) -> dict[datetime, list[str]]:
    """What lifts or starts together, in the verdicts' order."""
    grouped: dict[datetime, list[str]] = {}
    for verdict in verdicts:
        grouped.setdefault(verdict.allowed_from, []).append(verdict.rule.subject)
    return grouped


def next_change(care: Aftercare, listener: Listener) -> str | None:
    """ "Next, makeup is fine from 2 PM tomorrow.": the very next milestone, or None."""
    upcoming = next((m for m in care.milestones() if not m.reached), None)
    if upcoming is None:
        return None
    return f"Next, {_lower_first(_milestone_sentence(care, upcoming, listener))}"


def _milestone_sentence(care: Aftercare, milestone: Milestone, listener: Listener) -> str:
    if len(milestone.rules) == 1:
        return _waiting_sentence(care.check(milestone.rules[0]), care.now, listener)
    subjects = format_list(
        [rule.subject for rule in milestone.rules], locale=_babel_locale(listener.locale)
    )
    when = _when_with_countdown(milestone.at, care.now, listener)
    if all(rule.endorses for rule in milestone.rules):
        return f"{_capitalised(subjects)} are fine from {when}."
    return f"The sheet's limits on {subjects} end at {when}."


def written_instant(instant: datetime, listener: Listener) -> str:
    """An instant for reading later, so not relative to today: "Saturday, November 28, 3 PM"."""
    local = _round_up_to_minute(instant.astimezone(listener.zone))
    locale = _babel_locale(listener.locale)
    return f"{_weekday_and_date(local.date(), locale)}, {_clock_time(local, locale)}"


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the aftercare timeline, written out to read later."""

    text: str  # "Avoid makeup until Saturday, November 28, 3 PM"
    reached: bool  # its instant has come: the limit is over, or the advice applies
    state: str  # that, in a word or two for a table: "Over", "In force", "Started", "Not yet"


def written_timeline(care: Aftercare, listener: Listener) -> tuple[TimelineEntry, ...]:
    """Every milestone in dates to read later, earliest first: the card in the
    Alexa app and the clinic's patient page both show exactly these."""
    locale = _babel_locale(listener.locale)
    entries: list[TimelineEntry] = []
    for milestone in care.milestones():
        written = written_instant(milestone.at, listener)
        avoided = [rule.subject for rule in milestone.rules if rule.kind is RuleKind.AVOID]
        if avoided:
            entries.append(
                TimelineEntry(
                    f"Avoid {format_list(avoided, locale=locale)} until {written}",
                    milestone.reached,
                    "Over" if milestone.reached else "In force",
                )
            )
        entries += [
            TimelineEntry(
                f"From {written}: {_lower_first(rule.allowed)}",
                milestone.reached,
                "Started" if milestone.reached else "Not yet",
            )
            for rule in milestone.rules
            if rule.kind is RuleKind.START
        ]
    return tuple(entries)


def written_next_session(care: Aftercare, listener: Listener) -> str:
    """ "between Thursday, December 24 and Thursday, January 7"."""
    locale = _babel_locale(listener.locale)
    window = care.next_session
    opens, closes = (
        _weekday_and_date(listener.day_of(i), locale) for i in (window.opens, window.closes)
    )
    return f"between {opens} and {closes}"


def written_any_time(sheet: PatientSheet) -> tuple[str, ...]:
    """What holds at any time after the treatment: "Any time: wash your hands …"."""
    return tuple(
        f"Any time: {_lower_first(rule.allowed)}"
        for rule in sheet.rules.values()
        if rule.kind is RuleKind.CONDITION
    )


def timeline_card(care: Aftercare, listener: Listener) -> str:
    """The whole aftercare, for the card in the Alexa app: every milestone in
    dates to read later, then what holds at any time."""
    lines = [f"Treatment: {written_instant(care.treated_at, listener)}"]
    lines += [entry.text for entry in written_timeline(care, listener)]
    lines.append(f"Next session: {written_next_session(care, listener)}")
    lines += written_any_time(care.sheet)
    return "\n".join(lines)


def answer_status(care: Aftercare, listener: Listener) -> Speech:
    """Where the patient is, for the start of a conversation: how long it has
    been and the very next change; the whole timeline goes on the card."""
    elapsed = spoken_elapsed(care.elapsed)
    if care.is_over:
        return Speech(
            f"It's been {elapsed} since your last treatment, so its aftercare is over. "
            "If you've had a new treatment, tell me when it was."
        )
    return _and_next_change(care, listener, f"It's been {elapsed} since your treatment", ".")


def answer_saved(care: Aftercare, listener: Listener) -> Speech:
    """Just saved: say so, and the very next change; the whole timeline goes on the card."""
    saved = "Got it, I've saved that"
    if care.is_over:
        text = (
            f"{saved}. It's been {spoken_elapsed(care.elapsed)} since that treatment, "
            "so its aftercare is over."
        )
        return Speech(text, card=timeline_card(care, listener))
    card_note = ", and your whole timeline is on a card in the Alexa app."
    return _and_next_change(care, listener, saved, card_note)


def _and_next_change(care: Aftercare, listener: Listener, opening: str, then: str) -> Speech:
    """``opening`` and ``then``, followed by the very next change; once nothing is
    left to change, ``opening`` and what to keep doing. The timeline is on the card."""
    upcoming = next_change(care, listener)
    if upcoming is None:
        text = _nothing_left(care, listener, lead=opening)
    else:
        text = f"{opening}{then} {upcoming}"
    return Speech(text, card=timeline_card(care, listener))


def answer_recorded_treatment(
    care: Aftercare, listener: Listener, clinic: str | None = None
) -> Speech:
    """ "When was my treatment?" — what is saved (or what her clinic recorded), and
    how long ago that is."""
    when = whole_instant(care.treated_at, care.now, listener)
    elapsed = spoken_elapsed(care.elapsed)
    said = f"Your clinic, {clinic}, recorded" if clinic else "As I have it, you had"
    text = f"{sentence(f'{said} your treatment {when}')} That's {elapsed} ago."
    return Speech(text, card=timeline_card(care, listener))


def session_spacing(sheet: PatientSheet) -> str:
    """ "4 to 6 weeks": how far apart the sheet spaces sessions."""
    plan = sheet.sessions
    return f"{plan.min_gap.days // 7} to {plan.max_gap.days // 7} weeks"


def answer_next_session(care: Aftercare, listener: Listener) -> Speech:
    window = care.next_session
    plan = care.sheet.sessions
    weeks = session_spacing(care.sheet)
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


def answer_session_count(
    sessions_recorded: int, sheet: PatientSheet, clinic: str | None = None
) -> Speech:
    """ "How many sessions have I had?" — as recorded with the skill, or by her clinic."""
    needed = sheet.fact("sessions_needed").speech
    sessions = _count(sessions_recorded, "session")
    if clinic:
        recorded = f"Your clinic, {clinic}, has recorded {sessions} for you."
    elif sessions_recorded == 0:
        recorded = "I don't have any of your sessions recorded yet."
    else:
        recorded = f"You've had {sessions} recorded with me."
    return Speech(f"{recorded} {needed}")


def answer_fact(topic: str, sheet: PatientSheet) -> Speech:
    fact = sheet.fact(topic)
    return Speech(fact.speech, card=_card(fact.speech, fact.sheet))


def answer_candidacy(
    sheet: PatientSheet, condition_id: str | None, heard: str | None, locale: str
) -> Speech:
    """ "Who shouldn't have it?", or "Can I have it if I'm pregnant?" — a verdict first."""
    candidacy = sheet.candidacy
    condition = candidacy.condition(condition_id) if condition_id else None
    if condition is not None:
        text = (
            f"Maybe not. The sheet says you may not be an ideal candidate if {condition.clause}; "
            "your clinic can advise you."
        )
    elif heard:
        text = NOT_ON_THE_LIST
    else:
        clauses = [c.clause for c in candidacy.conditions]
        text = (
            f"You may not be an ideal candidate if {_any_of(clauses, locale)}. "
            "Your clinic can advise you."
        )
    return Speech(text, card=_card(text, candidacy.sheet))


def answer_targets(
    sheet: PatientSheet, area_id: str | None, heard: str | None, locale: str
) -> Speech:
    """ "What does it treat?", or "Does it help with stretch marks?" — a verdict first."""
    targets = sheet.targets
    area = targets.area(area_id) if area_id else None
    if area is not None:
        text = area.speech or (
            f"Yes. The sheet lists {area.name} among what microneedling targets, "
            "mostly on the face."
        )
    elif heard:
        text = NOT_ON_THE_LIST
    else:
        names = format_list([a.name for a in targets.areas], locale=_babel_locale(locale))
        text = f"Microneedling is most often used on the face, for {names}."
    return Speech(text, card=_card(text, targets.sheet))


def _any_of(items: list[str], locale: str) -> str:
    return format_list(items, style="or", locale=_babel_locale(locale))


def answer_future_treatment(treated_at: datetime, now: datetime, listener: Listener) -> Speech:
    return Speech(
        f"That's {spoken_instant(treated_at, now, listener)}, which hasn't happened yet. "
        "When was your treatment?"
    )
