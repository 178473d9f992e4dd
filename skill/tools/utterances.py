"""What Alexa would hear: a typed utterance turned into the request Alexa would send.

A small stand-in for Alexa's language understanding over our own interaction
model, so testers can try the skill without an Amazon account (``aftercare
say``). It matches the whole utterance against the model's samples (heedless, as
Alexa is, of contractions, "ok" or "okay", and filler words such as "um", "please"
and "just"; nothing matched is AMAZON.FallbackIntent, as on a device), resolves
custom slot values against their synonyms and the common spoken forms of
AMAZON.DATE and AMAZON.TIME, and follows the skill's Dialog.ElicitSlot and
Dialog.ConfirmIntent directives the way Alexa's dialog management does.

It is not Alexa: Alexa generalises beyond the samples, this does not. A phrase
it understands is one the model covers; one it does not may still work on a
device.

Pure: no Flask, no click, no clock (the request time comes in as ``now``).
"""

from __future__ import annotations

import difflib
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

MODEL_FOLDER = Path(__file__).parents[2] / "interaction_model"
DEFAULT_LOCALE = "en-US"
MODEL_PATH = MODEL_FOLDER / f"{DEFAULT_LOCALE}.json"
DEFAULT_SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
FAKE_API_ACCESS_TOKEN = "aftercare-say.fake-api-access-token"

# Built-in intents come with Amazon's own samples, which the model does not list.
BUILT_IN_PHRASES = {
    "AMAZON.HelpIntent": ("help", "what can I say", "what can you do"),
    "AMAZON.StopIntent": ("stop", "quit", "exit", "goodbye"),
    "AMAZON.CancelIntent": ("cancel", "never mind"),
    "AMAZON.NavigateHomeIntent": ("go home",),
    "AMAZON.YesIntent": ("yes", "yeah", "yep", "sure"),
    "AMAZON.NoIntent": ("no", "nope"),
}
# During a Dialog.ConfirmIntent question, Alexa itself takes these answers
# (they become the intent's confirmationStatus, not a YesIntent or NoIntent).
CONFIRMATION_ANSWERS = {
    "yes": "CONFIRMED",
    "yeah": "CONFIRMED",
    "correct": "CONFIRMED",
    "that's right": "CONFIRMED",
    "no": "DENIED",
    "nope": "DENIED",
    "that's wrong": "DENIED",
}
DIALOG_DIRECTIVES = ("Dialog.ElicitSlot", "Dialog.ConfirmIntent")
FALLBACK_INTENT = "AMAZON.FallbackIntent"
CLOSEST_SAMPLES = 3
CLOSENESS_CUTOFF = 0.3

# What Alexa's language understanding does not care about: filler words, which of two
# spellings, contractions (spelt out in samples and utterances alike).
FILLER_WORDS = frozenset({"please", "um", "umm", "uh", "uhm", "er", "erm", "hmm", "just"})
SPELLINGS = {"okay": "ok", "cannot": "can not"}
IRREGULAR_CONTRACTIONS = {"can't": "can not", "won't": "will not", "let's": "let us"}
CONTRACTED_ENDINGS = (
    ("n't", " not"),
    ("'re", " are"),
    ("'ve", " have"),
    ("'ll", " will"),
    ("'m", " am"),
    ("'d", " would"),
)
# "'s" is "is" only after these; elsewhere it is a possessive ("the clinic's").
CONTRACTED_IS = frozenset({"it", "that", "what", "when", "where", "who", "how", "there", "here"})


@dataclass(frozen=True)
class Heard:
    """An intent as Alexa would send it; ``slots`` is the slot JSON, every declared slot."""

    intent: str
    slots: dict[str, dict]
    confirmation: str = "NONE"
    dialog_state: str | None = None  # only for intents with a dialog model


@dataclass(frozen=True)
class Launch:
    """The skill opened with nothing more said: a LaunchRequest."""


@dataclass(frozen=True)
class NotUnderstood:
    """Nothing in the model matches: Alexa sends AMAZON.FallbackIntent instead."""

    utterance: str
    closest: list[str]  # the model's samples nearest to what was said, best first

    @property
    def sent(self) -> Heard:
        return Heard(FALLBACK_INTENT, {})


