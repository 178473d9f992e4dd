"""Tests for skill.alexa.verification: Amazon's checks on requests to a web-service skill."""

from __future__ import annotations

import base64
import http.server
import json
import logging
import socket
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
import requests
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.x509.verification import Store
from werkzeug.datastructures import Headers

from skill.alexa import verification
from skill.alexa.verification import (
    SignatureVerifier,
    SkillIdVerifier,
    TimestampVerifier,
    VerificationException,
    default_trust_store,
    fetch_certificate_chain,
)
from tests import alexa_test_ca

SKILL_ID = "amzn1.ask.skill.11111111-2222-3333-4444-555555555555"
OTHER_SKILL_ID = "amzn1.ask.skill.99999999-8888-7777-6666-555555555555"
REQUEST_ID = "amzn1.echo-api.request.0d1f5c7e-test"
USER_ID = "amzn1.ask.account.SECRET-USER-ID"
API_ACCESS_TOKEN = "SECRET-API-ACCESS-TOKEN"
NOW = alexa_test_ca.ISSUED_AT


def request_body(
    *,
    request_type: str = "LaunchRequest",
    timestamp: datetime = NOW,
    context_application_id: str | None = SKILL_ID,
    session_application_id: str | None = SKILL_ID,
    extra_request_fields: dict | None = None,
) -> bytes:
    """A request envelope as Alexa sends it; an application id of None leaves that part out."""
    envelope: dict = {
        "version": "1.0",
        "request": {
            "type": request_type,
            "requestId": REQUEST_ID,
            "timestamp": timestamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "locale": "en-US",
            **(extra_request_fields or {}),
        },
    }
    if session_application_id is not None:
        envelope["session"] = {
            "new": True,
            "sessionId": "amzn1.echo-api.session.test",
            "application": {"applicationId": session_application_id},
            "user": {"userId": USER_ID},
        }
    if context_application_id is not None:
        envelope["context"] = {
            "System": {
                "application": {"applicationId": context_application_id},
                "user": {"userId": USER_ID},
                "device": {"deviceId": "amzn1.ask.device.test", "supportedInterfaces": {}},
                "apiEndpoint": "https://api.amazonalexa.com",
                "apiAccessToken": API_ACCESS_TOKEN,
            }
        }
    # Alexa sends non-ASCII text as raw UTF-8, not as \u escapes.
    return json.dumps(envelope, ensure_ascii=False).encode("utf-8")


def verify(verifier, body: bytes, headers=None) -> None:
    """Run ``verifier`` the way flask-ask-sdk does."""
    body_text = body.decode("utf-8")
    envelope = DefaultSerializer().deserialize(payload=body_text, obj_type=RequestEnvelope)
    verifier.verify(
        headers=headers if headers is not None else {},
        serialized_request_env=body_text,
        deserialized_request_env=envelope,
    )


class ChainServer:
    """A fake S3: serves the given chains in turn (the last one repeatedly), counting calls."""

    def __init__(self, *chains: bytes) -> None:
        self._chains = list(chains)
        self.requested_urls: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.requested_urls.append(url)
        return self._chains[min(len(self.requested_urls), len(self._chains)) - 1]


class MutableClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def signature_verifier(chain_server: ChainServer, clock=lambda: NOW) -> SignatureVerifier:
    return SignatureVerifier(alexa_test_ca.trust_store(), clock=clock, fetch_chain=chain_server)


def assert_rejected(verifier, body: bytes, headers=None, *, reason: str) -> None:
    with pytest.raises(VerificationException, match=reason):
        verify(verifier, body, headers)


# --- SignatureCertChainUrl -------------------------------------------------------------

ACCEPTED_CHAIN_URLS = [
    "https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
    "https://s3.amazonaws.com:443/echo.api/echo-api-cert.pem",
    "https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert.pem",
    "HTTPS://S3.AMAZONAWS.COM/echo.api/echo-api-cert.pem",
]

