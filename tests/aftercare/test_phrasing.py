"""What the listener hears, in her own zone and locale."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from skill.aftercare import (
    Aftercare,
    Listener,
    Period,
    answer_fact,
    answer_future_treatment,
    answer_next_session,
    answer_overview,
    answer_permission,
    answer_permission_during,
    answer_session_count,
    answer_status,
    answer_wait,
    default_sheet,
    spoken_elapsed,
    spoken_instant,
    spoken_wait,
    written_timeline,
)

SHEET = default_sheet()
NEW_YORK = ZoneInfo("America/New_York")
US = Listener(NEW_YORK)
# Friday 27 November 2026, 10 AM in New York
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=NEW_YORK)


def at(day, hour, minute=0, zone=NEW_YORK):
    return datetime(2026, 11, day, hour, minute, tzinfo=zone)


@pytest.mark.parametrize(
    ("instant", "spoken"),
    [
        (at(27, 15), "3 PM today"),
        (at(27, 15, 30), "3:30 PM today"),
        (at(27, 12), "noon today"),
        (at(28, 0), "midnight tonight"),
        (at(28, 9), "9 AM tomorrow"),
        (at(28, 12), "noon tomorrow"),
        (at(29, 0), "midnight tomorrow night"),
        (at(30, 16), "4 PM on Monday"),
        (at(30, 0), "midnight on Sunday night"),
        (datetime(2026, 12, 3, 23, 59, tzinfo=NEW_YORK), "11:59 PM on Thursday"),
        (datetime(2026, 12, 4, 10, 0, tzinfo=NEW_YORK), "10 AM on Friday, December 4"),
        (datetime(2026, 12, 7, 10, 0, tzinfo=NEW_YORK), "10 AM on Monday, December 7"),
        (at(26, 15), "3 PM yesterday"),
        (datetime(2025, 11, 25, 14, 0, tzinfo=NEW_YORK), "2 PM on Tuesday, November 25, 2025"),
        (at(27, 0), "midnight last night"),
        (at(24, 15), "3 PM on Tuesday"),
        # seconds round up, so we never name a time before the instant
        (at(27, 14, 59).replace(second=1), "3 PM today"),
        # an instant given in UTC is spoken on the listener's clock
        (datetime(2026, 11, 27, 20, 0, tzinfo=UTC), "3 PM today"),
    ],
)
def test_spoken_instant_relative_to_today(instant, spoken):
    assert spoken_instant(instant, NOW, US) == spoken


def test_spoken_instant_late_at_night_counts_days_on_the_local_calendar():
    # 11:30 PM on Friday in New York is already Saturday in UTC
    now = at(27, 23, 30)
    assert spoken_instant(at(28, 9), now, US) == "9 AM tomorrow"


@pytest.mark.parametrize(
    ("locale", "spoken"),
    [
        ("en-US", "3 PM on Monday, December 7"),
        ("en-GB", "3 pm on Monday, 7 December"),
        ("en-AU", "3 pm on Monday, 7 December"),
        ("en-IN", "3 PM on Monday, 7 December"),
        ("en-CA", "3 p.m. on Monday, December 7"),
        ("xx-NOPE", "3 PM on Monday, December 7"),
    ],
)
def test_clock_and_date_follow_the_locale(locale, spoken):
    instant = datetime(2026, 12, 7, 15, 0, tzinfo=NEW_YORK)
    assert spoken_instant(instant, NOW, Listener(NEW_YORK, locale)) == spoken


@pytest.mark.parametrize(
    ("zone", "spoken"),
    [
        ("Asia/Kolkata", "1:30 AM on Saturday"),
        ("Asia/Kathmandu", "1:45 AM on Saturday"),
        ("Australia/Adelaide", "6:30 AM on Saturday"),
    ],
)
def test_half_and_quarter_hour_zones(zone, spoken):
    instant = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)
    now = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)
    assert spoken_instant(instant, now, Listener(ZoneInfo(zone))) == spoken


@pytest.mark.parametrize(
    ("duration", "spoken"),
    [
        (timedelta(seconds=20), "in 1 minute"),
        (timedelta(minutes=40), "in 40 minutes"),
        (timedelta(minutes=39, seconds=1), "in 40 minutes"),
        (timedelta(minutes=60), "in an hour"),
        (timedelta(minutes=70), "in about an hour"),
        (timedelta(hours=2), "in 2 hours"),
        (timedelta(hours=2, minutes=20), "in about 2 hours"),
        (timedelta(hours=40), "in about 2 days"),
    ],
)
def test_spoken_wait(duration, spoken):
    assert spoken_wait(duration) == spoken


@pytest.mark.parametrize(
    ("duration", "spoken"),
    [
        (timedelta(minutes=5), "5 minutes"),
        (timedelta(hours=1), "an hour"),
        (timedelta(hours=30), "30 hours"),
        (timedelta(days=4, hours=3), "4 days"),
        (timedelta(days=22), "3 weeks"),
    ],
)
def test_spoken_elapsed(duration, spoken):
    assert spoken_elapsed(duration) == spoken


def care_since(treated_at, now=NOW):
    return Aftercare(SHEET, treated_at, now)


# Treated Thursday 26 November at 3 PM: makeup from 3 PM Saturday, pools from 3 PM Sunday.
THURSDAY_3PM = at(26, 15)


@pytest.mark.parametrize(
    ("rule_id", "now", "spoken"),
    [
        ("makeup", NOW, "Not yet. Makeup is fine from 3 PM tomorrow."),
        ("makeup", at(28, 14, 59), "Not yet. Makeup is fine from 3 PM today, in 1 minute."),
        ("makeup", at(28, 15), "Yes. Makeup has been fine since 3 PM today."),
        ("makeup", at(28, 15, 1), "Yes. Makeup has been fine since 3 PM today."),
        ("swimming", NOW, "Not yet. Swimming pools are fine from 3 PM on Sunday."),
        ("sauna", at(29, 12, 40), "Not yet. Saunas are fine from 3 PM today, in about 2 hours."),
        (
            "workout",
            at(29, 15),
            "Yes. Intense workouts and heavy sweating have been fine since 3 PM today.",
        ),
        (
            "sun",
            NOW,
            "Not yet. Sun tanning and longer time in direct sunlight are fine "
            "from 3 PM on Thursday.",
        ),
        (
            "sun",
            datetime(2026, 12, 3, 15, 0, tzinfo=NEW_YORK),
            "Yes. Sun tanning and longer time in direct sunlight have been fine since 3 PM today. "
            "Keep using sunblock of SPF 30 or higher, and wear a hat when you're outside.",
        ),
        (
            "sunscreen",
            at(26, 20),
            "Not yet. Start using sunblock from 3 PM tomorrow.",
        ),
        (
            "sunscreen",
            at(27, 15),
            "Yes. Always use sunblock of SPF 30 or higher, and wear a hat when you're outside.",
        ),
        ("touching_face", at(26, 15), "Yes. Wash your hands before you touch your face."),
        ("painkiller", NOW, "Yes. If you feel any soreness, you can use a painkiller."),
        ("work", NOW, "Yes. You can go back to work after the procedure if you're comfortable."),
    ],
)
def test_answer_permission(rule_id, now, spoken):
    care = care_since(THURSDAY_3PM, now)
    speech = answer_permission(care, care.check(SHEET.rule(rule_id)), US)
    assert speech.text == spoken
    assert SHEET.rule(rule_id).sheet in speech.card


@pytest.mark.parametrize(
    ("rule_id", "spoken"),
    [
        ("makeup", "Yes. The aftercare period of your last treatment is over."),
        (
            "sun",
            "Yes. The aftercare period of your last treatment is over. "
            "Keep using sunblock of SPF 30 or higher, and wear a hat when you're outside.",
        ),
        ("work", "Yes. You can go back to work after the procedure if you're comfortable."),
    ],
)
def test_answer_permission_once_the_aftercare_period_is_over(rule_id, spoken):
    care = care_since(THURSDAY_3PM, datetime(2027, 3, 1, 9, 0, tzinfo=NEW_YORK))
    assert answer_permission(care, care.check(SHEET.rule(rule_id)), US).text == spoken


@pytest.mark.parametrize(
    ("rule_id", "now", "spoken"),
    [
        ("makeup", NOW, "Makeup is fine from 3 PM tomorrow."),
        ("makeup", at(28, 16), "Now. Makeup has been fine since 3 PM today."),
        (
            "work",
            NOW,
            "Any time. You can go back to work after the procedure if you're comfortable.",
        ),
    ],
)
def test_answer_wait(rule_id, now, spoken):
    care = care_since(THURSDAY_3PM, now)
    assert answer_wait(care, care.check(SHEET.rule(rule_id)), US).text == spoken


@pytest.mark.parametrize(
    ("period", "spoken"),
    [
        (
            Period("on Saturday", at(28, 0), at(29, 0)),
            "Not until later on Saturday. Makeup is fine from 3 PM tomorrow.",
        ),
        (Period("on Sunday", at(29, 0), at(30, 0)), "Yes. Makeup is fine from 3 PM tomorrow."),
        (
            Period("tomorrow morning", at(28, 6), at(28, 12)),
            "No, not tomorrow morning. Makeup is fine from 3 PM tomorrow.",
        ),
        (
            Period("at 3 PM tomorrow", at(28, 15), at(28, 15)),
            "Yes. Makeup is fine from 3 PM tomorrow.",
        ),
        (
            Period("at 2:59 PM tomorrow", at(28, 14, 59), at(28, 14, 59)),
            "No, not at 2:59 PM tomorrow. Makeup is fine from 3 PM tomorrow.",
        ),
    ],
)
def test_answer_permission_for_a_time_to_come(period, spoken):
    care = care_since(THURSDAY_3PM)
    assert answer_permission_during(care, SHEET.rule("makeup"), period, US).text == spoken


def test_overview_groups_restrictions_lifting_together_soonest_first():
    care = care_since(THURSDAY_3PM)
    assert answer_overview(care, US).text == (
        "Still to avoid: makeup until 3 PM tomorrow; swimming pools, saunas, and intense "
        "workouts until 3 PM on Sunday; sun tanning until 3 PM on Thursday. "
        "Start using sunblock from 3 PM today, in 5 hours."
    )


@pytest.mark.parametrize(
    ("locale", "card"),
    [
        (
            "en-US",
            "Treatment: Thursday, November 26, 3 PM\n"
            "Sunblock: from Friday, November 27, 3 PM\n"
            "Makeup: from Saturday, November 28, 3 PM\n"
            "Swimming pools, saunas, and intense workouts: from Sunday, November 29, 3 PM\n"
            "Sun tanning: from Thursday, December 3, 3 PM\n"
            "Next session: between Thursday, December 24 and Thursday, January 7",
        ),
        (
            "en-GB",
            "Treatment: Thursday, 26 November, 3 pm\n"
            "Sunblock: from Friday, 27 November, 3 pm\n"
            "Makeup: from Saturday, 28 November, 3 pm\n"
            "Swimming pools, saunas and intense workouts: from Sunday, 29 November, 3 pm\n"
            "Sun tanning: from Thursday, 3 December, 3 pm\n"
            "Next session: between Thursday, 24 December and Thursday, 7 January",
        ),
    ],
)
def test_the_overview_card_is_the_whole_timeline_in_dates_to_read_later(locale, card):
    care = care_since(THURSDAY_3PM)
    assert answer_overview(care, Listener(NEW_YORK, locale)).card == card
    assert answer_status(care, Listener(NEW_YORK, locale)).card == card


def test_the_written_timeline_marks_what_has_been_reached_now():
    # Friday 10 AM, the day after a Thursday 3 PM treatment: nothing reached yet;
    # a day and a minute later, sunblock has started.
    care = care_since(THURSDAY_3PM)
    later = Aftercare(SHEET, THURSDAY_3PM, THURSDAY_3PM + timedelta(hours=24, minutes=1))

    assert [(e.what, e.when, e.reached) for e in written_timeline(care, US)] == [
        ("Sunblock", "Friday, November 27, 3 PM", False),
        ("Makeup", "Saturday, November 28, 3 PM", False),
        ("Swimming pools, saunas, and intense workouts", "Sunday, November 29, 3 PM", False),
        ("Sun tanning", "Thursday, December 3, 3 PM", False),
    ]
    assert [e.reached for e in written_timeline(later, US)] == [True, False, False, False]


def test_overview_once_every_window_has_lifted():
    care = care_since(at(18, 15))
    assert answer_overview(care, US).text == (
        "Nothing on your aftercare sheet is off-limits now. "
        "Always use sunblock of SPF 30 or higher, and wear a hat when you're outside."
    )


def test_status_in_the_first_hours():
    care = care_since(at(27, 8, 30))
    assert answer_status(care, US).text == (
        "It's been an hour since your treatment. Still to avoid: makeup until 8:30 AM on "
        "Sunday; swimming pools, saunas, and intense workouts until 8:30 AM on Monday; sun "
        "tanning until 8:30 AM on Friday, December 4. Start using sunblock from 8:30 AM "
        "tomorrow."
    )


def test_status_long_after_the_treatment():
    care = care_since(datetime(2026, 9, 1, 15, 0, tzinfo=NEW_YORK))
    assert answer_status(care, US).text == (
        "It's been 12 weeks since your last treatment, so its aftercare is over. "
        "If you've had a new treatment, tell me when it was."
    )


@pytest.mark.parametrize(
    ("now", "spoken"),
    [
        (
            NOW,
            "Your next session should be 4 to 6 weeks after this one: "
            "between Thursday, December 24 and Thursday, January 7.",
        ),
        (
            datetime(2026, 12, 30, 9, 0, tzinfo=NEW_YORK),
            "The window for your next session is open now and closes on Thursday, January 7.",
        ),
        (
            datetime(2027, 1, 6, 9, 0, tzinfo=NEW_YORK),
            "The window for your next session is open now and closes tomorrow.",
        ),
        (
            datetime(2027, 1, 20, 9, 0, tzinfo=NEW_YORK),
            "Sessions should be 4 to 6 weeks apart, and that window closed on Thursday, "
            "January 7. If you've had another session since, tell me when it was.",
        ),
    ],
)
def test_next_session(now, spoken):
    assert answer_next_session(care_since(THURSDAY_3PM, now), US).text == spoken


@pytest.mark.parametrize(
    ("count", "opening"),
    [
        (0, "I don't have any of your sessions recorded yet."),
        (1, "You've had 1 session recorded with me."),
        (3, "You've had 3 sessions recorded with me."),
    ],
)
def test_session_count(count, opening):
    assert answer_session_count(count, SHEET).text == (
        f"{opening} You may need at least four sessions for the best results, "
        "spaced four to six weeks apart."
    )


@pytest.mark.parametrize("topic", sorted(SHEET.facts))
def test_every_fact_is_spoken_with_its_sheet_source_on_the_card(topic):
    speech = answer_fact(topic, SHEET)
    assert speech.text == SHEET.fact(topic).speech
    assert (SHEET.fact(topic).sheet or "") in speech.card


def test_future_treatment_gets_a_question_back():
    assert answer_future_treatment(at(28, 14), NOW, US).text == (
        "That's 2 PM tomorrow, which hasn't happened yet. When was your treatment?"
    )


def test_ssml_escapes_what_it_speaks():
    speech = answer_fact("not_covered", SHEET)
    assert speech.ssml == f"<speak>{speech.text}</speak>"
    from skill.aftercare import Speech

    assert Speech("Salt & <pepper>").ssml == "<speak>Salt &amp; &lt;pepper&gt;</speak>"