@dataclass(frozen=True)
class Session:
    session_id: str
    new: bool = True
    attributes: dict = field(default_factory=dict)


def normalise(text: str) -> str:
    """Lower case, punctuation gone (apostrophes inside words and clock colons
    kept, "p.m." → "pm"), contractions spelt out, "okay" as "ok", spaces collapsed."""
    # "8.30" is how the UK writes 8:30; other full stops go ("p.m." is "pm").
    text = re.sub(r"(?<=\d)\.(?=\d\d\b)", ":", text.lower().replace("\u2019", "'"))
    text = text.replace(".", "")
    text = re.sub(r"(?<!\d):|:(?!\d)", " ", text)
    text = re.sub(r"[^a-z0-9': ]+", " ", text)
    text = re.sub(r"(?<![a-z])'|'(?![a-z])", " ", text)
    return " ".join(_spelt_out(word) for word in text.split())


def without_fillers(said: str) -> str:
    """Normalised words without the filler words ("um", "please", "just")."""
    return " ".join(word for word in said.split() if word not in FILLER_WORDS)


def _spelt_out(word: str) -> str:
    if word in IRREGULAR_CONTRACTIONS:
        return IRREGULAR_CONTRACTIONS[word]
    for ending, spelt in CONTRACTED_ENDINGS:
        if word.endswith(ending):
            return word.removesuffix(ending) + spelt
    if word.endswith("'s") and word.removesuffix("'s") in CONTRACTED_IS:
        return word.removesuffix("'s") + " is"
    return SPELLINGS.get(word, word)


# --- AMAZON.DATE and AMAZON.TIME: the spoken forms, resolved as Alexa does ---

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)


def _number_words() -> tuple[dict[str, int], dict[str, int]]:
    """Cardinals up to fifty-nine (for minutes) and ordinals up to thirty-first (for days)."""
    units = "one two three four five six seven eight nine".split()
    teens = (
        "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
    )
    unit_ordinals = "first second third fourth fifth sixth seventh eighth ninth".split()
    teen_ordinals = (
        "tenth eleventh twelfth thirteenth fourteenth fifteenth sixteenth seventeenth "
        "eighteenth nineteenth"
    ).split()
    cardinals = {word: n for n, word in enumerate(units, 1)} | {
        word: n for n, word in enumerate(teens, 10)
    }
    ordinals = {word: n for n, word in enumerate(unit_ordinals, 1)}
    ordinals |= {word: n for n, word in enumerate(teen_ordinals, 10)}
    ordinals |= {"twentieth": 20, "thirtieth": 30}
    for tens, word in ((20, "twenty"), (30, "thirty"), (40, "forty"), (50, "fifty")):
        cardinals[word] = tens
        cardinals |= {f"{word} {unit}": tens + n for n, unit in enumerate(units, 1)}
        ordinals |= {f"{word} {unit}": tens + n for n, unit in enumerate(unit_ordinals, 1)}
    return cardinals, ordinals


CARDINALS, ORDINALS = _number_words()