REJECTED_CHAIN_URLS = [
    "http://s3.amazonaws.com/echo.api/echo-api-cert.pem",
    "https://notamazon.com/echo.api/echo-api-cert.pem",
    "https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem",
    "https://s3.amazonaws.com/invalid.path/echo-api-cert.pem",
    "https://s3.amazonaws.com:563/echo.api/echo-api-cert.pem",
    "https://s3.amazonaws.com.evil.example/echo.api/x.pem",
    "https://s3.amazonaws.com@evil.example/echo.api/x.pem",
    "https://user@s3.amazonaws.com/echo.api/echo-api-cert.pem",
    "https://user:password@s3.amazonaws.com/echo.api/echo-api-cert.pem",
    "https://s3.amazonaws.com/echo.api/../other/x.pem",
    "https://s3.amazonaws.com/echo.api/%2e%2e/other/x.pem",
    "https://s3.amazonaws.com/echo.api/",
    "https://s3.amazonaws.com/echo.api/echo-api-cert.pem?versionId=1",
    "https://s3.amazonaws.com/echo.api/echo-api-cert.pem#fragment",
    "https://s3.amazonaws.com:notaport/echo.api/echo-api-cert.pem",
    " https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
    "https://s3.amazonaws.com/echo.api/echo-api-cert.pem\n",
    "https://s3.amazon\taws.com/echo.api/echo-api-cert.pem",
    "s3.amazonaws.com/echo.api/echo-api-cert.pem",
    "",
]


@pytest.mark.parametrize("chain_url", ACCEPTED_CHAIN_URLS)
def test_accepts_amazon_chain_urls(chain_url: str) -> None:
    chain_server = ChainServer(alexa_test_ca.valid_identity().chain_pem)
    body = request_body()

    verify(signature_verifier(chain_server), body, alexa_test_ca.sign_request(body, chain_url))

    assert chain_server.requested_urls == [chain_url]


@pytest.mark.parametrize("chain_url", REJECTED_CHAIN_URLS)
def test_rejects_other_chain_urls_without_fetching(chain_url: str) -> None:
    chain_server = ChainServer(alexa_test_ca.valid_identity().chain_pem)
    body = request_body()

    assert_rejected(
        signature_verifier(chain_server),
        body,
        alexa_test_ca.sign_request(body, chain_url),
        reason="SignatureCertChainUrl",
    )
    assert chain_server.requested_urls == []


def test_rejects_missing_chain_url_header() -> None:
    chain_server = ChainServer(alexa_test_ca.valid_identity().chain_pem)
    body = request_body()
    headers = alexa_test_ca.sign_request(body)
    del headers["SignatureCertChainUrl"]

    assert_rejected(
        signature_verifier(chain_server),
        body,
        headers,
        reason="SignatureCertChainUrl header is missing",
    )
    assert chain_server.requested_urls == []


# --- Headers ---------------------------------------------------------------------------


def test_finds_headers_in_any_case_in_a_plain_dict() -> None:
    body = request_body()
    headers = {name.lower(): value for name, value in alexa_test_ca.sign_request(body).items()}

    verify(signature_verifier(ChainServer(alexa_test_ca.valid_identity().chain_pem)), body, headers)


def test_accepts_werkzeug_headers() -> None:
    body = request_body()
    headers = Headers(
        [(name.upper(), value) for name, value in alexa_test_ca.sign_request(body).items()]
    )

    verify(signature_verifier(ChainServer(alexa_test_ca.valid_identity().chain_pem)), body, headers)


# --- Signature-256 ---------------------------------------------------------------------


def test_accepts_a_body_with_non_ascii_text() -> None:
    body = request_body(extra_request_fields={"note": "crème, café, 日本語"})
    assert not body.isascii()

    verify(
        signature_verifier(ChainServer(alexa_test_ca.valid_identity().chain_pem)),
        body,
        alexa_test_ca.sign_request(body),
    )


