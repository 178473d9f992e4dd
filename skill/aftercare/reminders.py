"""Reminders when each restriction lifts: which to set, when they ring, what they say.

The reminders render the one timeline, :meth:`Aftercare.milestones`, plus the
next-session window opening: one reminder per milestone still to come. A
milestone that falls at night rings at a morning hour in the listener's zone
instead, and the answer says so. Every sentence here is what Alexa says: when a
reminder rings, and when the patient asks for, lists or cancels reminders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from babel.lists import format_list

from .engine import Aftercare, Milestone
from .phrasing import (
    Listener,
    Speech,
    _and_next_change,
    _babel_locale,
    _capitalised,
    _lower_first,
    _milestone_sentence,
    session_spacing,
    spoken_instant,
    whole_day,
    written_instant,
)
from .sheet import Rule, RuleKind

# A milestone from this hour of the evening until MORNING rings at MORNING.
NIGHT_FROM = time(21, 0)
MORNING = time(9, 0)
NEXT_SESSION = "next_session"  # the key of the reminder that the next-session window opens
# Said before every reminder's own words, so a reminder ringing days later says what it is about.
REMINDER_OPENING = "Microneedling aftercare: "

PROGRESS = "One moment while I set those up."
NO_REMINDERS = Speech("You have no reminders from me. You can say: remind me about everything.")
NOTHING_TO_CANCEL = Speech("You have no reminders from me to cancel.")
PERMISSION_CARD_SENT = Speech(
    "To set reminders, I need your permission. "
    "I've sent a card to your Alexa app where you can allow it."
)
PERMISSION_DENIED = Speech(
    "Okay, no reminders then. I'll still answer whenever you ask, "
    "and you can allow reminders later in the Alexa app."
)
PERMISSION_NOT_ANSWERED = Speech("Okay, no reminders for now.")
REMINDERS_FORBIDDEN = Speech(
    "Sorry, Alexa won't let me set reminders for you here, so nothing was set."
)
REMINDERS_BUSY = Speech(
    "Sorry, Alexa's reminders are busy right now, so nothing was set. "
    "Please ask me again in a minute."
)
REMINDERS_UNREACHABLE = Speech(
    "Sorry, I couldn't reach Alexa's reminders just now, so nothing was set. "
    "Please try again later."
)
CANCEL_UNREACHABLE = Speech(
    "Sorry, I couldn't reach Alexa's reminders just now, so your reminders are still set. "
    "Please try again later."
)
LIST_UNREACHABLE = Speech(
    "Sorry, I couldn't reach Alexa's reminders just now. Please try again later."
)


@dataclass(frozen=True)
class PlannedReminder:
    """One reminder of a milestone still to come."""

    key: str  # which milestone: its rule ids joined by "+", or NEXT_SESSION
    due: datetime  # UTC: when the milestone is reached
    rings_at: datetime  # in the listener's zone: ``due``, or MORNING when ``due`` is at night
    text: str  # what Alexa says when it rings
    about: str  # "makeup is fine", to follow "when" in an answer

    @property
    def moved_to_morning(self) -> bool:
        return self.rings_at != self.due


def milestone_key(milestone: Milestone) -> str:
    """The reminder key of a milestone: the ids of the rules that lift or start then."""
    return "+".join(rule.id for rule in milestone.rules)


def reminders_to_come(
    care: Aftercare, listener: Listener, rule: Rule | None = None
) -> tuple[PlannedReminder, ...]:
    """One reminder per milestone still to come, then the next-session window's,
    earliest first; with ``rule``, only the reminder of the milestone it belongs to."""
    planned = [
        _milestone_reminder(care, milestone, listener)
        for milestone in care.milestones()
        if not milestone.reached and (rule is None or rule in milestone.rules)
    ]
    opens = care.next_session.opens
    if rule is None and opens > care.now:
        planned.append(_next_session_reminder(care, opens, listener))
    return tuple(planned)


def rings_at(due: datetime, listener: Listener) -> datetime:
    """When a reminder of ``due`` rings: then, or at MORNING when ``due`` is at night."""
    local = due.astimezone(listener.zone)
    if MORNING <= local.time() < NIGHT_FROM:
        return local
    morning_of = local.date() if local.time() < MORNING else local.date() + timedelta(days=1)
    return datetime.combine(morning_of, MORNING, tzinfo=listener.zone)


def _milestone_reminder(care: Aftercare, milestone: Milestone, listener: Listener):
    rules = milestone.rules
    subjects = _subjects(rules, listener)
    if all(rule.kind is RuleKind.START for rule in rules):
        text = " ".join(rule.allowed_from.format(when="now on") for rule in rules)
        about = f"the sheet's advice on {subjects} starts"
    elif all(rule.endorses for rule in rules):
        if len(rules) == 1:
            text = rules[0].allowed_from.format(when="now on")
            about = _lower_first(rules[0].allowed_from.split(" from {when}")[0])
        else:
            text = f"{_capitalised(subjects)} are fine from now on."
            about = f"{subjects} are fine"
    else:
        see_also = {rule.see_also for rule in rules if rule.see_also}
        also = [care.sheet.rules[rule_id].allowed for rule_id in sorted(see_also)]
        text = " ".join([f"The sheet's limits on {subjects} end now.", *also])
        about = f"the sheet's limits on {subjects} end"
    return PlannedReminder(
        key=milestone_key(milestone),
        due=milestone.at,
        rings_at=rings_at(milestone.at, listener),
        text=REMINDER_OPENING + _lower_first(text),
        about=about,
    )


def _next_session_reminder(care: Aftercare, opens: datetime, listener: Listener):
    text = (
        "the window for your next session opens today; "
        f"the sheet spaces sessions {session_spacing(care.sheet)} apart."
    )
    return PlannedReminder(
        key=NEXT_SESSION,
        due=opens,
        rings_at=rings_at(opens, listener),
        text=REMINDER_OPENING + text,
        about="the window for your next session opens",
    )


def _subjects(rules: Sequence[Rule], listener: Listener) -> str:
    return format_list([rule.subject for rule in rules], locale=_babel_locale(listener.locale))


def _milestone_of(care: Aftercare, reminder: PlannedReminder) -> Milestone | None:
    return next((m for m in care.milestones() if milestone_key(m) == reminder.key), None)


def answer_reminder_set(care: Aftercare, reminder: PlannedReminder, listener: Listener) -> Speech:
    """ "Remind me when I can wear makeup": when it rings, and why then if at night."""
    rings = spoken_instant(reminder.rings_at, care.now, listener)
    if not reminder.moved_to_morning:
        return Speech(f"Okay. I'll remind you at {rings}, when {reminder.about}.")
    milestone = _milestone_of(care, reminder)
    when = (
        _milestone_sentence(care, milestone, listener).removesuffix(".")
        if milestone is not None
        else f"{_capitalised(reminder.about)} at {spoken_instant(reminder.due, care.now, listener)}"
    )
    return Speech(f"Okay. {when}, so I'll remind you in the morning, at {rings}.")


def answer_reminder_exists(
    care: Aftercare, reminder: PlannedReminder, listener: Listener
) -> Speech:
    rings = spoken_instant(reminder.rings_at, care.now, listener)
    return Speech(f"You already have that reminder, at {rings}, when {reminder.about}.")


def answer_nothing_to_remind(care: Aftercare, rule: Rule, listener: Listener) -> Speech:
    """A reminder asked of a rule whose milestone has passed, or that has no wait at all."""
    if rule.kind is RuleKind.CONDITION:
        return Speech(f"There's no wait to remind you of. {rule.allowed}")
    if rule.kind is RuleKind.START:
        return Speech(f"That has already started. {rule.allowed}")
    verdict = care.check(rule)
    since = rule.allowed.format(when=spoken_instant(verdict.allowed_from, care.now, listener))
    return Speech(f"{since.removesuffix('.')}, so there's nothing to remind you of.")


def answer_all_set(
    care: Aftercare,
    created: Sequence[PlannedReminder],
    already: Sequence[PlannedReminder],
    listener: Listener,
) -> Speech:
    """ "Remind me about everything": how many were set, and the hour of those at night."""
    everything = sorted([*created, *already], key=lambda reminder: reminder.rings_at)
    if not everything:
        return Speech("There's nothing left to remind you of for this treatment.")
    card = reminders_card(everything, listener)
    if not created:
        return Speech(
            f"You already have all {len(already)} of those reminders; they're on your card.",
            card=card,
        )
    first = spoken_instant(created[0].rings_at, care.now, listener)
    if already:
        text = (
            f"Okay. I've set {len(created)} more, and you already had {len(already)}; "
            "they're all on your card."
        )
    elif len(created) == 1:
        text = f"Okay. I've set 1 reminder, for {first}; it's on your card."
    else:
        last_day = whole_day(
            listener.day_of(created[-1].rings_at), listener.day_of(care.now), listener.locale
        )
        text = (
            f"Okay. I've set {len(created)} reminders, from {first} until {last_day}; "
            "they're all on your card."
        )
    night = [reminder for reminder in created if reminder.moved_to_morning]
    if len(night) == 1:
        text += f" One falls at night, so it rings at {_clock(night[0], listener)} instead."
    elif night:
        ring = _clock(night[0], listener)
        text += f" {len(night)} fall at night, so they ring at {ring} instead."
    return Speech(text, card=card)


def answer_some_set(created: Sequence[PlannedReminder], listener: Listener) -> Speech:
    """Some were set before Alexa's reminders failed: only those are kept."""
    return Speech(
        f"I set {len(created)} of them, but couldn't reach Alexa's reminders for the rest. "
        "Please ask me again later.",
        card=reminders_card(created, listener),
    )