RELATIVE_DAYS = {
    "today": 0,
    "tonight": 0,
    "this morning": 0,
    "this afternoon": 0,
    "this arvo": 0,  # Australian for this afternoon
    "this evening": 0,
    "yesterday": -1,
    "last night": -1,
    "the day before yesterday": -2,
    "day before yesterday": -2,  # Indian English drops "the"
    "tomorrow": 1,
    "the day after tomorrow": 2,
    "day after tomorrow": 2,
}
# "yesterday morning", "today evening" (Indian English), "yesterday arvo": the day, when
# the part of the day is said with it.
RELATIVE_DAYS |= {
    f"{day} {part}": RELATIVE_DAYS[day]
    for day in ("yesterday", "today", "tomorrow")
    for part in ("morning", "afternoon", "arvo", "evening", "night")
}
# "a week ago", "in a fortnight", "3 days ago": a number of days back or ahead.
SPAN_DAYS = {"day": 1, "week": 7, "fortnight": 14}
_DAYS_AWAY = re.compile(r"(?:(in) )?(a|an|\w+(?: \w+)?) (days?|weeks?|fortnights?)(?: (ago|back))?")
# The UK's "a week on Monday", "a week today", "a fortnight tomorrow": that day, a week
# (or two) further on.
_A_WEEK_ON = re.compile(r"a (week|fortnight) (?:on )?(.+)")
RELATIVE_WEEKS = {"last week": -1, "this week": 0, "next week": 1}
RELATIVE_WEEKENDS = {"last weekend": -1, "this weekend": 0, "next weekend": 1}
RELATIVE_MONTHS = {"last month": -1, "this month": 0, "next month": 1}
NAMED_TIMES = {
    "noon": "12:00",
    "midday": "12:00",
    "midnight": "00:00",
    "morning": "MO",
    "this morning": "MO",
    "afternoon": "AF",
    "this afternoon": "AF",
    "arvo": "AF",
    "this arvo": "AF",
    "evening": "EV",
    "this evening": "EV",
    "night": "NI",
    "tonight": "NI",
    "last night": "NI",
}
# "last Monday" and the ways of saying it: "Monday just gone" (UK), "this past Monday" (North
# America); "this Monday" and a bare "Monday" are the next one to come, as Alexa takes them.
_WEEKDAY = re.compile(rf"(last |this past |this )?({'|'.join(WEEKDAYS)})( just gone| gone| last)?")
_MONTH = re.compile(rf"(?:in )?({'|'.join(MONTHS)})")
_DAY_DIGITS = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?")
# A weekday before a date says nothing more: "Saturday the 21st of November".
_WEEKDAY_BEFORE_A_DATE = re.compile(rf"(?:{'|'.join(WEEKDAYS)}) (?:the )?(.+)")
_MERIDIEM = re.compile(r"(.+?) ?(am|pm)")
# The half of the day said in words, after the time or (in India) before it.
_HALF_OF_DAY_AFTER = re.compile(
    r"(.+?) (?:o'clock |oclock )?(in the morning|in the afternoon|in the evening|at night|tonight)"
)
_HALF_OF_DAY_BEFORE = re.compile(r"(morning|afternoon|evening|night) (.+)")
_PM_PARTS = ("afternoon", "evening", "night", "tonight")
_DIGIT_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")
# "half past two", "quarter to four", "twenty past eight", "five to nine".
_RELATIVE_CLOCK = re.compile(r"(.+) (past|to) (.+)")
# "half eight": in the UK, half past eight.
_BRITISH_HALF = re.compile(r"half (.+)")


def spoken_date(text: str, today: date) -> str | None:
    """The AMAZON.DATE value Alexa sends for normalised ``text`` said on ``today``
    (the listener's calendar), or None when it is not a date Alexa would resolve."""
    text = text.removeprefix("on ")
    if text in ("now", "right now"):
        return "PRESENT_REF"
    readers = (_relative_day, _days_away, _a_week_on, _relative_week, _weekday, _day_of_month)
    for read in (*readers, _month):
        value = read(text, today)
        if value is not None:
            return value
    return None


def _relative_day(text: str, today: date) -> str | None:
    offset = RELATIVE_DAYS.get(text)
    return None if offset is None else (today + timedelta(days=offset)).isoformat()


def _days_away(text: str, today: date) -> str | None:
    """ "a week ago", "3 days ago", "in a fortnight", "two weeks back"."""
    match = _DAYS_AWAY.fullmatch(text)
    if match is None or bool(match[1]) == bool(match[4]):  # "in" or "ago", one of them
        return None
    count = 1 if match[2] in ("a", "an") else _number(match[2])
    if count is None:
        return None
    days = count * SPAN_DAYS[match[3].removesuffix("s")]
    return (today + timedelta(days=days if match[1] else -days)).isoformat()


def _a_week_on(text: str, today: date) -> str | None:
    match = _A_WEEK_ON.fullmatch(text)
    if match is None:
        return None
    day = _relative_day(match[2], today) or _weekday(match[2], today)
    if day is None:
        return None
    return (date.fromisoformat(day) + timedelta(days=SPAN_DAYS[match[1]])).isoformat()


def _iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _relative_week(text: str, today: date) -> str | None:
    if text in RELATIVE_WEEKS:
        return _iso_week(today + timedelta(weeks=RELATIVE_WEEKS[text]))
    if text in RELATIVE_WEEKENDS:
        return _iso_week(today + timedelta(weeks=RELATIVE_WEEKENDS[text])) + "-WE"
    return None


