"""Each English locale's own forms: CLDR's clock and date, and its spelling."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from skill.aftercare import Listener, Speech, in_locale, spoken_instant, whole_instant
from skill.aftercare.dialogue import ask_day, ask_time, ask_time_in, ask_treatment_again
from skill.aftercare.locales import spelt, supported

LONDON = ZoneInfo("Europe/London")
# Friday 27 November 2026, 10 AM in London
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("locale", "text", "spelt_text"),
    [
        (
            "en-GB",
            "Makeup is fine. A topical anesthetic, sterilized needles.",
            "Make-up is fine. A topical anaesthetic, sterilised needles.",
        ),
        ("en-AU", "certain anti-aging procedures", "certain anti-ageing procedures"),
        ("en-IN", "Tinted moisturizer is makeup", "Tinted moisturiser is make-up"),
        # Canada keeps -ize, "anesthetic" and "makeup", and spells -our and -re the British way
        (
            "en-CA",
            "makeup, anesthetic, sterilized, color",
            "makeup, anesthetic, sterilized, colour",
        ),
        ("en-US", "Makeup and anesthetic", "Makeup and anesthetic"),
        # whole words only, and a locale the skill doesn't speak is spoken as en-US
        ("en-GB", "makeups and paging", "makeups and paging"),
        ("fr-FR", "makeup", "makeup"),
    ],
)
def test_spelling_follows_the_locale(locale, text, spelt_text):
    assert spelt(text, locale) == spelt_text


def test_an_answer_is_spelt_on_its_card_too():
    speech = in_locale(Speech("Makeup is fine.", card="Avoid makeup until 3 pm"), "en-GB")
    assert speech == Speech("Make-up is fine.", card="Avoid make-up until 3 pm")


@pytest.mark.parametrize(
    ("locale", "spoken"), [("en-GB", "en-GB"), ("en-NZ", "en-US"), (None, "en-US")]
)
def test_only_the_english_locales_alexa_serves_are_spoken(locale, spoken):
    assert supported(locale) == spoken


@pytest.mark.parametrize(
    ("locale", "confirmed", "noon"),
    [
        ("en-US", "last Saturday, November 21, at 2 PM", "noon tomorrow"),
        ("en-GB", "last Saturday 21 November at 2 pm", "noon tomorrow"),
        ("en-CA", "last Saturday, November 21, at 2 p.m.", "noon tomorrow"),
        ("en-AU", "last Saturday 21 November at 2 pm", "midday tomorrow"),
        ("en-IN", "last Saturday, 21 November, at 2 PM", "noon tomorrow"),
    ],
)
def test_dates_clocks_and_noon_follow_cldr(locale, confirmed, noon):
    listener = Listener(LONDON, locale)
    assert whole_instant(datetime(2026, 11, 21, 14, 0, tzinfo=LONDON), NOW, listener) == confirmed
    assert spoken_instant(datetime(2026, 11, 28, 12, 0, tzinfo=LONDON), NOW, listener) == noon


@pytest.mark.parametrize(
    ("locale", "treatment", "day", "time", "morning"),
    [
        ("en-US", "yesterday at 2 PM.", "November 25th.", "2 PM.", "9 AM."),
        ("en-GB", "yesterday at 2 pm.", "25th November.", "2 pm.", "9 am."),
        ("en-CA", "yesterday at 2 p.m.", "November 25th.", "2 p.m.", "9 a.m."),
        ("en-AU", "yesterday at 2 pm.", "25th November.", "2 pm.", "9 am."),
        ("en-IN", "yesterday at 2 PM.", "25th November.", "2 PM.", "9 AM."),
    ],
)
def test_examples_in_prompts_are_said_the_locales_way(locale, treatment, day, time, morning):
    assert ask_treatment_again(locale) == f"When was your treatment? For example, {treatment}"
    assert ask_day(locale) == f"Which day was it? For example, last Monday, or {day}"
    assert ask_time(locale) == f"About what time was it? For example, {time}"
    assert (
        ask_time_in("morning", locale) == f"About what time in the morning? For example, {morning}"
    )