def answer_reminders_list(
    reminders: Sequence[PlannedReminder], now: datetime, listener: Listener
) -> Speech:
    """ "What reminders do I have?": how many, and the next one; all of them on the card."""
    if not reminders:
        return NO_REMINDERS
    ordered = sorted(reminders, key=lambda r: r.rings_at)
    upcoming = ordered[0]
    text = (
        f"You have {_reminders(len(ordered))} from me. The next is at "
        f"{spoken_instant(upcoming.rings_at, now, listener)}, when {upcoming.about}."
    )
    if len(ordered) == 1:
        text = (
            f"You have 1 reminder from me, at {spoken_instant(upcoming.rings_at, now, listener)}, "
            f"when {upcoming.about}."
        )
    return Speech(text, card=reminders_card(ordered, listener))


def answer_reminders_cancelled(count: int) -> Speech:
    if count == 0:
        return NOTHING_TO_CANCEL
    return Speech(f"Okay. I've cancelled your {_reminders(count)}.")


def answer_some_cancelled(count: int) -> Speech:
    """Some were cancelled before Alexa's reminders failed: the rest are still set."""
    return Speech(
        f"I cancelled {_reminders(count)}, but couldn't reach Alexa's reminders for the rest, "
        "so they're still set. Please try again later."
    )


