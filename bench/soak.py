"""Soak: forged and valid Alexa traffic at once, against the served skill on 127.0.0.1.

    .venv/bin/python bench/soak.py [--clients 64] [--requests 3200]

The skill runs as `aftercare serve` runs it (waitress with skill.server's limits),
in this process, with signatures verified against the project's test CA
(tests/alexa_test_ca.py) and the Settings API played by the test stand-in. The chain
URL Alexa's requests name downloads at once; every other well-formed chain URL
behaves like a black-holed S3: the download hangs until its deadline.

A fixed number of requests, spread over the clients, mixes valid signed requests
with forgeries (a junk signature on the real chain URL or on a new URL each time, a
tampered body, a stale timestamp, another skill's id, no signature, JSON nested
100,000 deep, a 5,000-digit number, an oversized body). Meanwhile a monitor asks
GET /healthz every 100 ms. At the end it reports each kind's statuses, the 500s
(must be 0), the p50/p99 of the valid requests, and /healthz latency throughout.
It exits 1 if any request got a 500 or a valid request was refused. Loopback only,
bounded in count and time; never part of the test suite.
"""

from __future__ import annotations

import argparse
import base64
import itertools
import json
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))

import requests  # noqa: E402
import waitress  # noqa: E402

from skill.alexa.verification import VerificationException  # noqa: E402
from skill.app import create_app  # noqa: E402
from skill.server import ServerLimits  # noqa: E402
from skill.store import get_store  # noqa: E402
from tests import alexa_test_ca  # noqa: E402
from tests.conftest import DEVICE_ZONES, SECRET_KEY, SKILL_ID, record_patients  # noqa: E402
from tests.standin_alexa_api import StandInAlexaApi  # noqa: E402

REQUESTS = Path(__file__).parents[1] / "tests" / "requests"
VALID_REQUESTS = [
    "launch_treated_patient",
    "can_i_makeup_a_minute_before",
    "can_i_swim_on_saturday",
    "avoid_now",
    "next_session",
    "fact_results",
    "record_confirmed",
]
HEALTH_INTERVAL_SECONDS = 0.1
RUN_LIMIT_SECONDS = 600  # the clients stop sending after this, whatever is left


def _black_holed_s3(url: str) -> bytes:
    """Amazon's chain URL answers; any other hangs until the download deadline, as a
    black-holed S3 would."""
    if url == alexa_test_ca.CHAIN_URL:
        return alexa_test_ca.valid_identity().chain_pem
    time.sleep(2.0)  # AFTERCARE_CERT_FETCH_TIMEOUT's default
    raise VerificationException("could not fetch the signing certificate chain")


