"""Requests Alexa (or someone posing as Alexa) may send that no conversation expects:
each gets a sensible answer, and none is logged as an internal error."""

from __future__ import annotations

import json
import logging
from contextlib import ExitStack
from pathlib import Path

import pytest

from skill.app import create_app
from skill.store import SelfReportedPatients, get_store
from tests.conftest import SKILL_ID, postgres_schema

REQUESTS = Path(__file__).parent / "requests"
ASK_DAY = "Which day was it? For example, last Monday, or November 25th."
NO_ACCOUNT = "Sorry, I can't save that without an Alexa account."
NOT_KNOWN_YET = (
    "I don't know when your treatment was yet. When was your treatment? "
    "For example, yesterday at 2 PM."
)


@pytest.fixture
def ask(client, alexa_api, caplog):
    """Posts a recorded request, changed by ``mangle``; returns the whole response JSON."""

    def post(name: str, mangle=lambda envelope: None) -> dict:
        envelope = json.loads((REQUESTS / f"{name}.json").read_text("utf-8"))
        envelope["context"]["System"]["apiEndpoint"] = alexa_api.url
        mangle(envelope)
        with caplog.at_level(logging.INFO):
            response = client.post("/alexa", json=envelope)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
        return response.json

    return post


def speech(response: dict) -> str:
    return response["response"]["outputSpeech"]["ssml"].removeprefix("<speak>")[: -len("</speak>")]


def with_slot(name: str, value: str):
    def mangle(envelope: dict) -> None:
        envelope["request"]["intent"]["slots"][name] = {"name": name, "value": value}

    return mangle


@pytest.mark.parametrize("date", ["9999-12-31", "9999-W52-WE", "9999-12", "9999-W52"])
def test_a_question_about_a_day_past_year_9998_is_answered(ask, date):
    # Long after every restriction: yes, and from when.
    answer = ask("can_i_swim_on_saturday", with_slot("date", date))
    assert speech(answer) == "Yes. Swimming pools are fine from 3 PM on Sunday."


@pytest.mark.parametrize("date", ["0000-05", "0000-05-01", "0001-W01", "0001-01-01"])
def test_a_question_about_year_zero_or_one_is_answered_for_now(ask, date):
    answer = ask("can_i_swim_on_saturday", with_slot("date", date))
    assert speech(answer) == "Not yet. Swimming pools are fine from 3 PM on Sunday."


@pytest.mark.parametrize("date", ["0001-01-01", "9999-12-31"])
def test_a_treatment_on_the_first_or_last_day_python_knows_is_asked_again(app, ask, date):
    answer = ask("record_confirmed", with_slot("date", date))
    assert speech(answer) == ASK_DAY
    with get_store(app).session() as session:
        assert SelfReportedPatients(session).find("amzn1.ask.account.PATIENT-NEW") is None


def test_an_intent_request_without_a_session_is_answered(ask):
    answer = ask("can_i_makeup_a_minute_before", lambda envelope: envelope.pop("session"))
    assert speech(answer) == "Not yet. Makeup is fine from 3 PM today, in 1 minute."
    assert answer["response"]["shouldEndSession"] is True
    assert "sessionAttributes" not in answer


def test_a_new_patient_without_a_session_is_asked_for_her_treatment(ask):
    answer = ask("can_i_before_treatment_is_known", lambda envelope: envelope.pop("session"))
    assert speech(answer) == NOT_KNOWN_YET


def _can_fulfill(activity_resolution: str | None = "ER_SUCCESS_MATCH", intent=None):
    def mangle(envelope: dict) -> None:
        request = envelope["request"]
        request["type"] = "CanFulfillIntentRequest"
        request.pop("dialogState", None)
        if intent is not None:
            request["intent"]["name"] = intent
        slots = request["intent"]["slots"]
        if activity_resolution is None:
            slots["activity"].pop("resolutions")
        else:
            slots["activity"]["resolutions"]["resolutionsPerAuthority"][0]["status"]["code"] = (
                activity_resolution
            )
        envelope.pop("session")  # Alexa sends CanFulfillIntentRequest outside a session

    return mangle


YES_SLOT = {"canUnderstand": "YES", "canFulfill": "YES"}
NO_SLOT = {"canUnderstand": "NO", "canFulfill": "NO"}