def test_rejects_legacy_sha1_signature_alone() -> None:
    identity = alexa_test_ca.valid_identity()
    body = request_body()
    sha1_signature = identity.private_key.sign(body, padding.PKCS1v15(), hashes.SHA1())
    headers = {
        "SignatureCertChainUrl": alexa_test_ca.CHAIN_URL,
        "Signature": base64.b64encode(sha1_signature).decode("ascii"),
    }

    assert_rejected(
        signature_verifier(ChainServer(identity.chain_pem)),
        body,
        headers,
        reason="Signature-256 header is missing",
    )


@pytest.mark.parametrize("signature", ["not base64!", "YWJj\n", "YWJjZA", "wrong-alphabet_="])
def test_rejects_signature_that_is_not_base64(signature: str) -> None:
    chain_server = ChainServer(alexa_test_ca.valid_identity().chain_pem)
    body = request_body()
    headers = {"SignatureCertChainUrl": alexa_test_ca.CHAIN_URL, "Signature-256": signature}

    assert_rejected(
        signature_verifier(chain_server),
        body,
        headers,
        reason="Signature-256 header is not valid base64",
    )
    assert chain_server.requested_urls == []


def test_rejects_body_with_one_changed_byte() -> None:
    body = request_body()
    headers = alexa_test_ca.sign_request(body)
    tampered = body.replace(b'"locale": "en-US"', b'"locale": "en-UT"')
    assert sum(a != b for a, b in zip(body, tampered)) == 1

    assert_rejected(
        signature_verifier(ChainServer(alexa_test_ca.valid_identity().chain_pem)),
        tampered,
        headers,
        reason="Signature-256 does not match the request body",
    )


def test_rejects_signature_by_another_key() -> None:
    body = request_body()
    headers = alexa_test_ca.sign_request(body)
    other_signature = alexa_test_ca.signing_ca().private_key.sign(
        body, padding.PKCS1v15(), hashes.SHA256()
    )
    headers["Signature-256"] = base64.b64encode(other_signature).decode("ascii")

    assert_rejected(
        signature_verifier(ChainServer(alexa_test_ca.valid_identity().chain_pem)),
        body,
        headers,
        reason="Signature-256 does not match the request body",
    )


# --- The certificate chain -------------------------------------------------------------


@pytest.mark.parametrize(
    ("identity", "reason"),
    [
        (alexa_test_ca.untrusted_identity, "not trusted for echo-api.amazon.com"),
        (alexa_test_ca.wrong_name_identity, "not trusted for echo-api.amazon.com"),
        (alexa_test_ca.expired_identity, "expired or not yet valid"),
        (alexa_test_ca.weak_key_identity, "RSA key of at least 2048 bits"),
    ],
    ids=["untrusted root", "wrong SAN", "expired leaf", "1024-bit key"],
)
def test_rejects_bad_signing_certificates(identity, reason: str) -> None:
    body = request_body()

    assert_rejected(
        signature_verifier(ChainServer(identity().chain_pem)),
        body,
        identity().sign_request(body),
        reason=reason,
    )


def test_rejects_non_rsa_signing_certificate() -> None:
    body = request_body()
    headers = {
        "SignatureCertChainUrl": alexa_test_ca.CHAIN_URL,
        "Signature-256": base64.b64encode(bytes(64)).decode("ascii"),
    }

    assert_rejected(
        signature_verifier(ChainServer(alexa_test_ca.ec_key_identity().chain_pem)),
        body,
        headers,
        reason="RSA key of at least 2048 bits",
    )


@pytest.mark.parametrize(
    "now",
    [
        alexa_test_ca.LEAF_NOT_VALID_AFTER + timedelta(seconds=1),
        alexa_test_ca.LEAF_NOT_VALID_BEFORE - timedelta(seconds=1),
    ],
    ids=["after not_valid_after", "before not_valid_before"],
)
def test_rejects_leaf_outside_its_validity(now: datetime) -> None:
    body = request_body()

    chain_server = ChainServer(alexa_test_ca.valid_identity().chain_pem)

    assert_rejected(
        signature_verifier(chain_server, clock=lambda: now),
        body,
        alexa_test_ca.sign_request(body),
        reason="expired or not yet valid",
    )