def _weekday(text: str, today: date) -> str | None:
    """Alexa takes a bare weekday for the next one to come, today excluded;
    "last Monday" is the one before, today excluded too."""
    match = _WEEKDAY.fullmatch(text)
    if match is None:
        return None
    named = WEEKDAYS.index(match[2])
    if match[1] in ("last ", "this past ") or match[3]:
        offset = -((today.weekday() - named) % 7 or 7)
    else:
        offset = (named - today.weekday()) % 7 or 7
    return (today + timedelta(days=offset)).isoformat()


def _day_number(text: str) -> int | None:
    digits = _DAY_DIGITS.fullmatch(text)
    return int(digits[1]) if digits else ORDINALS.get(text) or CARDINALS.get(text)


def _day_of_month(text: str, today: date) -> str | None:
    """ "november 25th", "november twenty fifth", "the 25th of november", "25 november",
    "november the 25th", "saturday the 21st of november": a day in the current year."""
    weekday = _WEEKDAY_BEFORE_A_DATE.fullmatch(text)
    if weekday:
        text = weekday[1]
    words = text.removeprefix("the ").replace(" the ", " ").split()
    if len(words) < 2:
        return None
    if words[0] in MONTHS:
        month, day_words = words[0], words[1:]
    elif words[-1] in MONTHS:
        month, day_words = words[-1], words[:-2] if words[-2] == "of" else words[:-1]
    else:
        return None
    day = _day_number(" ".join(day_words).removeprefix("the "))
    if day is None:
        return None
    try:
        return date(today.year, MONTHS.index(month) + 1, day).isoformat()
    except ValueError:  # "february thirtieth"
        return None


def _month(text: str, today: date) -> str | None:
    if text in RELATIVE_MONTHS:
        months = today.year * 12 + today.month - 1 + RELATIVE_MONTHS[text]
        return f"{months // 12}-{months % 12 + 1:02d}"
    match = _MONTH.fullmatch(text)
    return None if match is None else f"{today.year}-{MONTHS.index(match[1]) + 1:02d}"


def spoken_time(text: str) -> str | None:
    """The AMAZON.TIME value Alexa sends for normalised ``text``: "HH:MM" or a
    part of the day (MO, AF, EV, NI); None when it is not a time.

    Without AM or PM, Alexa gives the hour as said: "nine" is 09:00; "in the
    evening" or (in India) "evening" before the time says PM.
    """
    if text in NAMED_TIMES:
        return NAMED_TIMES[text]
    meridiem = _MERIDIEM.fullmatch(text)
    body, half_of_day = (meridiem[1], meridiem[2]) if meridiem else _half_of_day_in_words(text)
    clock = _clock(re.sub(r" (?:o'clock|oclock)$", "", body))
    if clock is None:
        return None
    hour, minute = clock
    if half_of_day is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half_of_day == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"


def _half_of_day_in_words(text: str) -> tuple[str, str | None]:
    """The clock words and "am" or "pm" of "half seven in the evening", "evening 6
    o'clock" or "eleven at night" ("one at night" is 1 AM); the text and None otherwise."""
    after = _HALF_OF_DAY_AFTER.fullmatch(text)
    before = _HALF_OF_DAY_BEFORE.fullmatch(text)
    if after:
        clock_words, part = after[1], after[2].split()[-1]
    elif before:
        clock_words, part = before[2], before[1]
    else:
        return text, None
    hour = _clock(re.sub(r" (?:o'clock|oclock)$", "", clock_words))
    small_hours = part in ("night", "tonight") and hour is not None and hour[0] in (12, 1, 2, 3, 4)
    return clock_words, "pm" if part in _PM_PARTS and not small_hours else "am"


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() else CARDINALS.get(text)


def _clock(text: str) -> tuple[int, int] | None:
    """(hour, minute) as said: "3", "3:30", "three thirty", "three oh five", "half past two"."""
    digits = _DIGIT_CLOCK.fullmatch(text)
    if digits:
        return int(digits[1]), int(digits[2])
    relative = _RELATIVE_CLOCK.fullmatch(text)
    if relative:
        hour = _number(relative[3])
        minutes = {"half": 30, "quarter": 15, "a quarter": 15}.get(relative[1]) or _number(
            relative[1].removesuffix(" minutes")
        )
        if hour is None or minutes is None or not 0 < minutes <= 30:
            return None
        return (hour, minutes) if relative[2] == "past" else ((hour - 1) or 12, 60 - minutes)
    british_half = _BRITISH_HALF.fullmatch(text)
    if british_half:
        hour = _number(british_half[1])
        return None if hour is None else (hour, 30)
    hour_words, _, minute_words = text.partition(" ")
    hour = _number(hour_words)
    minute = _number(re.sub(r"^(?:oh|o) ", "", minute_words)) if minute_words else 0
    return None if hour is None or minute is None else (hour, minute)


