"""The real server (``aftercare serve``) over a real socket, with a stand-in
Alexa Settings API on 127.0.0.1 that it trusts through REQUESTS_CA_BUNDLE."""

from __future__ import annotations

import json
from pathlib import Path

import requests

REQUESTS = Path(__file__).parent / "requests"


def _envelope(name: str, api_endpoint: str) -> dict:
    envelope = json.loads((REQUESTS / f"{name}.json").read_text("utf-8"))
    envelope["context"]["System"]["apiEndpoint"] = api_endpoint
    return envelope


def _speech(response: requests.Response) -> str:
    assert response.status_code == 200, response.text
    ssml = response.json()["response"]["outputSpeech"]["ssml"]
    return ssml.removeprefix("<speak>").removesuffix("</speak>")


def test_a_patient_talks_to_the_served_skill(serve, alexa_api):
    base = serve(AFTERCARE_VERIFY_SIGNATURES="0")

    def post(name: str) -> requests.Response:
        return requests.post(f"{base}/alexa", json=_envelope(name, alexa_api.url), timeout=10)

    assert _speech(post("launch_new_patient")).endswith("When was your treatment?")
    assert _speech(post("record_confirmed")).startswith(
        "Got it, I've saved that, and your whole timeline is on a card in the Alexa app."
    )

    # PATIENT-NEW's device is in New York, per the stand-in Settings API.
    question = _envelope("can_i_before_treatment_is_known", alexa_api.url)
    answer = requests.post(f"{base}/alexa", json=question, timeout=10)
    assert _speech(answer) == "Not yet. Makeup is fine from 2 PM today, in 4 hours."
    settings_path = "/v2/devices/amzn1.ask.device.NEW-YORK/settings/System.timeZone"
    assert settings_path in [r.path for r in alexa_api.requests]
    assert all(r.authorization.startswith("Bearer ") for r in alexa_api.requests)


def test_the_served_skill_answers_in_the_devices_time_zone(serve, alexa_api):
    base = serve(AFTERCARE_VERIFY_SIGNATURES="0")
    # Nothing recorded for this patient in this fresh database yet: record, then ask.
    requests.post(f"{base}/alexa", json=_envelope("record_confirmed", alexa_api.url), timeout=10)
    envelope = _envelope("can_i_before_treatment_is_known", alexa_api.url)
    envelope["context"]["System"]["device"]["deviceId"] = "amzn1.ask.device.KOLKATA"
    # Recorded in New York (2 PM on Wednesday, 19:00 UTC); heard in Kolkata at 8:30 PM on Friday.
    answer = requests.post(f"{base}/alexa", json=envelope, timeout=10)
    assert _speech(answer) == "Not yet. Makeup is fine from 12:30 AM tomorrow, in 4 hours."


def test_by_default_the_served_endpoint_rejects_unsigned_requests(serve, alexa_api):
    base = serve()  # AFTERCARE_VERIFY_SIGNATURES unset
    response = requests.post(
        f"{base}/alexa", json=_envelope("launch_new_patient", alexa_api.url), timeout=10
    )
    assert response.status_code == 400
    assert "Traceback" not in response.text
    assert response.json()["error"]


def test_bad_input_over_the_socket_is_a_400_with_a_reason(serve):
    base = serve(AFTERCARE_VERIFY_SIGNATURES="0")
    response = requests.post(f"{base}/alexa", data=b"{not json", timeout=10)
    assert response.status_code == 400
    assert response.json() == {"error": "body is not valid JSON"}
    too_big = requests.post(f"{base}/alexa", data=b"x" * (300 * 1024), timeout=10)
    assert too_big.status_code == 413
