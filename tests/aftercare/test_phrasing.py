"""What the listener hears, in her own zone and locale."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from skill.aftercare import (
    Aftercare,
    Listener,
    Period,
    answer_candidacy,
    answer_fact,
    answer_future_treatment,
    answer_naming_the_word,
    answer_next_session,
    answer_overview,
    answer_permission,
    answer_permission_during,
    answer_recorded_treatment,
    answer_saved,
    answer_session_count,
    answer_status,
    answer_targets,
    answer_wait,
    default_sheet,
    period_name,
    spoken_elapsed,
    spoken_instant,
    spoken_wait,
    whole_instant,
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
        (at(24, 15), "3 PM last Tuesday"),
        (at(21, 15), "3 PM last Saturday"),
        (at(20, 15), "3 PM on Friday, November 20"),
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
        ("en-GB", "3 pm on Monday 7 December"),
        ("en-AU", "3 pm on Monday 7 December"),
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
        (timedelta(hours=20, minutes=44), "20 hours"),
        (timedelta(hours=20, minutes=45), "almost 21 hours"),
        (timedelta(days=4, hours=3), "4 days"),
        (timedelta(days=2, hours=20), "almost 3 days"),
        (timedelta(days=14), "2 weeks"),
        (timedelta(days=17), "2 and a half weeks"),
        # never "2 weeks" at 20 days: rounded honestly
        (timedelta(days=20), "almost 3 weeks"),
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
        # The sheet limits prolonged sunlight, so a short time outside is "not for long",
        # and sunblock and a hat come with every answer about the sun.
        (
            "sun",
            NOW,
            "Not for long. The sheet says to avoid prolonged direct sunlight until 3 PM on "
            "Thursday. From 3 PM today, in 5 hours, always use sunblock of SPF 30 or higher, "
            "and wear a hat when you're outside.",
        ),
        (
            "tanning",
            NOW,
            "Not yet. The sheet says no sun tanning until 3 PM on Thursday. From 3 PM today, "
            "in 5 hours, always use sunblock of SPF 30 or higher, and wear a hat when you're "
            "outside.",
        ),
        # After the week the sheet stops limiting the sun: no "Yes", no endorsement.
        (
            "sun",
            datetime(2026, 12, 3, 15, 0, tzinfo=NEW_YORK),
            "The sheet's week without prolonged direct sunlight ended at 3 PM today. "
            "Always use sunblock of SPF 30 or higher, and wear a hat when you're outside.",
        ),
        (
            "tanning",
            datetime(2026, 12, 4, 9, 0, tzinfo=NEW_YORK),
            "The sheet's week without sun tanning ended at 3 PM yesterday. "
            "Always use sunblock of SPF 30 or higher, and wear a hat when you're outside.",
        ),
        # Before 24 hours the sheet says nothing about sunblock: not a "Not yet".
        (
            "sunscreen",
            at(26, 20),
            "From 3 PM tomorrow, always use sunblock of SPF 30 or higher, and wear a hat when "
            "you're outside. The sheet says nothing about either before then, so ask your "
            "clinic if you need them sooner.",
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
            "The aftercare period of your last treatment is over. "
            "Always use sunblock of SPF 30 or higher, and wear a hat when you're outside.",
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
            "sun",
            NOW,
            "The sheet says to avoid prolonged direct sunlight until 3 PM on Thursday. From 3 PM "
            "today, in 5 hours, always use sunblock of SPF 30 or higher, and wear a hat when "
            "you're outside.",
        ),
        (
            "sunscreen",
            NOW,
            "From 3 PM today, in 5 hours, always use sunblock of SPF 30 or higher, "
            "and wear a hat when you're outside.",
        ),
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
            Period(at(28, 0), at(29, 0), "day"),
            "Not until later tomorrow. Makeup is fine from 3 PM tomorrow.",
        ),
        (Period(at(29, 0), at(30, 0), "day"), "Yes. Makeup is fine from 3 PM tomorrow."),
        (
            Period(at(28, 6), at(28, 12), "morning"),
            "No, not tomorrow morning. Makeup is fine from 3 PM tomorrow.",
        ),
        (
            Period(at(28, 15), at(28, 15), "moment"),
            "Yes. Makeup is fine from 3 PM tomorrow.",
        ),
        (
            Period(at(28, 14, 59), at(28, 14, 59), "moment"),
            "No, not at 2:59 PM tomorrow. Makeup is fine from 3 PM tomorrow.",
        ),
        (
            Period(at(28, 0), at(30, 0), "weekend"),
            "Not until later this weekend. Makeup is fine from 3 PM tomorrow.",
        ),
    ],
)
def test_answer_permission_for_a_time_to_come(period, spoken):
    care = care_since(THURSDAY_3PM)
    assert answer_permission_during(care, SHEET.rule("makeup"), period, US).text == spoken


@pytest.mark.parametrize(
    ("period", "name"),
    [
        # her own frame: "this weekend" stays "this weekend"
        (Period(at(28, 0), at(30, 0), "weekend"), "this weekend"),
        (Period(datetime(2026, 12, 5, tzinfo=NEW_YORK), at(30, 0), "weekend"), "next weekend"),
        (
            Period(datetime(2026, 12, 12, tzinfo=NEW_YORK), at(30, 0), "weekend"),
            "the weekend of December 12",
        ),
        (Period(at(23, 0), at(30, 0), "week"), "this week"),
        (Period(at(30, 0), at(30, 0), "week"), "next week"),
        (Period(at(1, 0), at(1, 0), "month"), "this month"),
        (Period(datetime(2026, 12, 1, tzinfo=NEW_YORK), at(1, 0), "month"), "next month"),
        (Period(datetime(2027, 2, 1, tzinfo=NEW_YORK), at(1, 0), "month"), "in February"),
        (Period(at(27, 21), at(28, 0), "night"), "tonight"),
        (Period(at(27, 17), at(27, 21), "evening"), "this evening"),
        (Period(at(28, 21), at(29, 0), "night"), "tomorrow night"),
        (Period(at(30, 6), at(30, 12), "morning"), "on Monday morning"),
        (Period(at(29, 0), at(30, 0), "day"), "on Sunday"),
        (Period(at(28, 18), at(28, 18), "moment"), "at 6 PM tomorrow"),
    ],
)
def test_a_period_is_named_in_her_own_frame(period, name):
    assert period_name(period, NOW, US) == name


@pytest.mark.parametrize(
    ("rule_id", "heard", "spoken"),
    [
        (
            "makeup",
            "wear mascara",
            "Mascara is makeup, so not yet. Makeup is fine from 3 PM tomorrow.",
        ),
        (
            "makeup",
            "put on some tinted moisturiser",
            "Tinted moisturiser is makeup, so not yet. Makeup is fine from 3 PM tomorrow.",
        ),
        ("makeup", "put on makeup", "Not yet. Makeup is fine from 3 PM tomorrow."),
        (
            "painkiller",
            "take Advil",
            "Advil is a painkiller. The sheet says to use a painkiller if you feel any soreness, "
            "but names none, so your pharmacist or clinic can say which.",
        ),
        (
            "swimming",
            "go in the hot tub",
            "Not yet. Swimming pools are fine from 3 PM on Sunday. "
            "The sheet doesn't name a hot tub exactly; this is its nearest rule.",
        ),
        (
            "sauna",
            "go to the spa",
            "Not yet. Saunas are fine from 3 PM on Sunday. "
            "The sheet doesn't name a spa exactly; this is its nearest rule.",
        ),
        ("sauna", None, "Not yet. Saunas are fine from 3 PM on Sunday."),
    ],
)
def test_a_word_of_her_own_is_answered_naming_it(rule_id, heard, spoken):
    care = care_since(THURSDAY_3PM)
    rule = SHEET.rule(rule_id)
    speech = answer_naming_the_word(rule, heard, answer_permission(care, care.check(rule), US))
    assert speech.text == spoken
    assert rule.sheet in speech.card


def test_overview_groups_restrictions_lifting_together_soonest_first():
    care = care_since(THURSDAY_3PM)
    assert answer_overview(care, US).text == (
        "Still to avoid: makeup until 3 PM tomorrow; swimming pools, saunas, and intense "
        "workouts until 3 PM on Sunday; sun tanning and prolonged direct sunlight until 3 PM "
        "on Thursday. From 3 PM today, in 5 hours, always use sunblock of SPF 30 or higher, "
        "and wear a hat when you're outside."
    )


@pytest.mark.parametrize(
    ("locale", "card"),
    [
        (
            "en-US",
            "Treatment: Thursday, November 26, 3 PM\n"
            "From Friday, November 27, 3 PM: always use sunblock of SPF 30 or higher, "
            "and wear a hat when you're outside.\n"
            "Avoid makeup until Saturday, November 28, 3 PM\n"
            "Avoid swimming pools, saunas, and intense workouts until Sunday, November 29, 3 PM\n"
            "Avoid sun tanning and prolonged direct sunlight until Thursday, December 3, 3 PM\n"
            "Next session: between Thursday, December 24 and Thursday, January 7\n"
            "Any time: wash your hands before you touch your face.\n"
            "Any time: if you feel any soreness, you can use a painkiller.\n"
            "Any time: you can go back to work after the procedure if you're comfortable.",
        ),
        (
            "en-GB",
            "Treatment: Thursday 26 November, 3 pm\n"
            "From Friday 27 November, 3 pm: always use sunblock of SPF 30 or higher, "
            "and wear a hat when you're outside.\n"
            "Avoid makeup until Saturday 28 November, 3 pm\n"
            "Avoid swimming pools, saunas and intense workouts until Sunday 29 November, 3 pm\n"
            "Avoid sun tanning and prolonged direct sunlight until Thursday 3 December, 3 pm\n"
            "Next session: between Thursday 24 December and Thursday 7 January\n"
            "Any time: wash your hands before you touch your face.\n"
            "Any time: if you feel any soreness, you can use a painkiller.\n"
            "Any time: you can go back to work after the procedure if you're comfortable.",
        ),
    ],
)
def test_the_overview_card_is_the_whole_timeline_in_dates_to_read_later(locale, card):
    care = care_since(THURSDAY_3PM)
    assert answer_overview(care, Listener(NEW_YORK, locale)).card == card
    assert answer_status(care, Listener(NEW_YORK, locale)).card == card
    assert answer_saved(care, Listener(NEW_YORK, locale)).card == card


def test_the_written_timeline_marks_what_has_been_reached_now():
    # Friday 10 AM, the day after a Thursday 3 PM treatment: nothing reached yet;
    # a day and a minute later, sunblock has started.
    care = care_since(THURSDAY_3PM)
    later = Aftercare(SHEET, THURSDAY_3PM, THURSDAY_3PM + timedelta(hours=24, minutes=1))

    assert [(e.text, e.state) for e in written_timeline(care, US)] == [
        (
            "From Friday, November 27, 3 PM: always use sunblock of SPF 30 or higher, "
            "and wear a hat when you're outside.",
            "Not yet",
        ),
        ("Avoid makeup until Saturday, November 28, 3 PM", "In force"),
        (
            "Avoid swimming pools, saunas, and intense workouts until Sunday, November 29, 3 PM",
            "In force",
        ),
        (
            "Avoid sun tanning and prolonged direct sunlight until Thursday, December 3, 3 PM",
            "In force",
        ),
    ]
    assert [(e.reached, e.state) for e in written_timeline(later, US)] == [
        (True, "Started"),
        (False, "In force"),
        (False, "In force"),
        (False, "In force"),
    ]


def test_overview_once_every_window_has_lifted():
    care = care_since(at(18, 15))
    assert answer_overview(care, US).text == (
        "Nothing on your aftercare sheet is off-limits now. "
        "Always use sunblock of SPF 30 or higher, and wear a hat when you're outside."
    )


@pytest.mark.parametrize(
    ("treated_at", "spoken"),
    [
        # How long it has been and the very next change; the rest is on the card.
        (
            at(27, 8, 30),
            "It's been an hour since your treatment. Next, from 8:30 AM tomorrow, always use "
            "sunblock of SPF 30 or higher, and wear a hat when you're outside.",
        ),
        (
            at(25, 9),
            "It's been 2 days since your treatment. Next, swimming pools, saunas, and intense "
            "workouts are fine from 9 AM tomorrow.",
        ),
        (
            at(24, 12),
            "It's been almost 3 days since your treatment. Next, swimming pools, saunas, and "
            "intense workouts are fine from noon today, in 2 hours.",
        ),
        (
            at(22, 9),
            "It's been 5 days since your treatment. Next, the sheet's limits on sun tanning and "
            "prolonged direct sunlight end at 9 AM on Sunday.",
        ),
        (
            at(18, 15),
            "It's been almost 9 days since your treatment, and nothing on your aftercare sheet "
            "is off-limits now. Always use sunblock of SPF 30 or higher, and wear a hat when "
            "you're outside.",
        ),
        (
            datetime(2026, 9, 1, 15, 0, tzinfo=NEW_YORK),
            "It's been 12 and a half weeks since your last treatment, so its aftercare is over. "
            "If you've had a new treatment, tell me when it was.",
        ),
    ],
)
def test_status(treated_at, spoken):
    assert answer_status(care_since(treated_at), US).text == spoken


@pytest.mark.parametrize(
    ("treated_at", "now", "spoken"),
    [
        (
            at(26, 14),
            NOW,
            "Got it, I've saved that, and your whole timeline is on a card in the Alexa app. "
            "Next, from 2 PM today, in 4 hours, always use sunblock of SPF 30 or higher, and "
            "wear a hat when you're outside.",
        ),
        (
            at(25, 10),
            at(27, 9, 59),
            "Got it, I've saved that, and your whole timeline is on a card in the Alexa app. "
            "Next, makeup is fine from 10 AM today, in 1 minute.",
        ),
        (
            at(12, 10),
            NOW,
            "Got it, I've saved that, and nothing on your aftercare sheet is off-limits now. "
            "Always use sunblock of SPF 30 or higher, and wear a hat when you're outside.",
        ),
        (
            datetime(2026, 9, 1, 15, 0, tzinfo=NEW_YORK),
            NOW,
            "Got it, I've saved that. It's been 12 and a half weeks since that treatment, "
            "so its aftercare is over.",
        ),
    ],
)
def test_saving_says_so_and_the_very_next_change(treated_at, now, spoken):
    assert answer_saved(care_since(treated_at, now), US).text == spoken


@pytest.mark.parametrize(
    ("treated_at", "spoken"),
    [
        (
            at(26, 14),
            "As I have it, you had your treatment yesterday at 2 PM. That's 20 hours ago.",
        ),
        (
            at(21, 14),
            "As I have it, you had your treatment last Saturday, November 21, at 2 PM. "
            "That's almost 6 days ago.",
        ),
        (
            at(6, 9, 30),
            "As I have it, you had your treatment on Friday, November 6, at 9:30 AM. "
            "That's 3 weeks ago.",
        ),
    ],
)
def test_when_was_my_treatment(treated_at, spoken):
    assert answer_recorded_treatment(care_since(treated_at), US).text == spoken


@pytest.mark.parametrize(
    ("instant", "spoken"),
    [
        (at(27, 8), "today at 8 AM"),
        (at(26, 14), "yesterday at 2 PM"),
        (at(21, 14), "last Saturday, November 21, at 2 PM"),
        (at(20, 14), "on Friday, November 20, at 2 PM"),
        (at(28, 14), "tomorrow, Saturday, November 28, at 2 PM"),
        (datetime(2025, 12, 1, 14, tzinfo=NEW_YORK), "on Monday, December 1, 2025, at 2 PM"),
    ],
)
def test_whole_instant_speaks_the_date_she_might_mishear(instant, spoken):
    assert whole_instant(instant, NOW, US) == spoken


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
        (
            datetime(2027, 1, 10, 9, 0, tzinfo=NEW_YORK),
            "Sessions should be 4 to 6 weeks apart, and that window closed last Thursday. "
            "If you've had another session since, tell me when it was.",
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


@pytest.mark.parametrize(
    ("condition", "heard", "spoken"),
    [
        (
            "pregnancy",
            "pregnant",
            "Maybe not. The sheet says you may not be an ideal candidate if you're pregnant; "
            "your clinic can advise you.",
        ),
        (
            "acne_medication",
            "accutane",
            "Maybe not. The sheet says you may not be an ideal candidate if you use certain "
            "acne medications; your clinic can advise you.",
        ),
        (
            None,
            None,
            "You may not be an ideal candidate if you're pregnant, you have a skin disease such "
            "as psoriasis or eczema, you have open wounds, you've had radiation therapy "
            "recently, you have a history of keloid scars, or you use certain acne medications. "
            "Your clinic can advise you.",
        ),
        (
            None,
            "diabetes",
            "Your sheet's list doesn't name that, so please ask your clinic; the list is on your "
            "card.",
        ),
    ],
)
def test_candidacy_gives_a_verdict_first(condition, heard, spoken):
    speech = answer_candidacy(SHEET, condition, heard, "en-US")
    assert speech.text == spoken
    assert SHEET.candidacy.sheet in speech.card


@pytest.mark.parametrize(
    ("area", "heard", "spoken"),
    [
        (
            None,
            None,
            "Microneedling is most often used on the face, for acne scars and other scars, age "
            "spots, dark spots or patches, fine lines and wrinkles, large pores, reduced skin "
            "elasticity, uneven skin tone, stretch marks, and certain anti-aging procedures.",
        ),
        (
            "stretch_marks",
            "stretch marks",
            "Yes. The sheet lists stretch marks among what microneedling targets, mostly on the "
            "face.",
        ),
        (
            "scars",
            "acne scars",
            "For minor scars, yes: the sheet says microneedling is considered effective in "
            "treating minor scarring related to acne, wounds, and aging.",
        ),
        # Not a word for active acne: only its scars are on the sheet's list.
        (
            None,
            "acne",
            "Your sheet's list doesn't name that, so please ask your clinic; the list is on your "
            "card.",
        ),
    ],
)
def test_what_it_treats(area, heard, spoken):
    speech = answer_targets(SHEET, area, heard, "en-US")
    assert speech.text == spoken
    assert SHEET.targets.sheet in speech.card


def test_future_treatment_gets_a_question_back():
    assert answer_future_treatment(at(28, 14), NOW, US).text == (
        "That's 2 PM tomorrow, which hasn't happened yet. When was your treatment?"
    )


def test_ssml_escapes_what_it_speaks():
    speech = answer_fact("not_covered", SHEET)
    assert speech.ssml == f"<speak>{speech.text}</speak>"
    from skill.aftercare import Speech

    assert Speech("Salt & <pepper>").ssml == "<speak>Salt &amp; &lt;pepper&gt;</speak>"