# --- The interaction model ---


def _slot(name: str, value: str | None = None) -> dict:
    """A slot as Alexa sends it; an unfilled one has no value."""
    if value is None:
        return {"name": name, "confirmationStatus": "NONE"}
    return {"name": name, "value": value, "confirmationStatus": "NONE", "source": "USER"}


def _is_resolved(slot: dict) -> bool:
    authorities = slot.get("resolutions", {}).get("resolutionsPerAuthority", [])
    return "value" in slot and all(a["status"]["code"] == "ER_SUCCESS_MATCH" for a in authorities)


def _all_resolved(heard: Heard) -> bool:
    return all(_is_resolved(slot) for slot in heard.slots.values() if "value" in slot)


@dataclass(frozen=True)
class _Sample:
    """One sample utterance, compiled: literal words, and a non-greedy group per slot."""

    intent: str
    text: str  # as the model writes it, to show as a close sample
    pattern: re.Pattern[str]
    slot_runs: tuple[tuple[str, ...], ...]  # the slots in order, adjacent ones together
    literal_words: int

    @classmethod
    def compile(cls, intent: str, text: str) -> _Sample:
        parts: list[str] = []
        runs: list[tuple[str, ...]] = []
        literal_words = 0
        after_slot = False
        for token in text.split():
            slot = re.fullmatch(r"\{(\w+)\}", token)
            if slot:
                parts.append(rf"(?P<{slot[1]}>\S+(?: \S+)*?)")
                if after_slot:
                    runs[-1] += (slot[1],)
                else:
                    runs.append((slot[1],))
            elif words := normalise(token):
                parts.append(re.escape(words))
                literal_words += len(words.split())
            after_slot = bool(slot)
        return cls(intent, text, re.compile(" ".join(parts)), tuple(runs), literal_words)

    def readings(self, said: str) -> Iterator[dict[str, str]]:
        """Every way the slots can take the utterance's words; none when it does not match.

        Slots with no literal word between them share their words: each split is tried.
        """
        match = self.pattern.fullmatch(said)
        if match is None:
            return
        splits = [
            list(_splits(run, " ".join(match[name] for name in run))) for run in self.slot_runs
        ]
        for parts in itertools.product(*splits):
            yield {name: text for part in parts for name, text in part.items()}


def _splits(names: tuple[str, ...], text: str) -> Iterator[dict[str, str]]:
    words = text.split()
    for cuts in itertools.combinations(range(1, len(words)), len(names) - 1):
        bounds = (0, *cuts, len(words))
        yield {
            name: " ".join(words[start:end]) for name, start, end in zip(names, bounds, bounds[1:])
        }


@dataclass(frozen=True)
class _Match:
    intent: str
    slots: dict[str, dict]  # the slots the sample filled
    literal_words: int

    @property
    def unresolved(self) -> int:
        return sum(not _is_resolved(slot) for slot in self.slots.values())

    def rank(self) -> tuple[int, int, int]:
        """Lower is better: all slots resolved, most literal words, most slots resolved."""
        resolved = len(self.slots) - self.unresolved
        return (self.unresolved, -self.literal_words, -resolved)


