"""Reminders through the stand-in Reminders API over TLS: each failure it can answer
with (golden responses under tests/requests/reminders/), asking twice, listing,
cancelling, and reminders that follow a new treatment, said by her or by her clinic.

After a deliberate change of wording, ``AFTERCARE_UPDATE_GOLDEN=1`` rewrites the
expectations; read the diff before committing it.
"""

from __future__ import annotations

import copy
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from skill.store import Reminders, SelfReportedPatients, Treatment, Treatments, get_store
from tests.conftest import PATIENT_TREATMENTS

REQUESTS = Path(__file__).parent / "requests"
FAILURES = REQUESTS / "reminders"
PATIENT = "amzn1.ask.account.PATIENT-THURSDAY"
TREATED = PATIENT_TREATMENTS[PATIENT][0]  # Thursday 26 November 2026, 3 PM in New York


@pytest.fixture
def reminders_api(alexa_api):
    alexa_api.reset_reminders()
    yield alexa_api
    alexa_api.reset_reminders()


def load(name: str, folder: Path = REQUESTS) -> dict:
    return json.loads((folder / f"{name}.json").read_text("utf-8"))


def send(client, alexa_api, envelope: dict) -> dict:
    envelope = copy.deepcopy(envelope)
    envelope["context"]["System"]["apiEndpoint"] = alexa_api.url
    response = client.post("/alexa", json=envelope)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    body.pop("userAgent", None)
    return body


def speech(body: dict) -> str:
    return body["response"]["outputSpeech"]["ssml"].removeprefix("<speak>").removesuffix("</speak>")


def recorded(app) -> list:
    with get_store(app).session() as session:
        patient = SelfReportedPatients(session).find(PATIENT)
        return Reminders(session).of_patient(patient.id)


def granted(envelope: dict) -> dict:
    """The envelope, from a patient who allowed the skill's reminders."""
    scopes = {"alexa::alerts:reminders:skill:readwrite": {"status": "GRANTED"}}
    envelope["context"]["System"]["user"]["permissions"] = {"scopes": scopes}
    return envelope


def set_up(alexa_api, status=None, creates_before_failure=0, delay=0.0):
    alexa_api.reminders_fail_with_status = status
    alexa_api.creates_before_failure = creates_before_failure
    alexa_api.reminders_delay_seconds = delay


# Each failure case: its request under tests/requests/reminders/, what the stand-in
# does, and whether reminders already exist (set by "remind me about everything").
FAILURE_CASES = {
    "create_401": {"status": 401},
    "create_403": {"status": 403},
    "create_429": {"status": 429},
    "create_500": {"status": 500},
    "create_503": {"status": 503},
    "create_slow": {"delay": 1.5},  # past AFTERCARE_ALEXA_API_TIMEOUT's 1 s
    "everything_fails_after_two": {"status": 500, "creates_before_failure": 2},
    "list_500": {"status": 500, "existing": True},
    "cancel_500": {"status": 500, "existing": True},
}


@pytest.mark.parametrize("name", sorted(FAILURE_CASES))
def test_each_failure_of_the_reminders_api_gets_its_answer(app, client, reminders_api, name):
    case = FAILURE_CASES[name]
    if case.get("existing"):
        send(client, reminders_api, load("remind_everything"))
    existing = {r.alert_token for r in recorded(app)}
    set_up(reminders_api, case.get("status"), case.get("creates_before_failure", 0))
    reminders_api.reminders_delay_seconds = case.get("delay", 0.0)

    actual = send(client, reminders_api, load(name, FAILURES))

    expected_path = FAILURES / f"{name}.expected.json"
    if os.environ.get("AFTERCARE_UPDATE_GOLDEN") == "1":
        expected_path.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n", "utf-8")
    assert actual == json.loads(expected_path.read_text("utf-8"))
    # Nothing is recorded as created that Alexa did not create, and nothing is lost.
    created = {r.alert_token for r in recorded(app)}
    assert created == (set(reminders_api.reminders) & created)
    assert existing <= created
    if name == "everything_fails_after_two":
        assert len(created) == 2


