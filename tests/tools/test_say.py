"""``aftercare say``: typed utterances become the requests Alexa would send."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from skill.tools.replay import spoken_text
from skill.tools.say import say
from skill.tools.utterances import (
    DEFAULT_SKILL_ID,
    Heard,
    InteractionModel,
    Launch,
    NotUnderstood,
    Session,
    envelope,
    normalise,
    pending_dialog,
    spoken_date,
    spoken_time,
)

REQUESTS = Path(__file__).parents[1] / "requests"
NEW_YORK = ZoneInfo("America/New_York")
# Friday 27 November 2026, 10 AM in New York.
FRIDAY_10AM = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
FRIDAY = date(2026, 11, 27)
AT_FRIDAY_10AM = ["--at", "2026-11-27T15:00:00Z", "--timezone", "America/New_York"]
CAN_I, WHEN_CAN_I, RECORD = (
    "ActivityPermissionIntent",
    "ActivityWaitIntent",
    "RecordTreatmentIntent",
)


@pytest.fixture(scope="module")
def model() -> InteractionModel:
    return InteractionModel.load()


def understand(model: InteractionModel, utterance: str, pending: dict | None = None):
    return model.understand(utterance, now=FRIDAY_10AM, zone=NEW_YORK, pending=pending)


def slot_values(heard: Heard) -> dict[str, str]:
    """Each filled slot as the skill reads it: a custom slot's resolved id, a built-in's value."""
    values = {}
    for name, slot in heard.slots.items():
        authorities = slot.get("resolutions", {}).get("resolutionsPerAuthority", [])
        resolved = [a["values"][0]["value"]["id"] for a in authorities if "values" in a]
        if resolved or "value" in slot:
            values[name] = resolved[0] if resolved else slot["value"]
    return values


@pytest.mark.parametrize(
    ("utterance", "intent", "slots"),
    [
        # every custom intent, in samples and in paraphrases the samples cover
        ("can I wear makeup yet", CAN_I, {"activity": "makeup"}),
        ("Can I put on foundation?", CAN_I, {"activity": "makeup"}),
        ("can I use the steam room tomorrow", CAN_I, {"activity": "sauna", "date": "2026-11-28"}),
        ("is it okay to work out", CAN_I, {"activity": "workout"}),
        ("can I go to the gym", CAN_I, {"activity": "workout"}),
        ("can I sunbathe on monday", CAN_I, {"activity": "tanning", "date": "2026-11-30"}),
        ("can I go swimming this weekend", CAN_I, {"activity": "swimming", "date": "2026-W48-WE"}),
        ("is it safe to touch my face", CAN_I, {"activity": "touching_face"}),
        ("can I take a painkiller", CAN_I, {"activity": "painkiller"}),
        ("can I wear sunblock now", CAN_I, {"activity": "sunscreen"}),
        ("can I wear makeup at 2 pm", CAN_I, {"activity": "makeup", "time": "14:00"}),
        (
            "can I swim sunday at 6 pm",
            CAN_I,
            {"activity": "swimming", "date": "2026-11-29", "time": "18:00"},
        ),
        (
            "can I wear makeup tomorrow morning",
            CAN_I,
            {"activity": "makeup", "date": "2026-11-28", "time": "MO"},
        ),
        (
            "can I swim at 3 pm tomorrow",
            CAN_I,
            {"activity": "swimming", "date": "2026-11-28", "time": "15:00"},
        ),
        ("when can I swim", WHEN_CAN_I, {"activity": "swimming"}),
        ("when can I go back to work", WHEN_CAN_I, {"activity": "work"}),
        ("how long until I can go to the gym", WHEN_CAN_I, {"activity": "workout"}),
        ("what should I avoid right now", "AvoidNowIntent", {}),
        ("what's still off limits", "AvoidNowIntent", {}),
        ("when is my next session", "NextSessionIntent", {}),
        ("when will I see results", "ResultsIntent", {}),
        ("how many sessions do I need", "SessionsNeededIntent", {}),
        ("is redness normal", "SymptomIntent", {"symptom": "redness"}),
        ("My face is really red!", "SymptomIntent", {"symptom": "redness"}),
        ("my face is sore", "SymptomIntent", {"symptom": "soreness"}),
        ("can I have microneedling while pregnant", "CandidacyIntent", {"condition": "pregnancy"}),
        ("does it help with acne scars", "TreatmentTargetsIntent", {"target": "scars"}),
        ("how long does the treatment take", "ProcedureDurationIntent", {}),
        ("does it hurt", "PainIntent", {}),
        ("What's the price?", "CostIntent", {}),
        ("should I buy a derma roller", "RollersIntent", {}),
        # recording the treatment, with AMAZON.DATE and AMAZON.TIME side by side
        ("I had my treatment yesterday at 2 pm", RECORD, {"date": "2026-11-26", "time": "14:00"}),
        ("it was yesterday at two pm", RECORD, {"date": "2026-11-26", "time": "14:00"}),
        ("it was yesterday 2 pm", RECORD, {"date": "2026-11-26", "time": "14:00"}),
        (
            "it was the day before yesterday three thirty p.m.",
            RECORD,
            {"date": "2026-11-25", "time": "15:30"},
        ),
        ("it was this morning at nine", RECORD, {"date": "2026-11-27", "time": "09:00"}),
        ("it was this morning", RECORD, {"time": "MO"}),
        ("my treatment was on monday", RECORD, {"date": "2026-11-30"}),
        ("my last treatment was last monday", RECORD, {"date": "2026-11-23"}),
        ("I had my treatment on november 25th", RECORD, {"date": "2026-11-25"}),
        (
            "my treatment was november twenty fifth at 3 pm",
            RECORD,
            {"date": "2026-11-25", "time": "15:00"},
        ),
        ("I had my session the 25th of november", RECORD, {"date": "2026-11-25"}),
        ("I got microneedled 25 november", RECORD, {"date": "2026-11-25"}),
        ("I had my treatment at noon", RECORD, {"time": "12:00"}),
        ("record my treatment", RECORD, {}),
        # Amazon's built-in intents
        ("help", "AMAZON.HelpIntent", {}),
        ("what can I say", "AMAZON.HelpIntent", {}),
        ("stop", "AMAZON.StopIntent", {}),
        ("goodbye", "AMAZON.StopIntent", {}),
        ("never mind", "AMAZON.CancelIntent", {}),
        ("go home", "AMAZON.NavigateHomeIntent", {}),
        # the invocation phrase is stripped
        ("Alexa, ask Skin Aftercare: is redness normal?", "SymptomIntent", {"symptom": "redness"}),
        ("ask skin aftercare when can I wear makeup", WHEN_CAN_I, {"activity": "makeup"}),
        ("tell skin aftercare my treatment was yesterday", RECORD, {"date": "2026-11-26"}),
        ("alexa stop", "AMAZON.StopIntent", {}),
        # what Alexa's language understanding does not care about
        ("Um, can I please wear makeup yet?", CAN_I, {"activity": "makeup"}),
        ("can I just wear makeup yet", CAN_I, {"activity": "makeup"}),
        ("is it ok to wear makeup", CAN_I, {"activity": "makeup"}),
        ("uh when can I go swimming please", WHEN_CAN_I, {"activity": "swimming"}),
        ("stop please", "AMAZON.StopIntent", {}),
    ],
)
def test_utterances_become_intents_and_slots(model, utterance, intent, slots):
    heard = understand(model, utterance)
    assert isinstance(heard, Heard), heard
    assert (heard.intent, slot_values(heard)) == (intent, slots)


@pytest.mark.parametrize(
    "utterance",
    [
        "open skin aftercare",
        "skin aftercare",
        "Alexa, open Skin Aftercare.",
        "alexa ask skin aftercare",
    ],
)
def test_the_invocation_alone_launches_the_skill(model, utterance):
    assert understand(model, utterance) == Launch()


def test_every_declared_slot_is_sent_and_an_unsaid_one_has_no_value(model):
    heard = understand(model, "can I go swimming")
    assert heard.slots["date"] == {"name": "date", "confirmationStatus": "NONE"}
    assert heard.slots["time"] == {"name": "time", "confirmationStatus": "NONE"}


@pytest.mark.parametrize(
    ("utterance", "value", "canonical"),
    [
        ("can I wear foundation", "wear foundation", {"name": "wear makeup", "id": "makeup"}),
        (
            "can I use the steam room",
            "use the steam room",
            {"name": "use the sauna", "id": "sauna"},
        ),
        ("can I work out", "work out", {"name": "work out", "id": "workout"}),
    ],
)
def test_a_synonym_resolves_to_its_canonical_value(model, utterance, value, canonical):
    activity = understand(model, utterance).slots["activity"]
    [authority] = activity["resolutions"]["resolutionsPerAuthority"]
    assert activity["value"] == value
    assert authority == {
        "authority": f"amzn1.er-authority.echo-sdk.{DEFAULT_SKILL_ID}.ACTIVITY",
        "status": {"code": "ER_SUCCESS_MATCH"},
        "values": [{"value": canonical}],
    }


def test_an_unknown_activity_is_sent_unresolved(model):
    heard = understand(model, "can I drink wine")
    activity = heard.slots["activity"]
    assert heard.intent == "ActivityPermissionIntent"
    assert activity["value"] == "drink wine"
    assert activity["resolutions"]["resolutionsPerAuthority"][0]["status"] == {
        "code": "ER_SUCCESS_NO_MATCH"
    }
    assert "values" not in activity["resolutions"]["resolutionsPerAuthority"][0]


def test_an_unmatched_utterance_lists_the_closest_samples(model):
    heard = understand(model, "what's my next appointment")
    assert isinstance(heard, NotUnderstood)
    assert heard.utterance == "what's my next appointment"
    assert heard.closest[0] == "when's my next appointment"
    assert len(heard.closest) == 3


@pytest.mark.parametrize(
    ("said", "heard"),
    [
        ("What's the cost?", "what is the cost"),
        ("I can't, I won't, let's not", "i can not i will not let us not"),
        ("I cannot", "i can not"),
        (
            "I'm sure you're right, they've said we'll know, I'd go",
            "i am sure you are right they have said we will know i would go",
        ),
        ("it's okay, O.K.?", "it is ok ok"),
        ("the clinic's number at three o'clock", "the clinic's number at three o'clock"),
    ],
)
def test_normalising_spells_out_contractions(said, heard):
    assert normalise(said) == heard


def tiny_model(samples: dict[str, list[str]]) -> InteractionModel:
    """A model of a few intents and their samples, for what the real model may not hold."""
    intents = [{"name": name, "samples": texts} for name, texts in samples.items()]
    return InteractionModel({"invocationName": "skin aftercare", "intents": intents}, {})


def test_filler_words_are_dropped_only_when_the_words_as_said_match_nothing():
    model = tiny_model(
        {"RecordIntent": ["I had my treatment"], "JustNowIntent": ["I just had my treatment"]}
    )
    assert understand(model, "I just had my treatment").intent == "JustNowIntent"
    assert understand(model, "um, I had my treatment please").intent == "RecordIntent"
    assert understand(model, "open skin aftercare please") == Launch()


def test_a_contraction_said_either_way_matches_the_same_sample():
    model = tiny_model(
        {"CostIntent": ["what's the cost"], "WaitIntent": ["when is it okay to go out"]}
    )
    for said, intent in [
        ("what is the cost", "CostIntent"),
        ("What's the cost?", "CostIntent"),
        ("when's it ok to go out", "WaitIntent"),
    ]:
        assert understand(model, said) == Heard(intent, {}), said


def test_yes_without_a_question_pending_is_amazons_yes_intent(model):
    assert understand(model, "yes") == Heard("AMAZON.YesIntent", {})


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("today", "2026-11-27"),
        ("tonight", "2026-11-27"),
        ("yesterday", "2026-11-26"),
        ("tomorrow", "2026-11-28"),
        ("the day before yesterday", "2026-11-25"),
        ("monday", "2026-11-30"),  # Alexa's next Monday, though she means the last one
        ("on monday", "2026-11-30"),
        ("friday", "2026-12-04"),  # today is Friday: Alexa names the next one
        ("last monday", "2026-11-23"),
        ("last friday", "2026-11-20"),
        ("november 25th", "2026-11-25"),
        ("november twenty fifth", "2026-11-25"),
        ("the 25th of november", "2026-11-25"),
        ("25 november", "2026-11-25"),
        ("on november 1st", "2026-11-01"),
        ("this week", "2026-W48"),
        ("next week", "2026-W49"),
        ("last week", "2026-W47"),
        ("this weekend", "2026-W48-WE"),
        ("next weekend", "2026-W49-WE"),
        ("now", "PRESENT_REF"),
        ("right now", "PRESENT_REF"),
        ("in december", "2026-12"),
        ("this month", "2026-11"),
        ("next month", "2026-12"),
        ("february 30th", None),
        ("someday", None),
        ("wear makeup", None),
        # how the other English markets say a day
        ("the 21st of november", "2026-11-21"),
        ("21st november", "2026-11-21"),
        ("november the 21st", "2026-11-21"),
        ("saturday the 21st of november", "2026-11-21"),
        ("saturday 21st november", "2026-11-21"),
        ("monday just gone", "2026-11-23"),
        ("this past monday", "2026-11-23"),
        ("a week ago", "2026-11-20"),
        ("a fortnight ago", "2026-11-13"),
        ("three days ago", "2026-11-24"),
        ("in a fortnight", "2026-12-11"),
        ("a week on monday", "2026-12-07"),
        ("a week today", "2026-12-04"),
        ("day before yesterday", "2026-11-25"),
        ("yesterday morning", "2026-11-26"),
        ("today evening", "2026-11-27"),
        ("yesterday arvo", "2026-11-26"),
        ("last night", "2026-11-26"),
        ("in a week ago", None),
    ],
)
def test_spoken_dates_resolve_as_alexa_resolves_them(text, value):
    assert spoken_date(normalise(text), FRIDAY) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("3 pm", "15:00"),
        ("3pm", "15:00"),
        ("3 p.m.", "15:00"),
        ("three pm", "15:00"),
        ("2 pm", "14:00"),
        ("three o'clock", "03:00"),
        ("15:00", "15:00"),
        ("3:30 pm", "15:30"),
        ("three thirty pm", "15:30"),
        ("three oh five", "03:05"),
        ("half past two", "02:30"),
        ("quarter to four pm", "15:45"),
        ("nine", "09:00"),
        ("12 am", "00:00"),
        ("12 pm", "12:00"),
        ("noon", "12:00"),
        ("midday", "12:00"),
        ("midnight", "00:00"),
        ("morning", "MO"),
        ("this morning", "MO"),
        ("afternoon", "AF"),
        ("evening", "EV"),
        ("this evening", "EV"),
        ("night", "NI"),
        ("tonight", "NI"),
        ("13 pm", None),
        ("25:00", None),
        ("purple", None),
        # how the other English markets say a time
        ("half eight", "08:30"),
        ("half seven in the evening", "19:30"),
        ("twenty past two", "02:20"),
        ("five to nine", "08:55"),
        ("quarter past 3 pm", "15:15"),
        ("8.30", "08:30"),
        ("8.30 p.m.", "20:30"),
        ("eight o'clock at night", "20:00"),
        ("twelve at night", "00:00"),
        ("one at night", "01:00"),
        ("10 in the morning", "10:00"),
        ("evening 6 o'clock", "18:00"),
        ("arvo", "AF"),
        ("sixty past two", None),
    ],
)
def test_spoken_times_resolve_as_alexa_resolves_them(text, value):
    assert spoken_time(normalise(text)) == value


RECORD_INTENT = {
    "name": "RecordTreatmentIntent",
    "confirmationStatus": "NONE",
    "slots": {
        "date": {"name": "date", "confirmationStatus": "NONE", "value": "2026-11-26"},
        "time": {"name": "time", "confirmationStatus": "NONE", "value": "14:00"},
    },
}


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        ("yes", "CONFIRMED"),
        ("Yeah.", "CONFIRMED"),
        ("that's right", "CONFIRMED"),
        ("no", "DENIED"),
        ("nope", "DENIED"),
    ],
)
def test_an_answer_to_a_confirmation_resends_the_intent(model, answer, status):
    pending = {"type": "Dialog.ConfirmIntent", "updatedIntent": RECORD_INTENT}
    heard = understand(model, answer, pending)
    assert heard == Heard("RecordTreatmentIntent", RECORD_INTENT["slots"], status, "IN_PROGRESS")


def _eliciting(slot: str, **values: str) -> dict:
    slots = {name: {"name": name, "confirmationStatus": "NONE"} for name in ("date", "time")}
    for name, value in values.items():
        slots[name]["value"] = value
    intent = {"name": "RecordTreatmentIntent", "confirmationStatus": "NONE", "slots": slots}
    return {"type": "Dialog.ElicitSlot", "slotToElicit": slot, "updatedIntent": intent}


ASKING_THE_TIME = _eliciting("time", date="2026-11-25")
ASKING_THE_DAY = _eliciting("date", time="14:00")


@pytest.mark.parametrize(
    ("pending", "answer", "slots"),
    [
        (ASKING_THE_TIME, "at 2 pm", {"date": "2026-11-25", "time": "14:00"}),
        (ASKING_THE_TIME, "around three thirty", {"date": "2026-11-25", "time": "03:30"}),
        (ASKING_THE_TIME, "noon", {"date": "2026-11-25", "time": "12:00"}),
        (_eliciting("date"), "last monday at 3 pm", {"date": "2026-11-23", "time": "15:00"}),
        (ASKING_THE_DAY, "I think it was yesterday", {"date": "2026-11-26", "time": "14:00"}),
    ],
)
def test_an_answer_to_an_elicited_slot_fills_it_into_the_intent(model, pending, answer, slots):
    heard = understand(model, answer, pending)
    assert (heard.intent, heard.dialog_state, slot_values(heard)) == (RECORD, "IN_PROGRESS", slots)


def test_a_new_question_instead_of_the_elicited_slot_is_its_own_intent(model):
    heard = understand(model, "can I wear makeup yet", ASKING_THE_TIME)
    assert (heard.intent, heard.dialog_state) == ("ActivityPermissionIntent", None)


def test_a_fresh_dialog_intent_starts_its_dialog(model):
    assert understand(model, "record my treatment").dialog_state == "STARTED"


def test_pending_dialog_is_the_directive_a_response_leaves_open():
    directive = _eliciting("time")
    assert (
        pending_dialog({"response": {"directives": [directive], "shouldEndSession": False}})
        == directive
    )
    assert pending_dialog({"response": {"shouldEndSession": True}}) is None


def test_the_envelope_is_what_alexa_sends(model):
    heard = understand(model, "can I wear makeup yet")
    session = Session(
        "amzn1.echo-api.session.test", new=False, attributes={"in_conversation": True}
    )
    sent = envelope(
        heard,
        now=FRIDAY_10AM,
        session=session,
        user_id="amzn1.ask.account.U",
        device_id="amzn1.ask.device.D",
        request_number=3,
    )
    assert sent["session"] == {
        "new": False,
        "sessionId": "amzn1.echo-api.session.test",
        "application": {"applicationId": DEFAULT_SKILL_ID},
        "user": {"userId": "amzn1.ask.account.U"},
        "attributes": {"in_conversation": True},
    }
    system = sent["context"]["System"]
    assert system["device"] == {"deviceId": "amzn1.ask.device.D", "supportedInterfaces": {}}
    assert system["apiEndpoint"] == "https://api.amazonalexa.com"
    assert sent["request"] == {
        "type": "IntentRequest",
        "requestId": "amzn1.echo-api.request.say-3",
        "locale": "en-US",
        "timestamp": "2026-11-27T15:00:00Z",
        "intent": {
            "name": "ActivityPermissionIntent",
            "confirmationStatus": "NONE",
            "slots": heard.slots,
        },
    }


def test_a_launch_envelope_has_no_intent():
    sent = envelope(
        Launch(),
        now=FRIDAY_10AM,
        session=Session("s"),
        user_id="u",
        device_id="d",
        request_number=1,
    )
    assert sent["request"]["type"] == "LaunchRequest"
    assert "intent" not in sent["request"]


def run_say(*arguments: str, input: str | None = None):
    return CliRunner().invoke(say, list(arguments), input=input, catch_exceptions=False)


def alexa_answers(output: str) -> list[str]:
    return [line.split("Alexa > ", 1)[1] for line in output.splitlines() if "Alexa > " in line]


def test_say_one_shot_prints_the_answer():
    result = run_say("alexa ask skin aftercare is redness normal")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Minor redness and irritation are expected for a few days after the procedure. "
        "If it's been longer, or it's more than minor, please contact your clinic. "
        "Would you like to link your clinic account, so that next time I can let your clinic "
        "know?\n"
    )


def test_say_request_prints_the_envelope_and_sends_nothing():
    result = run_say("--request", *AT_FRIDAY_10AM, "can I put on foundation tomorrow")
    assert result.exit_code == 0, result.output
    request = json.loads(result.output)["request"]
    assert request["timestamp"] == "2026-11-27T15:00:00Z"
    assert request["intent"]["name"] == "ActivityPermissionIntent"
    slots = request["intent"]["slots"]
    [authority] = slots["activity"]["resolutions"]["resolutionsPerAuthority"]
    assert authority["values"] == [{"value": {"name": "wear makeup", "id": "makeup"}}]
    assert slots["date"]["value"] == "2026-11-28"
    assert "value" not in slots["time"]


FALLBACK_ANSWER = spoken_text(
    json.loads((REQUESTS / "builtin_fallback.expected.json").read_text("utf-8"))
)


def test_say_sends_fallback_when_no_sample_matches_and_shows_the_closest():
    result = run_say("what's my next appointment")
    assert result.exit_code == 0, result.output
    closest = understand(InteractionModel.load(), "what's my next appointment").closest
    assert closest[0] == "when's my next appointment"
    assert result.output.splitlines() == [
        FALLBACK_ANSWER,
        "(no sample matches, so Alexa sends AMAZON.FallbackIntent; closest samples: "
        + ", ".join(f'"{sample}"' for sample in closest)
        + ")",
    ]


def test_say_request_without_a_match_is_the_fallback_intent():
    result = run_say("--request", *AT_FRIDAY_10AM, "what's my next appointment")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["request"]["intent"] == {
        "name": "AMAZON.FallbackIntent",
        "confirmationStatus": "NONE",
        "slots": {},
    }
    assert result.stderr.startswith("(no sample matches, so Alexa sends AMAZON.FallbackIntent;")


def test_say_in_conversation_shows_the_closest_samples_beside_the_answer():
    result = run_say(*AT_FRIDAY_10AM, input="open skin aftercare\nflibbertigibbet\n")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    fallback = lines.index(f"Alexa > {FALLBACK_ANSWER}")
    assert lines[fallback + 1].startswith(
        "        (no sample matches, so Alexa sends AMAZON.FallbackIntent; "
    )


def test_say_holds_a_conversation():
    result = run_say(
        *AT_FRIDAY_10AM,
        input="open skin aftercare\nI had my treatment yesterday at 2 pm\nyes\ncan I wear makeup yet\nstop\n",
    )
    assert result.exit_code == 0, result.output
    welcome, question, saved, makeup, goodbye = alexa_answers(result.output)
    assert welcome.startswith("Welcome to Skin Aftercare.")
    assert welcome.endswith("When was your treatment?")
    assert question == "You had your treatment yesterday at 2 PM. Is that right?"
    assert saved.startswith("Got it, I've saved that, and your whole timeline is on a card")
    assert makeup.startswith("Not yet. Makeup is fine from 2 PM tomorrow.")
    # The session's attributes came back: the opened skill keeps the conversation going.
    assert makeup.endswith("What else would you like to know?")
    assert goodbye == "Take care of your skin. Goodbye."


def test_say_asks_for_what_is_missing_and_starts_again_when_denied():
    result = run_say(
        *AT_FRIDAY_10AM,
        input="\n".join(
            [
                "I had my treatment yesterday",
                "at 2 pm",
                "no",
                "the day before yesterday at 3 pm",
                "yes",
                ".quit",
                "stop",
            ]
        ),
    )
    assert result.exit_code == 0, result.output
    answers = alexa_answers(result.output)
    assert answers[:4] == [
        "About what time was it? For example, 2 PM.",
        "You had your treatment yesterday at 2 PM. Is that right?",
        "Okay, let's try again. When was your treatment?",
        "You had your treatment last Wednesday, November 25, at 3 PM. Is that right?",
    ]
    assert answers[4].startswith("Got it, I've saved that")
    assert len(answers) == 5  # nothing after .quit


def test_say_stops_on_a_wrong_setting_in_one_line():
    result = CliRunner().invoke(say, ["help"], env={"AFTERCARE_VERIFY_SIGNATURES": "maybe"})
    assert result.exit_code == 1
    assert result.output == "Error: AFTERCARE_VERIFY_SIGNATURES must be 1 or 0, not 'maybe'\n"


def test_say_piped_in_echoes_what_was_said():
    said = ["open skin aftercare", "can I wear makeup yet", "stop"]
    finished = subprocess.run(
        [sys.executable, "-c", "from skill.cli import main; main()", "say", *AT_FRIDAY_10AM],
        input="\n".join(said) + "\n",
        capture_output=True,
        text=True,
        check=True,
    )
    lines = finished.stdout.splitlines()
    assert [line for line in lines if line.startswith("User  >")] == [
        f"User  > {utterance}" for utterance in said
    ]
    # Each answer follows what prompted it, on a line of its own.
    assert [line.split(" > ")[0] for line in lines] == ["User ", "Alexa"] * len(said)


def test_say_over_http_talks_to_a_running_server(serve):
    base = serve(AFTERCARE_VERIFY_SIGNATURES="0")
    result = run_say("--url", f"{base}/alexa", "does it hurt")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("A topical anesthetic goes on 15 to 20 minutes beforehand")


@pytest.mark.parametrize(
    ("locale", "lines", "answers"),
    [
        (
            "en-GB",
            ["open skin aftercare", "half eight yesterday morning", "yes", "can I wear make-up"],
            [
                "You had your treatment yesterday at 8:30 am. Is that right?",
                "Not yet. Make-up is fine from 8:30 am tomorrow.",
            ],
        ),
        (
            "en-CA",
            ["I had my treatment this past Monday at 2 p.m.", "yes", "can I play hockey"],
            [
                "You had your treatment last Monday, November 23, at 2 p.m. Is that right?",
                "Yes. Intense workouts and heavy sweating have been fine since 2 p.m. yesterday.",
            ],
        ),
        (
            "en-AU",
            ["I had my treatment yesterday at 3 pm", "yes", "can I go to the beach at midday"],
            [
                "You had your treatment yesterday at 3 pm. Is that right?",
                "Not for long. The sheet says to avoid prolonged direct sunlight until 3 pm on "
                "Thursday.",
            ],
        ),
        (
            "en-IN",
            ["I did my treatment today morning", "10", "yes", "till when should I avoid gym"],
            [
                "You had your treatment today at 10 AM. Is that right?",
                "Intense workouts and heavy sweating are fine from 10 AM on Monday.",
            ],
        ),
    ],
)
def test_say_locale_hears_her_words_and_answers_in_her_locale(locale, lines, answers):
    """Her market's model hears her; the default zone is her market's (London, Toronto,
    Sydney, Kolkata), so "today" and "10" are her own clock's."""
    result = run_say("--locale", locale, "--at", "2026-11-27T09:00:00Z", input="\n".join(lines))
    assert result.exit_code == 0, result.output
    heard = alexa_answers(result.output)
    confirmation = heard[lines.index("yes") - 1]
    assert confirmation == answers[0]
    assert heard[-1].startswith(answers[1]), heard[-1]


