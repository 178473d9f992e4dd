"""Per request in process: the skill's full answer against ask-sdk's hello-world skill.

    .venv/bin/python bench/bench_request.py [--requests 2000] [--rounds 9] [--profile]

Three contenders through Flask's test client (no server, no socket), in interleaved
rounds, each round's figure the mean of --requests calls, in this thread's CPU time:
  bare        Flask alone: read the JSON body, answer a fixed response (the floor)
  hello       ask-sdk's hello-world skill through flask-ask-sdk (bench/common.py)
  aftercare   "can I wear makeup?" answered in full: shape check, ask-sdk dispatch,
              the patient found in the store (SQLite), the device's zone (cached after
              the first call, from a stand-in Settings API), the core's words
Ratios are per round (the rounds are paired), reported as median and range.
Goal: aftercare / hello <= 1.2. --profile runs pyinstrument over the aftercare
request instead and prints where its time goes. Never part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    REQUESTS,
    bare_flask_app,
    hello_world_app,
    hello_world_request,
    per_call_seconds,
    ratio_range,
)
from skill.app import create_app  # noqa: E402
from skill.store import get_store  # noqa: E402
from tests.conftest import DEVICE_ZONES, SECRET_KEY, SKILL_ID, record_patients  # noqa: E402
from tests.standin_alexa_api import StandInAlexaApi  # noqa: E402

QUESTION = "can_i_makeup_a_minute_before"


def aftercare_app(directory: str, database_url: str | None = None, ca_bundle: str | None = None):
    app = create_app(
        {
            "DATABASE_URL": database_url or f"sqlite:///{directory}/bench.sqlite3",
            "SKILL_ID": SKILL_ID,
            "SECRET_KEY": SECRET_KEY,
            "VERIFY_SIGNATURES": False,
            "CA_BUNDLE": ca_bundle,
        }
    )
    record_patients(get_store(app))
    return app


def question(api_url: str, name: str = QUESTION) -> bytes:
    envelope = json.loads((REQUESTS / f"{name}.json").read_text("utf-8"))
    envelope["context"]["System"]["apiEndpoint"] = api_url
    return json.dumps(envelope).encode("utf-8")


def poster(client, path: str, body: bytes, expected_speech: str | None = None):
    headers = {"Content-Type": "application/json"}

    def post() -> None:
        response = client.post(path, data=body, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)

    response = client.post(path, data=body, headers=headers)
    if expected_speech is not None:
        assert expected_speech in response.get_json()["response"]["outputSpeech"]["ssml"]
    return post


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="calls per round")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--profile", action="store_true", help="profile the aftercare request")
    parser.add_argument("--all", action="store_true", help="with --profile: library frames too")
    parser.add_argument(
        "--wall",
        action="store_true",
        help="wall-clock time instead of the thread's CPU time (includes waiting for a core)",
    )
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as directory, StandInAlexaApi(DEVICE_ZONES) as alexa_api:
        app = aftercare_app(directory, ca_bundle=alexa_api.ca_bundle_path)
        aftercare = poster(
            app.test_client(), "/alexa", question(alexa_api.url), "Makeup is fine from 3 PM"
        )
        if options.profile:
            from pyinstrument import Profiler

            for _ in range(200):
                aftercare()
            with Profiler(interval=0.0002) as profiler:
                for _ in range(options.requests):
                    aftercare()
            print(profiler.output_text(unicode=True, color=False, show_all=options.all))
            return
        calls = {
            "bare": poster(bare_flask_app().test_client(), "/", hello_world_request()),
            "hello": poster(hello_world_app().test_client(), "/", hello_world_request(), "Hello"),
            "aftercare": aftercare,
        }
        # Everything here runs in this thread (SQLite too), so its CPU time is the cost,
        # undisturbed by other processes on the machine; --wall shows the same with waiting.
        clock = time.perf_counter if options.wall else time.thread_time
        seconds = per_call_seconds(calls, options.requests, options.rounds, clock)
        get_store(app).dispose()

    measured = "wall-clock time" if options.wall else "the thread's CPU time"
    print(f"in process, {options.rounds} rounds of {options.requests} calls each ({measured}):")
    for name, figures in seconds.items():
        print(
            f"  {name:10} median {statistics.median(figures) * 1e3:.3f} ms "
            f"(rounds {min(figures) * 1e3:.3f}–{max(figures) * 1e3:.3f})"
        )
    for name, goal in (("aftercare", " (goal <= 1.20)"), ("bare", "")):
        median, low, high = ratio_range(seconds[name], seconds["hello"])
        print(f"  ratio {name} / hello: {median:.2f} (rounds {low:.2f}–{high:.2f}){goal}")


if __name__ == "__main__":
    main()