def test_every_failure_case_has_an_expectation():
    expected = {p.name.removesuffix(".expected.json") for p in FAILURES.glob("*.expected.json")}
    assert expected == set(FAILURE_CASES)


def test_a_reminder_is_created_as_the_reference_describes(app, client, reminders_api):
    send(client, reminders_api, load("remind_makeup"))

    (created,) = reminders_api.reminders.values()
    assert created["trigger"] == {
        "type": "SCHEDULED_ABSOLUTE",
        "scheduledTime": "2026-11-28T15:00:00",
        "timeZoneId": "America/New_York",
    }
    assert created["alertInfo"] == {
        "spokenInfo": {
            "content": [
                {"locale": "en-US", "text": "Microneedling aftercare: makeup is fine from now on."}
            ]
        }
    }
    assert created["pushNotification"] == {"status": "ENABLED"}
    post = [r for r in reminders_api.requests if r.path == "/v1/alerts/reminders"][-1]
    assert post.authorization == "Bearer eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.stand-in-token"
    assert post.body["requestTime"] == "2026-11-27T10:00:00"
    (reminder,) = recorded(app)
    assert (reminder.milestone, reminder.treated_at) == ("makeup", TREATED)
    assert reminder.alert_token == created["alertToken"]


def test_a_night_milestone_rings_at_nine_in_her_zone(app, client, reminders_api):
    send(client, reminders_api, load("remind_swimming_kolkata_night"))

    (created,) = reminders_api.reminders.values()
    # 72 hours after 3 PM in New York is 1:30 AM on Monday in Kolkata.
    assert created["trigger"]["scheduledTime"] == "2026-11-30T09:00:00"
    assert created["trigger"]["timeZoneId"] == "Asia/Kolkata"


def test_several_reminders_come_after_a_progressive_response(app, client, reminders_api):
    send(client, reminders_api, load("remind_everything"))

    assert len(reminders_api.reminders) == 5
    assert reminders_api.directives == [
        {
            "header": {"requestId": "amzn1.echo-api.request.remind_everything"},
            "directive": {
                "type": "VoicePlayer.Speak",
                "speech": "One moment while I set those up.",
            },
        }
    ]


def test_asking_twice_sets_nothing_twice(app, client, reminders_api):
    send(client, reminders_api, load("remind_makeup"))
    again = send(client, reminders_api, load("remind_makeup"))
    assert speech(again) == (
        "You already have that reminder, at 3 PM tomorrow, when makeup is fine."
    )
    everything = send(client, reminders_api, load("remind_everything"))
    assert speech(everything) == (
        "Okay. I've set 4 more, and you already had 1; they're all on your card."
    )
    assert len(reminders_api.reminders) == 5
    assert len(recorded(app)) == 5


def test_a_reminder_she_deleted_in_the_alexa_app_is_set_again(app, client, reminders_api):
    send(client, reminders_api, load("remind_makeup"))
    reminders_api.reminders.clear()  # she deleted it herself

    again = send(client, reminders_api, load("remind_makeup"))

    assert speech(again) == "Okay. I'll remind you at 3 PM tomorrow, when makeup is fine."
    assert [r.alert_token for r in recorded(app)] == list(reminders_api.reminders)


def test_listing_and_cancelling_find_what_was_set(app, client, reminders_api):
    send(client, reminders_api, load("remind_everything"))

    listed = send(client, reminders_api, load("reminders_list_none"))
    assert speech(listed) == (
        "You have 5 reminders from me. The next is at 3 PM today, "
        "when the sheet's advice on sunblock starts."
    )
    assert listed["response"]["card"]["content"].startswith("Your reminders:\nFriday, November 27")

    cancelled = send(client, reminders_api, load("reminders_cancel_none"))
    assert speech(cancelled) == "Okay. I've cancelled your 5 reminders."
    assert reminders_api.reminders == {}
    assert recorded(app) == []