def answer_saved_with_reminders_moved(care: Aftercare, listener: Listener) -> Speech:
    """Just saved a new treatment, and her reminders now follow it."""
    return _and_next_change(
        care,
        listener,
        "Got it, I've saved that and moved your reminders to it",
        ", and your whole timeline is on a card in the Alexa app.",
    )


def reminders_card(reminders: Sequence[PlannedReminder], listener: Listener) -> str:
    """Each reminder on its own line: "Saturday, November 28, 3 PM: makeup is fine"."""
    lines = ["Your reminders:"]
    for reminder in reminders:
        line = f"{written_instant(reminder.rings_at, listener)}: {reminder.about}"
        if reminder.moved_to_morning:
            line += f" (at {_clock_of(reminder.due, listener)}, in the night)"
        lines.append(line)
    return "\n".join(lines)


def _clock(reminder: PlannedReminder, listener: Listener) -> str:
    return _clock_of(reminder.rings_at, listener)


def _clock_of(instant: datetime, listener: Listener) -> str:
    return written_instant(instant, listener).rsplit(", ", 1)[1]


def _reminders(count: int) -> str:
    return "1 reminder" if count == 1 else f"{count} reminders"


__all__ = [
    "CANCEL_UNREACHABLE",
    "LIST_UNREACHABLE",
    "MORNING",
    "NEXT_SESSION",
    "NO_REMINDERS",
    "PERMISSION_CARD_SENT",
    "PERMISSION_DENIED",
    "PERMISSION_NOT_ANSWERED",
    "PROGRESS",
    "REMINDERS_BUSY",
    "REMINDERS_FORBIDDEN",
    "REMINDERS_UNREACHABLE",
    "PlannedReminder",
    "answer_all_set",
    "answer_nothing_to_remind",
    "answer_reminder_exists",
    "answer_reminder_set",
    "answer_reminders_cancelled",
    "answer_reminders_list",
    "answer_saved_with_reminders_moved",
    "answer_some_cancelled",
    "answer_some_set",
    "milestone_key",
    "reminders_card",
    "reminders_to_come",
    "rings_at",
]