class InteractionModel:
    """An interaction model, loaded once, that turns utterances into intents."""

    def __init__(
        self, language_model: dict, dialog: dict, skill_id: str = DEFAULT_SKILL_ID
    ) -> None:
        self.skill_id = skill_id
        self.invocation = re.compile(
            rf"(?:(?:ask|tell|open|launch|start) )?{re.escape(language_model['invocationName'])}"
            r"(?: (?:to|and))?(?: |$)"
        )
        intents = language_model["intents"]
        self.slot_types = {
            i["name"]: {s["name"]: s["type"] for s in i.get("slots", [])} for i in intents
        }
        self.samples = [
            _Sample.compile(i["name"], text)
            for i in intents
            for text in [*i.get("samples", []), *BUILT_IN_PHRASES.get(i["name"], ())]
        ]
        self.elicitation_samples = {
            (i["name"], s["name"]): [
                _Sample.compile(i["name"], text)
                for text in [*s.get("samples", []), f"{{{s['name']}}}"]
            ]
            for i in intents
            for s in i.get("slots", [])
        }
        self.values = {
            slot_type["name"]: {
                normalise(phrase): (value["id"], value["name"]["value"])
                for value in slot_type.get("values", [])
                for phrase in [value["name"]["value"], *value["name"].get("synonyms", [])]
            }
            for slot_type in language_model.get("types", [])
        }
        self.dialog_intents = frozenset(i["name"] for i in dialog.get("intents", []))
        self.confirmations = {
            normalise(said): status for said, status in CONFIRMATION_ANSWERS.items()
        }

    @classmethod
    def load(cls, path: Path = MODEL_PATH, skill_id: str = DEFAULT_SKILL_ID) -> InteractionModel:
        model = json.loads(path.read_text("utf-8"))["interactionModel"]
        return cls(model["languageModel"], model.get("dialog", {}), skill_id)

    @classmethod
    def for_locale(cls, locale: str, skill_id: str = DEFAULT_SKILL_ID) -> InteractionModel:
        """The model Alexa uses for listeners of ``locale``: interaction_model/<locale>.json."""
        return cls.load(MODEL_FOLDER / f"{locale}.json", skill_id)

    def understand(
        self, utterance: str, *, now: datetime, zone: ZoneInfo, pending: dict | None = None
    ) -> Heard | Launch | NotUnderstood:
        """What Alexa would send for ``utterance`` said at ``now`` in ``zone``,
        after a response that left ``pending`` (a Dialog directive) open."""
        said = re.sub(r"^alexa\b ?", "", normalise(utterance))
        invocation = self.invocation.match(said)
        if invocation:
            said = said[invocation.end() :]
            if not without_fillers(said):
                return Launch()
        today = now.astimezone(zone).date()
        # The words as said first, so a sample that has a filler word ("I just had
        # my treatment") keeps it; then without filler words, which wins when it
        # resolves slot values that the words as said do not ("just wear makeup").
        both = dict.fromkeys((said, without_fillers(said)))
        readings = (self._heard(words, pending, today) for words in both)
        found = [heard for heard in readings if heard is not None]
        if not found:
            return NotUnderstood(utterance, self._closest(without_fillers(said)))
        return next((heard for heard in found if _all_resolved(heard)), found[0])

    def _heard(self, said: str, pending: dict | None, today: date) -> Heard | None:
        continued = self._continue_dialog(said, pending, today) if pending else None
        if continued is not None:
            return continued
        best = self._best(said, self.samples, today)
        if best is None:
            return None
        started = "STARTED" if best.intent in self.dialog_intents else None
        return Heard(best.intent, self._every_slot(best), dialog_state=started)

    def _continue_dialog(self, said: str, pending: dict, today: date) -> Heard | None:
        """The answer to the skill's question, as Alexa's dialog management sends it back."""
        intent = pending["updatedIntent"]
        slots = intent.get("slots") or {}
        if pending["type"] == "Dialog.ConfirmIntent" and said in self.confirmations:
            return Heard(intent["name"], slots, self.confirmations[said], "IN_PROGRESS")
        if pending["type"] != "Dialog.ElicitSlot":
            return None
        samples = self.elicitation_samples.get((intent["name"], pending["slotToElicit"]), [])
        best = self._best(said, samples, today)
        if best is None or best.unresolved:  # maybe she said something else instead
            return None
        confirmation = intent.get("confirmationStatus", "NONE")
        return Heard(intent["name"], {**slots, **best.slots}, confirmation, "IN_PROGRESS")

    def _best(self, said: str, samples: list[_Sample], today: date) -> _Match | None:
        matches = (
            _Match(sample.intent, self._fill(sample.intent, reading, today), sample.literal_words)
            for sample in samples
            for reading in sample.readings(said)
        )
        # A sample of slots alone ("{date} {time}") matches only words its slots understand.
        heard = (match for match in matches if match.literal_words or not match.unresolved)
        # min() keeps the first of equals: ties go to the intent, sample and split listed first.
        return min(heard, key=_Match.rank, default=None)

    def _fill(self, intent: str, reading: dict[str, str], today: date) -> dict[str, dict]:
        types = self.slot_types[intent]
        return {name: self._slot(name, types[name], text, today) for name, text in reading.items()}

    def _slot(self, name: str, slot_type: str, text: str, today: date) -> dict:
        if slot_type == "AMAZON.DATE":
            return _slot(name, spoken_date(text, today))
        if slot_type == "AMAZON.TIME":
            return _slot(name, spoken_time(text))
        if slot_type in self.values:
            return self._custom_slot(name, slot_type, text)
        return _slot(name, text)  # another built-in type: the words as heard

    def resolved_slot(self, name: str, slot_type: str, words: str) -> dict:
        """The slot Alexa sends when she says ``words`` for a custom slot: the words as its
        value, and what entity resolution makes of them."""
        return self._custom_slot(name, slot_type, normalise(words))

    def _custom_slot(self, name: str, slot_type: str, text: str) -> dict:
        """Entity resolution: the words stay the value; a synonym names the canonical value."""
        hit = self.values[slot_type].get(text)
        authority: dict = {
            "authority": f"amzn1.er-authority.echo-sdk.{self.skill_id}.{slot_type}",
            "status": {"code": "ER_SUCCESS_MATCH" if hit else "ER_SUCCESS_NO_MATCH"},
        }
        if hit:
            value_id, value_name = hit
            authority["values"] = [{"value": {"name": value_name, "id": value_id}}]
        return {**_slot(name, text), "resolutions": {"resolutionsPerAuthority": [authority]}}

    def _every_slot(self, match: _Match) -> dict[str, dict]:
        """Alexa sends every slot the intent declares; those not said have no value."""
        return {
            name: match.slots.get(name) or _slot(name) for name in self.slot_types[match.intent]
        }

    def _closest(self, said: str) -> list[str]:
        by_words = {normalise(sample.text): sample.text for sample in self.samples}
        nearest = difflib.get_close_matches(
            said, by_words, n=CLOSEST_SAMPLES, cutoff=CLOSENESS_CUTOFF
        )
        return [by_words[text] for text in nearest]