def with_treatment_said(name: str, day: str, time: str) -> dict:
    envelope = load("remind_makeup")
    envelope["request"]["requestId"] = f"amzn1.echo-api.request.{name}"
    envelope["request"]["timestamp"] = "2026-12-30T15:00:00Z"
    envelope["request"]["intent"] = {
        "name": "RecordTreatmentIntent",
        "confirmationStatus": "CONFIRMED",
        "slots": {
            "date": {"name": "date", "value": day, "confirmationStatus": "NONE"},
            "time": {"name": "time", "value": time, "confirmationStatus": "NONE"},
        },
    }
    return envelope


def test_a_new_treatment_she_records_moves_her_reminders(app, client, reminders_api):
    send(client, reminders_api, load("remind_everything"))
    old = set(reminders_api.reminders)

    saved = send(client, reminders_api, with_treatment_said("new", "2026-12-29", "14:00"))

    assert speech(saved).startswith(
        "Got it, I've saved that and moved your reminders to it, and your whole timeline"
    )
    assert not old & set(reminders_api.reminders)  # the old ones are deleted from Alexa
    new_treatment = datetime(2026, 12, 29, 19, 0, tzinfo=UTC)
    assert {r.treated_at for r in recorded(app)} == {new_treatment}
    # What is still to come for the new treatment: everything (at 10 AM, a day after).
    assert len(recorded(app)) == 5
    times = sorted(r["trigger"]["scheduledTime"] for r in reminders_api.reminders.values())
    assert times[0] == "2026-12-30T14:00:00"


def test_a_treatment_the_clinic_changed_moves_her_reminders_next_time(app, client, reminders_api):
    send(client, reminders_api, load("remind_makeup"))
    (old,) = reminders_api.reminders
    # The clinic's portal corrects the treatment to an hour earlier (it cannot reach Alexa).
    with get_store(app).session() as session:
        patient = SelfReportedPatients(session).find(PATIENT)
        (treatment,) = Treatments(session).of_patient(patient.id)
        treatment.treated_at = datetime(2026, 11, 26, 19, 0, tzinfo=UTC)
        session.commit()

    # Next time she asks anything about her aftercare, the reminder follows.
    asked = send(client, reminders_api, granted(load("avoid_now")))

    assert speech(asked).startswith("Still to avoid: makeup until 2 PM tomorrow")
    (new_token, new) = next(iter(reminders_api.reminders.items()))
    assert new_token != old
    assert new["trigger"]["scheduledTime"] == "2026-11-28T14:00:00"
    assert [(r.milestone, r.alert_token) for r in recorded(app)] == [("makeup", new_token)]


def test_a_stop_never_touches_the_reminders(app, client, reminders_api):
    send(client, reminders_api, load("remind_makeup"))
    before = len(reminders_api.requests)

    send(client, reminders_api, load("builtin_stop"))

    assert len(reminders_api.requests) == before


def test_without_permission_reminders_of_an_old_treatment_wait_for_it(app, client, reminders_api):
    send(client, reminders_api, load("remind_makeup"))
    with get_store(app).session() as session:
        patient = SelfReportedPatients(session).find(PATIENT)
        Treatments(session).add(
            Treatment(
                patient_id=patient.id,
                treated_at=datetime(2026, 11, 27, 14, 0, tzinfo=UTC),
                recorded_at=datetime(2026, 11, 27, 14, 0, tzinfo=UTC),
            )
        )
        session.commit()
    envelope = load("avoid_now")  # carries no reminders permission

    send(client, reminders_api, envelope)

    assert len(reminders_api.reminders) == 1
    assert [r.treated_at for r in recorded(app)] == [TREATED]