def test_rejects_leaf_without_its_intermediate() -> None:
    identity = alexa_test_ca.valid_identity()
    leaf_only = identity.certificate.public_bytes(serialization.Encoding.PEM)
    body = request_body()

    assert_rejected(
        signature_verifier(ChainServer(leaf_only)),
        body,
        identity.sign_request(body),
        reason="not trusted for echo-api.amazon.com",
    )


@pytest.mark.parametrize(
    "chain_pem",
    [
        b"",
        b"<html>Access Denied</html>",
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    ],
)
def test_rejects_chain_that_is_not_pem(chain_pem: bytes) -> None:
    body = request_body()

    assert_rejected(
        signature_verifier(ChainServer(chain_pem)),
        body,
        alexa_test_ca.sign_request(body),
        reason="not valid PEM",
    )


@pytest.mark.parametrize(
    "error", [requests.ConnectionError("no route"), OSError("reset"), RuntimeError("bug")]
)
def test_fails_closed_when_the_chain_cannot_be_fetched(error: Exception) -> None:
    def failing_fetch(url: str) -> bytes:
        raise error

    body = request_body()
    verifier = SignatureVerifier(
        alexa_test_ca.trust_store(), clock=lambda: NOW, fetch_chain=failing_fetch
    )

    assert_rejected(
        verifier,
        body,
        alexa_test_ca.sign_request(body),
        reason="^could not fetch the signing certificate chain$",
    )


def test_verifies_with_the_trust_store_it_was_given() -> None:
    other_roots = Store([alexa_test_ca.untrusted_identity().certificate])
    chain_server = ChainServer(alexa_test_ca.valid_identity().chain_pem)
    verifier = SignatureVerifier(other_roots, clock=lambda: NOW, fetch_chain=chain_server)
    body = request_body()

    assert_rejected(verifier, body, alexa_test_ca.sign_request(body), reason="not trusted")


# --- The chain cache -------------------------------------------------------------------


def test_fetches_a_chain_once_for_many_requests() -> None:
    chain_server = ChainServer(alexa_test_ca.valid_identity().chain_pem)
    verifier = signature_verifier(chain_server)

    for minute in range(20):
        body = request_body(timestamp=NOW + timedelta(minutes=minute))
        verify(verifier, body, alexa_test_ca.sign_request(body))

    assert chain_server.requested_urls == [alexa_test_ca.CHAIN_URL]


class FakeMonotonic:
    def __init__(self) -> None:
        self.seconds = 5_000.0

    def __call__(self) -> float:
        return self.seconds


def test_a_rejected_chain_is_remembered_for_a_while_then_fetched_again() -> None:
    chain_server = ChainServer(
        alexa_test_ca.untrusted_identity().chain_pem, alexa_test_ca.valid_identity().chain_pem
    )
    monotonic = FakeMonotonic()
    verifier = SignatureVerifier(
        alexa_test_ca.trust_store(),
        clock=lambda: NOW,
        fetch_chain=chain_server,
        retry_after_seconds=60,
        monotonic=monotonic,
    )
    body = request_body()

    for _ in range(200):
        assert_rejected(verifier, body, alexa_test_ca.sign_request(body), reason="not trusted")
    assert len(chain_server.requested_urls) == 1

    monotonic.seconds += 60
    verify(verifier, body, alexa_test_ca.sign_request(body))
    assert len(chain_server.requested_urls) == 2