def test_say_request_sends_the_locale():
    result = run_say("--request", "--locale", "en-IN", "can I go for swimming")
    request = json.loads(result.output)["request"]
    assert request["locale"] == "en-IN"
    [authority] = request["intent"]["slots"]["activity"]["resolutions"]["resolutionsPerAuthority"]
    assert authority["values"][0]["value"]["id"] == "swimming"


def test_say_refuses_a_locale_the_skill_has_no_model_for():
    result = run_say("--locale", "fr-FR", "bonjour")
    assert result.exit_code == 2
    assert "'fr-FR' is not one of 'en-US', 'en-GB', 'en-CA', 'en-AU', 'en-IN'" in result.output


def test_say_with_an_access_token_speaks_as_a_linked_patient():
    # A token this fresh store never issued: the link has ended, and she is told how to relink.
    result = CliRunner().invoke(
        say,
        ["--at", "2026-11-27T15:00:00Z", "--access-token", "never-issued", "when was my treatment"],
    )

    assert result.exit_code == 0, result.output
    assert result.output.startswith("Your link to your clinic's records has ended")


def test_say_request_carries_the_access_token():
    result = CliRunner().invoke(
        say, ["--request", "--access-token", "a-token", "link my clinic account"]
    )

    request = json.loads(result.output)
    assert request["request"]["intent"]["name"] == "LinkAccountIntent"
    assert request["context"]["System"]["user"]["accessToken"] == "a-token"
    assert request["session"]["user"]["accessToken"] == "a-token"