def pending_dialog(response: dict) -> dict | None:
    """The Dialog.ElicitSlot or Dialog.ConfirmIntent directive a response left open, if any.

    Only one that names its intent (updatedIntent, which this skill always sends) can be followed.
    """
    for directive in (response.get("response") or {}).get("directives") or []:
        if directive.get("type") in DIALOG_DIRECTIVES and "updatedIntent" in directive:
            return directive
    return None


def envelope(
    understood: Heard | Launch | NotUnderstood,
    *,
    now: datetime,
    session: Session,
    user_id: str,
    device_id: str,
    request_number: int,
    application_id: str = DEFAULT_SKILL_ID,
    locale: str = DEFAULT_LOCALE,
) -> dict:
    """The request envelope Alexa would send, in the shape of tests/requests/*.json."""
    if isinstance(understood, NotUnderstood):
        understood = understood.sent
    application = {"applicationId": application_id}
    user = {"userId": user_id}
    request: dict = {
        "type": "LaunchRequest",
        "requestId": f"amzn1.echo-api.request.say-{request_number}",
        "locale": locale,
        "timestamp": now.astimezone(UTC).strftime(TIMESTAMP_FORMAT),
    }
    if isinstance(understood, Heard):
        request["type"] = "IntentRequest"
        request["intent"] = {
            "name": understood.intent,
            "confirmationStatus": understood.confirmation,
            "slots": understood.slots,
        }
        if understood.dialog_state is not None:
            request["dialogState"] = understood.dialog_state
    return {
        "version": "1.0",
        "session": {
            "new": session.new,
            "sessionId": session.session_id,
            "application": application,
            "user": user,
            "attributes": session.attributes,
        },
        "context": {
            "System": {
                "application": application,
                "user": user,
                "device": {"deviceId": device_id, "supportedInterfaces": {}},
                "apiEndpoint": "https://api.amazonalexa.com",
                "apiAccessToken": FAKE_API_ACCESS_TOKEN,
            }
        },
        "request": request,
    }