def test_a_failed_download_is_remembered_per_url() -> None:
    fetched: list[str] = []

    def dead_s3(url: str) -> bytes:
        fetched.append(url)
        raise requests.ConnectionError("black hole")

    verifier = SignatureVerifier(
        alexa_test_ca.trust_store(), clock=lambda: NOW, fetch_chain=dead_s3
    )
    body = request_body()
    other_url = "https://s3.amazonaws.com/echo.api/other.pem"
    for _ in range(50):
        for url in (alexa_test_ca.CHAIN_URL, other_url):
            assert_rejected(
                verifier,
                body,
                alexa_test_ca.sign_request(body, url),
                reason="^could not fetch the signing certificate chain$",
            )
    assert fetched == [alexa_test_ca.CHAIN_URL, other_url]


class StallingChainServer:
    """A fake S3 that holds each download of a URL in ``stalled`` until released."""

    def __init__(self, stalled: set[str]) -> None:
        self.stalled = stalled
        self.release = threading.Event()
        self.requested_urls: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, url: str) -> bytes:
        with self._lock:
            self.requested_urls.append(url)
        if url in self.stalled:
            assert self.release.wait(PATIENCE_SECONDS), "the test never released the download"
        return alexa_test_ca.valid_identity().chain_pem

    def wait_until_asked_for(self, url: str) -> None:
        deadline = time.monotonic() + PATIENCE_SECONDS
        while url not in self.requested_urls:
            assert time.monotonic() < deadline, f"{url} was never fetched"
            time.sleep(0.01)


# Only a bug makes a request wait this long; it bounds how long a failing test hangs.
PATIENCE_SECONDS = 10
STALLED_URL = "https://s3.amazonaws.com/echo.api/stalled.pem"
CACHED_URL = "https://s3.amazonaws.com/echo.api/cached.pem"
OTHER_URL = "https://s3.amazonaws.com/echo.api/other.pem"


def _verify_in_thread(verifier, url: str, outcomes: dict) -> threading.Thread:
    def run() -> None:
        body = request_body()
        try:
            verify(verifier, body, alexa_test_ca.sign_request(body, url))
            outcomes.setdefault(url, []).append("verified")
        except VerificationException as rejection:
            outcomes.setdefault(url, []).append(str(rejection))

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def stalling_verifier(s3: StallingChainServer, max_waiting: int) -> SignatureVerifier:
    # Waiting longer than the test does: only the release ends a stalled download.
    return SignatureVerifier(
        alexa_test_ca.trust_store(),
        clock=lambda: NOW,
        fetch_chain=s3,
        max_waiting=max_waiting,
        patience_seconds=PATIENCE_SECONDS * 3,
    )


def test_a_stalled_download_holds_up_only_requests_for_its_url() -> None:
    s3 = StallingChainServer({STALLED_URL})
    verifier = stalling_verifier(s3, max_waiting=4)
    body = request_body()
    verify(verifier, body, alexa_test_ca.sign_request(body, CACHED_URL))
    outcomes: dict[str, list[str]] = {}

    stalled = [_verify_in_thread(verifier, STALLED_URL, outcomes)]
    try:
        s3.wait_until_asked_for(STALLED_URL)
        stalled += [_verify_in_thread(verifier, STALLED_URL, outcomes) for _ in range(2)]
        others = [
            _verify_in_thread(verifier, CACHED_URL, outcomes),
            _verify_in_thread(verifier, OTHER_URL, outcomes),
        ]
        for thread in others:
            thread.join(PATIENCE_SECONDS)
        assert outcomes == {CACHED_URL: ["verified"], OTHER_URL: ["verified"]}
        assert all(thread.is_alive() for thread in stalled)
    finally:
        s3.release.set()
        for thread in stalled:
            thread.join(PATIENCE_SECONDS)
    # Three requests for the stalled URL, one download of it.
    assert outcomes[STALLED_URL] == ["verified"] * 3
    assert s3.requested_urls.count(STALLED_URL) == 1


