"""The conversation's own sentences: welcome, help, prompts, confirmations, apologies.

Handlers pick from here; each sentence lives in one place. A prompt with an
example in it takes the listener's locale, so the example is said as she says
it ("yesterday at 2 pm" in the UK, "25th November"); spelling follows the
locale when the answer is spoken (``phrasing.in_locale``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from .engine import sessions_too_close
from .phrasing import (
    Listener,
    Speech,
    example_clock,
    example_day,
    sentence,
    session_spacing,
    spoken_elapsed,
    whole_day,
    whole_instant,
)
from .sheet import PatientSheet

CARD_TITLE = "Skin Aftercare"

WHAT_ELSE = "What else would you like to know?"
WHAT_WOULD_YOU_LIKE = "What would you like to know?"
EXAMPLES = "You can ask, for example: can I wear makeup yet, or when can I go to the gym."
# Spoken at the first launch and in help: where the answers come from.
SOURCE = (
    "I answer questions from your clinic's microneedling aftercare sheet, "
    "and my answers aren't a doctor's advice."
)

WELCOME = Speech(
    "Welcome to Skin Aftercare. My answers come from your clinic's aftercare sheet "
    "and aren't a doctor's advice."
)
HELP = Speech(
    f"{SOURCE} You can ask, for example: can I wear makeup yet, what should I avoid "
    "right now, or when is my next session."
)
GOODBYE = Speech("Take care of your skin. Goodbye.")
NOTHING_ELSE = Speech("Okay. Take care of your skin. Goodbye.")
SOMETHING_ELSE = Speech(f"Sure. {EXAMPLES}")
NOT_UNDERSTOOD = Speech(
    "Sorry, I can't help with that. I answer questions from your aftercare sheet; "
    "for anything else, please ask your clinic."
)
APOLOGY = Speech("Sorry, something went wrong on my side.")
TRY_AGAIN = "Please try again, or ask your clinic."

ASK_TREATMENT = "When was your treatment?"
TREATMENT_UNKNOWN = Speech("I don't know when your treatment was yet.")
ASK_AGAIN = f"Okay, let's try again. {ASK_TREATMENT}"
NO_ACCOUNT = Speech("Sorry, I can't save that without an Alexa account.")
ALREADY_SAVED = "I already have that treatment saved."
# The reprompt after a confirmation adds what she can answer.
SAY_YES_OR_NO = "Please say yes or no."

ASK_ACTIVITY = (
    "Which activity would you like to ask about? For example, makeup, swimming, or the gym."
)
ACTIVITY_NOT_HEARD = Speech("Sorry, I didn't catch the activity.")

# The hour of each example: 2 PM in general, and one in each part of the day, to
# ask "about what time in the morning?".
_EXAMPLE_HOUR = 14
_PART_OF_DAY_EXAMPLE_HOURS = {"morning": 9, "afternoon": 14, "evening": 18, "night": 21}
# A day to name in an example; only its day and month are said.
_EXAMPLE_DAY = date(2026, 11, 25)


def _for_example(example: str) -> str:
    return sentence(f"For example, {example}")


def _yesterday_example(locale: str) -> str:
    return f"yesterday at {example_clock(_EXAMPLE_HOUR, locale)}"


def ask_treatment_again(locale: str) -> str:
    """ "When was your treatment? For example, yesterday at 2 PM." """
    return f"{ASK_TREATMENT} {_for_example(_yesterday_example(locale))}"


def help_before_treatment(locale: str) -> Speech:
    """Help while the treatment is unknown: where the answers come from, and what to say first."""
    return Speech(
        f"{SOURCE} To time them, I need to know when your treatment was, for example: "
        f"{sentence(_yesterday_example(locale))}"
    )


def ask_day(locale: str) -> str:
    """ "Which day was it? For example, last Monday, or November 25th." """
    return (
        f"Which day was it? {_for_example(f'last Monday, or {example_day(_EXAMPLE_DAY, locale)}')}"
    )


def ask_time(locale: str) -> str:
    """ "About what time was it? For example, 2 PM." """
    return f"About what time was it? {_for_example(example_clock(_EXAMPLE_HOUR, locale))}"


def ask_time_in(part_of_day: str, locale: str) -> str:
    """ "About what time in the morning? For example, 9 AM." """
    hour = _PART_OF_DAY_EXAMPLE_HOURS.get(part_of_day, _EXAMPLE_HOUR)
    return f"About what time in the {part_of_day}? {_for_example(example_clock(hour, locale))}"


def confirm_treatment(
    treated_at: datetime,
    now: datetime,
    listener: Listener,
    sheet: PatientSheet,
    *,
    heard_day: date | None = None,
    previous: datetime | None = None,
    just_now: bool = False,
) -> Speech:
    """The question before a treatment is saved, with its whole date.

    ``heard_day`` is the day Alexa sent when the skill took it to mean another
    (a weekday resolved ahead): she hears both, so a day can never change
    without her knowing. ``previous`` is her latest saved treatment: a new one
    closer to it than the sheet's spacing is pointed out before it is saved.
    """
    when = whole_instant(treated_at, now, listener)
    if just_now:
        when = f"just now, {when}"
    said = []
    if heard_day is not None:
        heard = whole_day(heard_day, listener.day_of(now), listener.locale)
        said.append(f"That's {heard}, which hasn't happened yet.")
    if previous is not None and sessions_too_close(sheet, *sorted((previous, treated_at))):
        gap = abs(treated_at - previous)
        direction = "after" if treated_at > previous else "before"
        said.append(
            f"That's only {_spoken_gap(gap)} {direction} your treatment "
            f"{whole_instant(previous, now, listener)}, and the sheet spaces sessions "
            f"{session_spacing(sheet)} apart."
        )
        said.append(f"Did you have another treatment {when}?")
    elif heard_day is not None:
        said.append(f"Did you mean {when}?")
    else:
        said.append(f"{sentence(f'You had your treatment {when}')} Is that right?")
    return Speech(" ".join(said))


def _spoken_gap(gap: timedelta) -> str:
    """ "3 hours", "13 days": how close two treatments are, to the nearest day."""
    if gap < timedelta(days=1):
        return spoken_elapsed(gap)
    days = round(gap / timedelta(days=1))
    return f"{days} day{'' if days == 1 else 's'}"


# Account linking. The clinic's name is spoken where it helps; the patient's own
# name or anything that identifies her never is.
LINK_CARD_SENT = Speech(
    "I've sent a card to your Alexa app to link your clinic account. "
    "You'll need the linking code your clinic gave you."
)
LINK_ENDED = Speech(
    "Your link to your clinic's records has ended, so I can't answer from them. "
    "To link again, use the card I've sent to your Alexa app, with a new code from your clinic."
)


def already_linked(clinic: str) -> Speech:
    return Speech(
        f"You're already linked to your clinic, {clinic}, so I answer from the treatments "
        "it records."
    )


def clinic_keeps_the_record(clinic: str) -> Speech:
    """She tried to tell the skill her treatment, but her clinic's record is authoritative."""
    return Speech(
        f"Your clinic, {clinic}, keeps your treatment record, so I can't change it by voice. "
        "If it's wrong, please ask them to correct it."
    )


def clinic_has_no_treatment(clinic: str) -> Speech:
    return Speech(
        f"Your clinic, {clinic}, hasn't recorded a treatment for you yet, so I can't time "
        "your aftercare. Please ask them."
    )


def now_linked(clinic: str, elapsed: str | None, told_before: bool) -> Speech:
    """The first launch after linking, once: where answers come from now, and
    that what she told the skill herself is kept but no longer used."""
    source = f"You're now linked to your clinic, {clinic}, so I answer from its record"
    source += ", not from what you told me before, which I keep." if told_before else "."
    if elapsed is None:
        return Speech(f"{source} It hasn't recorded a treatment for you yet, so please ask them.")
    return Speech(f"{source} It's been {elapsed} since your treatment.")
