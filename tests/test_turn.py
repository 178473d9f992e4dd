"""A request's lazy values (Turn) never wait on another request's."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from skill.alexa.settings_api import TimeoutApiClient
from skill.app import create_app
from skill.store import get_store
from tests.conftest import SKILL_ID, record_patients
from tests.standin_alexa_api import StandInAlexaApi

REQUEST = Path(__file__).parent / "requests" / "can_i_makeup_a_minute_before.json"
STALLED = "amzn1.ask.device.STALLED"
CACHED = "amzn1.ask.device.CACHED"
NEW = "amzn1.ask.device.NEW"
# Only a bug makes a request wait this long; it bounds how long a failing test hangs.
PATIENCE_SECONDS = 10


@pytest.fixture
def stalling_api():
    zones = {STALLED: "Asia/Kolkata", CACHED: "Europe/London", NEW: "Asia/Tokyo"}
    with StandInAlexaApi(zones) as api:
        yield api


@pytest.fixture
def served_app(tmp_path, stalling_api):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'aftercare.sqlite3'}",
            "SKILL_ID": SKILL_ID,
            "VERIFY_SIGNATURES": False,
            # Longer than the test waits: only the stand-in's hold ends the stalled call.
            "ALEXA_API_CLIENT": TimeoutApiClient(
                PATIENCE_SECONDS * 3, ca_bundle=stalling_api.ca_bundle_path
            ),
        }
    )
    store = get_store(app)
    record_patients(store)
    yield app
    store.dispose()


def _ask(app, api_url: str, device_id: str, answers: dict[str, str]) -> None:
    envelope = json.loads(REQUEST.read_text("utf-8"))
    envelope["context"]["System"]["apiEndpoint"] = api_url
    envelope["context"]["System"]["device"]["deviceId"] = device_id
    response = app.test_client().post("/alexa", json=envelope)
    answers[device_id] = response.json["response"]["outputSpeech"]["ssml"]


def _wait_until_asked(api: StandInAlexaApi, device_id: str) -> None:
    deadline = time.monotonic() + PATIENCE_SECONDS
    while not any(device_id in request.path for request in api.requests):
        assert time.monotonic() < deadline, f"the Settings API was never asked about {device_id}"
        time.sleep(0.01)


def test_a_stalled_time_zone_lookup_holds_up_no_other_request(served_app, stalling_api):
    answers: dict[str, str] = {}
    _ask(served_app, stalling_api.url, CACHED, answers)  # its zone is now cached
    release = stalling_api.hold(STALLED)

    def ask_in_thread(device_id: str) -> threading.Thread:
        thread = threading.Thread(
            target=_ask, args=(served_app, stalling_api.url, device_id, answers)
        )
        thread.start()
        return thread

    stalled = ask_in_thread(STALLED)
    try:
        _wait_until_asked(stalling_api, STALLED)
        others = [ask_in_thread(CACHED), ask_in_thread(NEW)]
        for thread in others:
            thread.join(PATIENCE_SECONDS)
        # Both answered while the first request still waits on the Settings API.
        assert not any(thread.is_alive() for thread in others)
        assert stalled.is_alive()
        # Each answered in its own device's zone.
        assert (
            answers[CACHED]
            == "<speak>Not yet. Makeup is fine from 8 PM today, in 1 minute.</speak>"
        )
        assert (
            answers[NEW] == "<speak>Not yet. Makeup is fine from 5 AM today, in 1 minute.</speak>"
        )
    finally:
        release.set()
        stalled.join(PATIENCE_SECONDS)
    assert answers[STALLED] == (
        "<speak>Not yet. Makeup is fine from 1:30 AM today, in 1 minute.</speak>"
    )