def test_requests_past_max_waiting_are_refused_at_once() -> None:
    s3 = StallingChainServer({STALLED_URL, OTHER_URL})
    verifier = stalling_verifier(s3, max_waiting=2)
    outcomes: dict[str, list[str]] = {}
    waiting = [_verify_in_thread(verifier, STALLED_URL, outcomes)]
    try:
        s3.wait_until_asked_for(STALLED_URL)
        waiting.append(_verify_in_thread(verifier, OTHER_URL, outcomes))
        s3.wait_until_asked_for(OTHER_URL)
        body = request_body()
        for url in (STALLED_URL, CACHED_URL):
            assert_rejected(
                verifier,
                body,
                alexa_test_ca.sign_request(body, url),
                reason="^too many requests are waiting for certificate downloads$",
            )
    finally:
        s3.release.set()
        for thread in waiting:
            thread.join(PATIENCE_SECONDS)
    assert outcomes == {STALLED_URL: ["verified"], OTHER_URL: ["verified"]}
    assert CACHED_URL not in s3.requested_urls


@pytest.mark.parametrize("max_waiting", [0, -1])
def test_signature_verifier_needs_room_for_a_waiting_request(max_waiting: int) -> None:
    with pytest.raises(ValueError):
        SignatureVerifier(alexa_test_ca.trust_store(), max_waiting=max_waiting)


def test_does_not_reuse_an_expired_cached_chain() -> None:
    chain_server = ChainServer(alexa_test_ca.valid_identity().chain_pem)
    clock = MutableClock(NOW)
    verifier = signature_verifier(chain_server, clock)
    body = request_body()
    verify(verifier, body, alexa_test_ca.sign_request(body))

    clock.now = alexa_test_ca.LEAF_NOT_VALID_AFTER + timedelta(seconds=1)

    assert_rejected(verifier, body, alexa_test_ca.sign_request(body), reason="expired")
    assert len(chain_server.requested_urls) == 2


def test_fetches_a_renewed_chain_when_the_cached_one_expires() -> None:
    renewed = alexa_test_ca.signing_ca().issue(
        not_valid_before=alexa_test_ca.LEAF_NOT_VALID_AFTER - timedelta(days=1),
        not_valid_after=alexa_test_ca.LEAF_NOT_VALID_AFTER + timedelta(days=30),
    )
    chain_server = ChainServer(alexa_test_ca.valid_identity().chain_pem, renewed.chain_pem)
    clock = MutableClock(NOW)
    verifier = signature_verifier(chain_server, clock)
    body = request_body()
    verify(verifier, body, alexa_test_ca.sign_request(body))

    clock.now = alexa_test_ca.LEAF_NOT_VALID_AFTER + timedelta(seconds=1)
    verify(verifier, body, renewed.sign_request(body))
    verify(verifier, body, renewed.sign_request(body))

    assert len(chain_server.requested_urls) == 2


def test_cache_holds_a_bounded_number_of_chains() -> None:
    chain_server = ChainServer(alexa_test_ca.valid_identity().chain_pem)
    verifier = signature_verifier(chain_server)
    body = request_body()
    urls = [
        f"https://s3.amazonaws.com/echo.api/cert-{index}.pem"
        for index in range(verification.MAX_CACHED_CHAINS + 1)
    ]

    for url in urls:
        verify(verifier, body, alexa_test_ca.sign_request(body, url))
    for url in urls[1:]:
        verify(verifier, body, alexa_test_ca.sign_request(body, url))
    assert len(chain_server.requested_urls) == len(urls)

    # The first URL was evicted to make room for the last one.
    verify(verifier, body, alexa_test_ca.sign_request(body, urls[0]))
    assert chain_server.requested_urls[-1] == urls[0]
    assert len(chain_server.requested_urls) == len(urls) + 1


