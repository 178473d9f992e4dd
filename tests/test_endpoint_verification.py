"""Only Alexa gets in: whole signed requests through the app, as Alexa sends them."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from skill.app import create_app
from skill.store import get_store
from tests import alexa_test_ca
from tests.conftest import SKILL_ID

REQUESTS = Path(__file__).parent / "requests"
NOW = alexa_test_ca.ISSUED_AT


def _body(name: str = "fact_cost", **request_changes) -> bytes:
    envelope = json.loads((REQUESTS / f"{name}.json").read_text("utf-8"))
    envelope["request"]["timestamp"] = NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
    envelope["request"].update(request_changes)
    return json.dumps(envelope).encode("utf-8")


@pytest.fixture
def fetched_urls():
    return []


@pytest.fixture
def verifying_client(tmp_path, fetched_urls):
    def fetch_chain(url: str) -> bytes:
        fetched_urls.append(url)
        return alexa_test_ca.valid_identity().chain_pem

    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'verified.sqlite3'}",
            "SKILL_ID": SKILL_ID,
            "VERIFY_SIGNATURES": True,
            "TRUST_STORE": alexa_test_ca.trust_store,
            "FETCH_CERT_CHAIN": fetch_chain,
            "CLOCK": lambda: NOW,
        }
    )
    yield app.test_client()
    get_store(app).dispose()


def _post(client, body: bytes, headers: dict[str, str]):
    return client.post("/alexa", data=body, headers={"Content-Type": "application/json", **headers})


def test_a_signed_request_is_answered(verifying_client, fetched_urls):
    body = _body()
    response = _post(verifying_client, body, alexa_test_ca.sign_request(body))
    assert response.status_code == 200
    assert "depends on the size of the area" in response.json["response"]["outputSpeech"]["ssml"]
    # a second request reuses the verified chain
    second = _body(requestId="amzn1.echo-api.request.second")
    assert _post(verifying_client, second, alexa_test_ca.sign_request(second)).status_code == 200
    assert fetched_urls == [alexa_test_ca.CHAIN_URL]


def test_an_unsigned_request_is_refused(verifying_client):
    response = _post(verifying_client, _body(), {})
    assert response.status_code == 400
    assert "SignatureCertChainUrl" in response.json["error"]


def test_one_changed_byte_is_refused(verifying_client):
    body = _body()
    headers = alexa_test_ca.sign_request(body)
    tampered = body.replace(b"CostIntent", b"CostIntenT")
    response = _post(verifying_client, tampered, headers)
    assert response.status_code == 400
    assert "signature" in response.json["error"].lower()


def test_another_skills_request_is_refused_by_the_verifier_not_a_500(verifying_client):
    envelope = json.loads(_body())
    envelope["context"]["System"]["application"]["applicationId"] = "amzn1.ask.skill.someone-else"
    body = json.dumps(envelope).encode()
    response = _post(verifying_client, body, alexa_test_ca.sign_request(body))
    assert response.status_code == 400
    assert "skill" in response.json["error"].lower()


def test_a_replayed_old_request_is_refused(verifying_client):
    body = _body(timestamp="2026-01-01T00:00:00Z")
    response = _post(verifying_client, body, alexa_test_ca.sign_request(body))
    assert response.status_code == 400
    assert "timestamp" in response.json["error"].lower()


def test_a_bad_chain_url_is_refused_without_a_fetch(verifying_client, fetched_urls):
    body = _body()
    headers = alexa_test_ca.sign_request(body, chain_url="https://evil.example/echo.api/cert.pem")
    assert _post(verifying_client, body, headers).status_code == 400
    assert fetched_urls == []


def test_failures_are_logged_with_the_request_id_and_nothing_private(verifying_client, caplog):
    body = _body("can_i_makeup_a_minute_before")
    headers = alexa_test_ca.sign_request(body)
    tampered = body.replace(b"wear makeup", b"wear makeuq")
    with caplog.at_level(logging.INFO):
        _post(verifying_client, tampered, headers)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "amzn1.echo-api.request.can_i_makeup_a_minute_before" in logged
    for private in ("stand-in-token", "PATIENT-THURSDAY", "wear makeu", headers["Signature-256"]):
        assert private not in logged
