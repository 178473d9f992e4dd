"""What request verification adds to a whole request, measured in one run.

    .venv/bin/python bench/bench_verification.py [--requests 2000]

The same activity question, each figure the median of interleaved rounds, on
a warm chain cache:
  baseline   the whole request through the app with verification off
  verified   the whole request through the app with verification on
  verifiers  the three verifiers alone (signature, timestamp, skill id)
each whole request twice: in process through Flask's test client (no server,
no socket: the hardest case for the ratio), and over HTTP on 127.0.0.1 through
waitress, as `aftercare serve` answers Alexa. Then the ratios that matter.
Goal: verification adds under 10% to a whole request. Timing only; never run
as part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))

import requests  # noqa: E402
import waitress  # noqa: E402
from ask_sdk_core.serialize import DefaultSerializer  # noqa: E402
from ask_sdk_model import RequestEnvelope  # noqa: E402

from skill.alexa.endpoint import build_verifiers  # noqa: E402
from skill.app import create_app  # noqa: E402
from skill.store import SelfReportedPatients, get_store  # noqa: E402
from tests import alexa_test_ca  # noqa: E402
from tests.conftest import PATIENT_TREATMENTS, SECRET_KEY, SKILL_ID  # noqa: E402

ROUNDS = 7
REQUEST = Path(__file__).parents[1] / "tests" / "requests" / "can_i_makeup_a_minute_before.json"


def _signed_request() -> tuple[bytes, dict[str, str]]:
    envelope = json.loads(REQUEST.read_text("utf-8"))
    envelope["request"]["timestamp"] = alexa_test_ca.ISSUED_AT.strftime("%Y-%m-%dT%H:%M:%SZ")
    # No API token: the device's zone is not fetched, so the network stays out of it.
    envelope["context"]["System"].pop("apiAccessToken")
    body = json.dumps(envelope).encode("utf-8")
    return body, {"Content-Type": "application/json", **alexa_test_ca.sign_request(body)}


def _app(directory: str, verify: bool):
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{directory}/bench-{verify}.sqlite3",
            "SKILL_ID": SKILL_ID,
            "SECRET_KEY": SECRET_KEY,
            "VERIFY_SIGNATURES": verify,
            "TRUST_STORE": alexa_test_ca.trust_store,
            "FETCH_CERT_CHAIN": lambda url: alexa_test_ca.valid_identity().chain_pem,
            "CLOCK": lambda: alexa_test_ca.ISSUED_AT,
        }
    )
    with get_store(app).session() as session:
        SelfReportedPatients(session).record_histories(PATIENT_TREATMENTS)
        session.commit()
    return app


def _per_call_seconds(calls: dict[str, Callable[[], None]], count: int) -> dict[str, float]:
    """Median seconds per call of each, measured in interleaved rounds so that a
    noisy neighbour slows every contender alike."""
    for call in calls.values():
        call()  # warm caches: the chain, the device zone, the sheet
    rounds: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(ROUNDS):
        for name, call in calls.items():
            started = time.perf_counter()
            for _ in range(count):
                call()
            rounds[name].append((time.perf_counter() - started) / count)
    return {name: statistics.median(times) for name, times in rounds.items()}


def _served(app) -> str:
    """Serves the app with waitress on a free port, in a daemon thread; returns its URL."""
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    return f"http://127.0.0.1:{server.effective_port}/alexa"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per round")
    count = parser.parse_args().requests
    body, headers = _signed_request()

    with tempfile.TemporaryDirectory() as directory:
        baseline_app, verified_app = _app(directory, verify=False), _app(directory, verify=True)
        baseline_client, verified_client = baseline_app.test_client(), verified_app.test_client()
        baseline_url, verified_url = _served(baseline_app), _served(verified_app)
        http = requests.Session()  # keep-alive, as Alexa's connections are

        def post(client):
            response = client.post("/alexa", data=body, headers=headers)
            assert response.status_code == 200, response.get_data(as_text=True)

        def post_http(url):
            response = http.post(url, data=body, headers=headers, timeout=10)
            assert response.status_code == 200, response.text

        verifiers = build_verifiers(
            verify_signatures=True,
            skill_id=SKILL_ID,
            trust_store=alexa_test_ca.trust_store,
            fetch_chain=lambda url: alexa_test_ca.valid_identity().chain_pem,
            clock=lambda: alexa_test_ca.ISSUED_AT,
        )
        text = body.decode("utf-8")
        envelope = DefaultSerializer().deserialize(payload=text, obj_type=RequestEnvelope)

        def verify_only():
            for verifier in verifiers:
                verifier.verify(headers, text, envelope)

        in_process = _per_call_seconds(
            {
                "baseline": lambda: post(baseline_client),
                "verified": lambda: post(verified_client),
                "verifiers": verify_only,
            },
            count,
        )
        over_http = _per_call_seconds(
            {
                "baseline": lambda: post_http(baseline_url),
                "verified": lambda: post_http(verified_url),
            },
            count // 2,
        )

    verification = in_process["verifiers"]
    for name, seconds in (("in process", in_process), ("over HTTP", over_http)):
        baseline, verified = seconds["baseline"], seconds["verified"]
        print(f"{name}:")
        print(f"  baseline  whole request, verification off: {baseline * 1e6:8.1f} µs")
        print(f"  verified  whole request, verification on:  {verified * 1e6:8.1f} µs")
        print(f"  ratio verified / baseline:  {verified / baseline:.3f}  (goal < 1.10)")
        print(f"  ratio verifiers / baseline: {verification / baseline:.3f}  (goal < 0.10)")
    print(f"verifiers alone, warm chain cache: {verification * 1e6:.1f} µs")


if __name__ == "__main__":
    main()