def test_concurrent_first_requests_fetch_the_chain_once() -> None:
    thread_count = 8
    chain_server = ChainServer(alexa_test_ca.valid_identity().chain_pem)
    verifier = SignatureVerifier(
        alexa_test_ca.trust_store(),
        clock=lambda: NOW,
        fetch_chain=chain_server,
        max_waiting=thread_count,
    )
    body = request_body()
    headers = alexa_test_ca.sign_request(body)
    start = threading.Barrier(thread_count)
    failures: list[BaseException] = []

    def handle_request() -> None:
        start.wait()
        try:
            verify(verifier, body, headers)
        except BaseException as failure:  # noqa: BLE001 - reported by the main thread
            failures.append(failure)

    threads = [threading.Thread(target=handle_request) for _ in range(thread_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert chain_server.requested_urls == [alexa_test_ca.CHAIN_URL]


# --- Timestamp -------------------------------------------------------------------------

DAY_AND_TEN_SECONDS = 24 * 3600 + 10


@pytest.mark.parametrize("offset_seconds", [-150, -149, 0, 149, 150])
def test_accepts_request_timestamps_within_150_seconds(offset_seconds: int) -> None:
    body = request_body(timestamp=NOW + timedelta(seconds=offset_seconds))

    verify(TimestampVerifier(clock=lambda: NOW), body)


@pytest.mark.parametrize(
    "offset_seconds", [-151, 151, -3000, 3000, -DAY_AND_TEN_SECONDS, DAY_AND_TEN_SECONDS]
)
def test_rejects_request_timestamps_beyond_150_seconds(offset_seconds: int) -> None:
    body = request_body(timestamp=NOW + timedelta(seconds=offset_seconds))

    assert_rejected(TimestampVerifier(clock=lambda: NOW), body, reason="more than 150 seconds")


SKILL_ENABLED_FIELDS = {
    "eventCreationTime": "2026-01-01T00:00:00Z",
    "eventPublishingTime": "2026-01-01T00:00:00Z",
}


@pytest.mark.parametrize("offset_seconds", [-3600, -3000, -151, 151, 3000, 3600])
def test_accepts_skill_event_timestamps_within_an_hour(offset_seconds: int) -> None:
    body = request_body(
        request_type="AlexaSkillEvent.SkillEnabled",
        timestamp=NOW + timedelta(seconds=offset_seconds),
        extra_request_fields=SKILL_ENABLED_FIELDS,
    )

    verify(TimestampVerifier(clock=lambda: NOW), body)


@pytest.mark.parametrize("offset_seconds", [-3601, 3601, -DAY_AND_TEN_SECONDS, DAY_AND_TEN_SECONDS])
def test_rejects_skill_event_timestamps_beyond_an_hour(offset_seconds: int) -> None:
    body = request_body(
        request_type="AlexaSkillEvent.SkillEnabled",
        timestamp=NOW + timedelta(seconds=offset_seconds),
        extra_request_fields=SKILL_ENABLED_FIELDS,
    )

    assert_rejected(TimestampVerifier(clock=lambda: NOW), body, reason="more than 3600 seconds")


# --- Skill id --------------------------------------------------------------------------


def test_accepts_request_for_this_skill() -> None:
    verify(SkillIdVerifier(SKILL_ID), request_body())


def test_falls_back_to_the_session_application_id_without_context() -> None:
    verify(SkillIdVerifier(SKILL_ID), request_body(context_application_id=None))


@pytest.mark.parametrize(
    "body",
    [
        request_body(context_application_id=OTHER_SKILL_ID, session_application_id=OTHER_SKILL_ID),
        request_body(context_application_id=OTHER_SKILL_ID, session_application_id=SKILL_ID),
        request_body(context_application_id=None, session_application_id=OTHER_SKILL_ID),
    ],
    ids=["both other", "context other", "session other, no context"],
)
def test_rejects_request_for_another_skill(body: bytes) -> None:
    assert_rejected(SkillIdVerifier(SKILL_ID), body, reason="the request is for a different skill")


def test_rejects_request_without_application_id() -> None:
    body = request_body(context_application_id=None, session_application_id=None)

    assert_rejected(SkillIdVerifier(SKILL_ID), body, reason="the request has no application id")


@pytest.mark.parametrize("skill_id", ["", None])
def test_skill_id_verifier_needs_a_skill_id(skill_id) -> None:
    with pytest.raises(ValueError):
        SkillIdVerifier(skill_id)


# --- Logging ---------------------------------------------------------------------------


def test_logs_rejection_with_request_id_but_not_the_request(
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = request_body()
    headers = alexa_test_ca.sign_request(body)
    tampered = body.replace(b"en-US", b"en-GB")
    verifier = signature_verifier(ChainServer(alexa_test_ca.valid_identity().chain_pem))

    with caplog.at_level(logging.WARNING, logger="skill.alexa.verification"):
        with pytest.raises(VerificationException):
            verify(verifier, tampered, headers)

    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert REQUEST_ID in record.getMessage()
    assert "does not match the request body" in record.getMessage()
    for secret in (USER_ID, API_ACCESS_TOKEN, headers["Signature-256"], "BEGIN CERTIFICATE"):
        assert secret not in caplog.text


# --- Default trust store and fetcher ---------------------------------------------------


def test_default_trust_store_loads_certifi() -> None:
    assert isinstance(default_trust_store(), Store)


def test_default_trust_store_falls_back_to_the_system_bundle(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "certifi", None)

    assert isinstance(default_trust_store(), Store)


class _ChainHandler(http.server.BaseHTTPRequestHandler):
    responses = {
        "/chain.pem": (200, b"chain bytes"),
        "/largest.pem": (200, b"x" * (64 * 1024)),
        "/too-large.pem": (200, b"x" * (64 * 1024 + 1)),
        "/missing.pem": (404, b"Not Found"),
        "/moved.pem": (302, b""),
    }

    def do_GET(self) -> None:
        if self.path == "/trickle.pem":
            # Each byte of the headers well within a second of the last, for three seconds.
            answer = b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\nX-Padding: " + b"x" * 40
            try:
                for index in range(len(answer)):
                    time.sleep(3 / len(answer))
                    self.wfile.write(answer[index : index + 1])
                    self.wfile.flush()
                self.wfile.write(b"\r\n\r\nchain bytes")
            except OSError:
                pass  # the client gave up, as it should
            return
        status, payload = self.responses[self.path]
        self.send_response(status)
        if status == 302:
            self.send_header("Location", "/chain.pem")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args) -> None:
        """Keep test output quiet."""


@pytest.fixture(scope="module")
def chain_host() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ChainHandler)
    serving = threading.Thread(target=server.serve_forever)
    serving.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        serving.join()
        server.server_close()


@pytest.mark.parametrize(
    ("path", "expected"),
    [("/chain.pem", b"chain bytes"), ("/largest.pem", b"x" * 64 * 1024)],
)
def test_fetch_certificate_chain_returns_the_body(
    chain_host: str, path: str, expected: bytes
) -> None:
    assert fetch_certificate_chain(chain_host + path) == expected


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/missing.pem", "^could not fetch the signing certificate chain$"),
        ("/moved.pem", "^could not fetch the signing certificate chain$"),
        ("/too-large.pem", "^the signing certificate chain is too large$"),
    ],
)
def test_fetch_certificate_chain_rejects_bad_responses(
    chain_host: str, path: str, reason: str
) -> None:
    with pytest.raises(VerificationException, match=reason):
        fetch_certificate_chain(chain_host + path)


def test_fetch_certificate_chain_bounds_the_whole_download(chain_host: str) -> None:
    with pytest.raises(
        VerificationException, match="^could not fetch the signing certificate chain$"
    ):
        fetch_certificate_chain(chain_host + "/trickle.pem", deadline_seconds=0.5)


def test_fetch_certificate_chain_fails_closed_without_a_server() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed_port = unused.getsockname()[1]

    with pytest.raises(
        VerificationException, match="^could not fetch the signing certificate chain$"
    ):
        fetch_certificate_chain(f"http://127.0.0.1:{closed_port}/chain.pem")
