"""Whole Alexa requests in, whole responses out: tests/requests/NAME.json is
replayed through the Flask test client and must give NAME.expected.json.

After a deliberate change of wording, rewrite the expectations with
``AFTERCARE_UPDATE_GOLDEN=1 pytest tests/test_golden_requests.py`` and read
the diff before committing it.
"""

import json
import os
from pathlib import Path

import pytest

REQUESTS = Path(__file__).parent / "requests"
CASES = sorted(p for p in REQUESTS.glob("*.json") if not p.name.endswith(".expected.json"))


def replay(client, alexa_api, request_path: Path) -> dict:
    envelope = json.loads(request_path.read_text("utf-8"))
    # The recorded requests name Amazon's API; the stand-in answers for it here.
    envelope["context"]["System"]["apiEndpoint"] = alexa_api.url
    response = client.post("/alexa", json=envelope)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    body.pop("userAgent", None)  # names library versions, not behaviour
    return body


@pytest.mark.parametrize("request_path", CASES, ids=[p.stem for p in CASES])
def test_golden_request(client, alexa_api, request_path):
    actual = replay(client, alexa_api, request_path)
    expected_path = request_path.with_name(f"{request_path.stem}.expected.json")
    if os.environ.get("AFTERCARE_UPDATE_GOLDEN") == "1":
        expected_path.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n", "utf-8")
    assert expected_path.exists(), (
        "no expectation; run with AFTERCARE_UPDATE_GOLDEN=1 and review it"
    )
    assert actual == json.loads(expected_path.read_text("utf-8"))


def test_every_golden_request_has_an_expectation():
    expected = {p.name.removesuffix(".expected.json") for p in REQUESTS.glob("*.expected.json")}
    assert expected == {p.stem for p in CASES}