def _envelope(name: str, api_url: str) -> dict:
    envelope = json.loads((REQUESTS / f"{name}.json").read_text("utf-8"))
    envelope["context"]["System"]["apiEndpoint"] = api_url
    # Fresh, so that the timestamp check passes against the real clock.
    envelope["request"]["timestamp"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    envelope["request"]["requestId"] = f"amzn1.echo-api.request.{uuid.uuid4()}"
    return envelope


def _signed(body: bytes, chain_url: str = alexa_test_ca.CHAIN_URL) -> dict[str, str]:
    return {"Content-Type": "application/json", **alexa_test_ca.sign_request(body, chain_url)}


def _junk_signature() -> str:
    return base64.b64encode(b"\x01" * 256).decode("ascii")


def _request(kind: str, number: int, api_url: str) -> tuple[bytes, dict[str, str], int]:
    """The body, headers and expected status of request ``number`` of this kind."""
    envelope = _envelope(VALID_REQUESTS[number % len(VALID_REQUESTS)], api_url)
    body = json.dumps(envelope).encode("utf-8")
    if kind == "valid":
        return body, _signed(body), 200
    if kind == "junk signature, real URL":
        return body, {**_signed(body), "Signature-256": _junk_signature()}, 400
    if kind == "junk signature, new URL":
        url = f"https://s3.amazonaws.com/echo.api/forged-{uuid.uuid4().hex}.pem"
        return body, {**_signed(body, url), "Signature-256": _junk_signature()}, 400
    if kind == "tampered body":
        return body.replace(b"en-US", b"en-GB"), _signed(body), 400
    if kind == "stale timestamp":
        envelope["request"]["timestamp"] = "2020-01-01T00:00:00Z"
        stale = json.dumps(envelope).encode("utf-8")
        return stale, _signed(stale), 400
    if kind == "another skill":
        for part in (envelope["session"], envelope["context"]["System"]):
            part["application"]["applicationId"] = "amzn1.ask.skill.someone-else"
        other = json.dumps(envelope).encode("utf-8")
        return other, _signed(other), 400
    if kind == "unsigned":
        return body, {"Content-Type": "application/json"}, 400
    if kind == "nested 100000 deep":
        return b"[" * 100_000 + b"]" * 100_000, {"Content-Type": "application/json"}, 400
    if kind == "5000-digit number":
        return b'{"version": ' + b"9" * 5_000 + b"}", {"Content-Type": "application/json"}, 400
    if kind == "oversized body":
        return b" " * (300 * 1024), {"Content-Type": "application/json"}, 413
    raise ValueError(kind)


# Half the traffic is valid; the rest is every forgery in turn.
KINDS = ["valid"] * 9 + [
    "junk signature, real URL",
    "junk signature, new URL",
    "tampered body",
    "stale timestamp",
    "another skill",
    "unsigned",
    "nested 100000 deep",
    "5000-digit number",
    "oversized body",
]


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--requests", type=int, default=3200, help="in all, over the clients")
    options = parser.parse_args()

    # Made once here: the test CA makes its keys on first use, and 64 threads at once
    # would each make their own.
    alexa_test_ca.sign_request(b"warm up")
    with tempfile.TemporaryDirectory() as directory, StandInAlexaApi(DEVICE_ZONES) as alexa_api:
        app = create_app(
            {
                "DATABASE_URL": f"sqlite:///{directory}/soak.sqlite3",
                "SKILL_ID": SKILL_ID,
                "SECRET_KEY": SECRET_KEY,
                "VERIFY_SIGNATURES": True,
                "TRUST_STORE": alexa_test_ca.trust_store,
                "FETCH_CERT_CHAIN": _black_holed_s3,
                "CA_BUNDLE": alexa_api.ca_bundle_path,
            }
        )
        store = get_store(app)
        record_patients(store)
        limits = ServerLimits.from_config(app.config)
        server = waitress.create_server(app, host="127.0.0.1", port=0, **limits.waitress_settings())
        threading.Thread(target=server.run, daemon=True).start()
        base = f"http://127.0.0.1:{server.effective_port}"

        numbers = itertools.count()
        numbers_lock = threading.Lock()
        statuses: dict[str, Counter] = defaultdict(Counter)
        unexpected: Counter = Counter()
        valid_seconds: list[float] = []
        health_seconds: list[float] = []
        health_failures: Counter = Counter()
        results_lock = threading.Lock()
        done = threading.Event()
        stop_at = time.monotonic() + RUN_LIMIT_SECONDS

        def client() -> None:
            session = requests.Session()
            while time.monotonic() < stop_at:
                with numbers_lock:
                    number = next(numbers)
                if number >= options.requests:
                    return
                kind = KINDS[number % len(KINDS)]
                body, headers, expected = _request(kind, number, alexa_api.url)
                started = time.perf_counter()
                try:
                    status = session.post(
                        f"{base}/alexa", data=body, headers=headers, timeout=30
                    ).status_code
                except requests.RequestException as error:
                    status = type(error).__name__
                elapsed = time.perf_counter() - started
                with results_lock:
                    statuses[kind][status] += 1
                    if status != expected:
                        unexpected[(kind, status)] += 1
                    if kind == "valid":
                        valid_seconds.append(elapsed)

        def monitor() -> None:
            session = requests.Session()
            while not done.is_set():
                started = time.perf_counter()
                try:
                    status = session.get(f"{base}/healthz", timeout=30).status_code
                except requests.RequestException as error:
                    status = type(error).__name__
                health_seconds.append(time.perf_counter() - started)
                if status != 200:
                    health_failures[status] += 1
                done.wait(HEALTH_INTERVAL_SECONDS)

        started = time.perf_counter()
        watcher = threading.Thread(target=monitor)
        watcher.start()
        clients = [threading.Thread(target=client) for _ in range(options.clients)]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join()
        done.set()
        watcher.join()
        wall = time.perf_counter() - started
        store.dispose()

    sent = sum(sum(counter.values()) for counter in statuses.values())
    server_errors = sum(counter[500] for counter in statuses.values())
    print(f"{sent} requests from {options.clients} clients in {wall:.1f} s")
    for kind in dict.fromkeys(KINDS):
        shown = ", ".join(
            f"{status}: {count}" for status, count in sorted(statuses[kind].items(), key=str)
        )
        print(f"  {kind:26} {shown}")
    print(f"500s: {server_errors} (must be 0)")
    print(
        f"valid requests: p50 {_percentile(valid_seconds, 0.5) * 1000:.0f} ms, "
        f"p99 {_percentile(valid_seconds, 0.99) * 1000:.0f} ms, "
        f"max {max(valid_seconds, default=float('nan')) * 1000:.0f} ms"
    )
    print(
        f"/healthz ({len(health_seconds)} asked): "
        f"p50 {_percentile(health_seconds, 0.5) * 1000:.0f} ms, "
        f"p99 {_percentile(health_seconds, 0.99) * 1000:.0f} ms, "
        f"max {max(health_seconds, default=float('nan')) * 1000:.0f} ms, "
        f"not 200: {dict(health_failures) or 0}"
    )
    if unexpected:
        print("unexpected statuses:", dict(unexpected))
    refused_valid = sum(count for (kind, _), count in unexpected.items() if kind == "valid")
    return 1 if server_errors or refused_valid else 0


if __name__ == "__main__":
    sys.exit(main())