@pytest.mark.parametrize(
    ("mangle", "expected"),
    [
        (_can_fulfill(), {"canFulfill": "YES", "slots": {"activity": YES_SLOT}}),
        (_can_fulfill(None), {"canFulfill": "YES", "slots": {"activity": YES_SLOT}}),
        (
            _can_fulfill("ER_SUCCESS_NO_MATCH"),
            {"canFulfill": "NO", "slots": {"activity": NO_SLOT}},
        ),
        (
            _can_fulfill(intent="OrderPizzaIntent"),
            {"canFulfill": "NO", "slots": {"activity": YES_SLOT}},
        ),
    ],
    ids=["a sheet activity", "no resolutions", "an activity the sheet lacks", "not our intent"],
)
def test_can_fulfill_intent_request_gets_the_documented_answer_and_changes_nothing(
    ask, alexa_api, mangle, expected
):
    asked_before = len(alexa_api.requests)
    answer = ask("can_i_makeup_a_minute_before", mangle)
    assert answer["response"] == {"canFulfillIntent": expected}
    assert len(alexa_api.requests) == asked_before  # not even the device's zone


def _request_of_type(request_type: str, **fields):
    """Replaces the request with one of another type, keeping its timestamp."""

    def mangle(envelope: dict) -> None:
        envelope["request"] = {
            "type": request_type,
            "requestId": f"amzn1.echo-api.request.{request_type}",
            "timestamp": envelope["request"]["timestamp"],
            "locale": "en-US",
            **fields,
        }

    return mangle


def test_a_connections_response_asks_what_she_would_like_to_know(ask):
    mangle = _request_of_type(
        "Connections.Response",
        name="Buy",
        status={"code": "200", "message": "OK"},
        payload={"purchaseResult": "ACCEPTED"},
        token="anything",
    )
    answer = ask("can_i_makeup_a_minute_before", mangle)
    assert speech(answer) == (
        "You can ask, for example: can I wear makeup yet, or when can I go to the gym. "
        "What else would you like to know?"
    )
    assert answer["response"]["shouldEndSession"] is False


def test_system_exception_encountered_gets_an_empty_answer(ask):
    mangle = _request_of_type(
        "System.ExceptionEncountered",
        error={"type": "INVALID_RESPONSE", "message": "bad"},
        cause={"requestId": "amzn1.echo-api.request.before"},
    )
    answer = ask("can_i_makeup_a_minute_before", mangle)
    assert "outputSpeech" not in answer["response"]


def _as_user(user_id: str):
    def mangle(envelope: dict) -> None:
        envelope["session"]["user"]["userId"] = user_id
        envelope["context"]["System"]["user"]["userId"] = user_id

    return mangle


ODD_USER_IDS = {
    "a lone surrogate": "amzn1.ask.account.\ud800LONE",
    "longer than 512": "amzn1.ask.account." + "A" * 600,
    "with NUL": "amzn1.ask.account.A\x00B",
}


@pytest.fixture(params=["sqlite", "postgresql"])
def any_database_app(request, tmp_path, alexa_api, monkeypatch):
    """The app on SQLite, or on a fresh schema of the test PostgreSQL server."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", alexa_api.ca_bundle_path)
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / 'aftercare.sqlite3'}"
        else:
            schema_url = stack.enter_context(postgres_schema("test_odd"))
            url = schema_url.render_as_string(hide_password=False)
        app = create_app(
            {"TESTING": True, "DATABASE_URL": url, "SKILL_ID": SKILL_ID, "VERIFY_SIGNATURES": False}
        )
        yield app
        get_store(app).dispose()


@pytest.mark.parametrize("user_id", list(ODD_USER_IDS.values()), ids=list(ODD_USER_IDS))
def test_user_ids_no_database_can_hold_are_answered_as_no_account(
    any_database_app, alexa_api, caplog, user_id
):
    client = any_database_app.test_client()

    def post(name: str) -> str:
        envelope = json.loads((REQUESTS / f"{name}.json").read_text("utf-8"))
        envelope["context"]["System"]["apiEndpoint"] = alexa_api.url
        _as_user(user_id)(envelope)
        body = json.dumps(envelope)  # ensure_ascii: a lone surrogate travels as \ud800
        with caplog.at_level(logging.INFO):
            response = client.post("/alexa", data=body, content_type="application/json")
        assert response.status_code == 200, response.get_data(as_text=True)
        return speech(response.json)

    assert post("record_confirmed") == NO_ACCOUNT
    assert post("can_i_before_treatment_is_known") == NOT_KNOWN_YET
    assert post("session_count_new").startswith("I don't have any of your sessions recorded yet.")
    disabled = json.loads((REQUESTS / "session_ended.json").read_text("utf-8"))
    disabled["request"] = {
        "type": "AlexaSkillEvent.SkillDisabled",
        "requestId": "amzn1.echo-api.request.disabled",
        "timestamp": disabled["request"]["timestamp"],
    }
    _as_user(user_id)(disabled)
    with caplog.at_level(logging.INFO):
        response = client.post("/alexa", data=json.dumps(disabled), content_type="application/json")
    assert response.status_code == 200
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
