"""What the benchmarks share: the hello-world baseline, interleaved timing, percentiles.

The baseline is ask-sdk's own hello-world skill (its samples' handlers: launch, the
HelloWorldIntent, help, stop, session end, a catch-all exception handler), served by
flask-ask-sdk's SkillAdapter exactly as its documentation shows, signature and
timestamp checks off like the skill's own in these runs. Written here from the
samples' behaviour, not copied.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REQUESTS = ROOT / "tests" / "requests"


def hello_world_app():
    """ask-sdk's hello-world skill behind flask-ask-sdk, as a Flask app answering POST /."""
    from flask import Flask

    from skill.alexa import oscrypto_fix

    oscrypto_fix.install()  # flask-ask-sdk cannot be imported on OpenSSL 3.0.10+ without it

    from ask_sdk_core.dispatch_components import AbstractExceptionHandler, AbstractRequestHandler
    from ask_sdk_core.skill_builder import SkillBuilder
    from ask_sdk_core.utils import is_intent_name, is_request_type
    from flask_ask_sdk.skill_adapter import SkillAdapter

    class Launch(AbstractRequestHandler):
        def can_handle(self, handler_input):
            return is_request_type("LaunchRequest")(handler_input)

        def handle(self, handler_input):
            text = "Welcome, you can say Hello or Help. Which would you like to try?"
            return handler_input.response_builder.speak(text).ask(text).response

    class HelloWorld(AbstractRequestHandler):
        def can_handle(self, handler_input):
            return is_intent_name("HelloWorldIntent")(handler_input)

        def handle(self, handler_input):
            return handler_input.response_builder.speak("Hello World!").response

    class Help(AbstractRequestHandler):
        def can_handle(self, handler_input):
            return is_intent_name("AMAZON.HelpIntent")(handler_input)

        def handle(self, handler_input):
            text = "You can say hello to me! How can I help?"
            return handler_input.response_builder.speak(text).ask(text).response

    class Stop(AbstractRequestHandler):
        def can_handle(self, handler_input):
            return is_intent_name("AMAZON.CancelIntent")(handler_input) or is_intent_name(
                "AMAZON.StopIntent"
            )(handler_input)

        def handle(self, handler_input):
            return handler_input.response_builder.speak("Goodbye!").response

    class SessionEnded(AbstractRequestHandler):
        def can_handle(self, handler_input):
            return is_request_type("SessionEndedRequest")(handler_input)

        def handle(self, handler_input):
            return handler_input.response_builder.response

    class CatchAll(AbstractExceptionHandler):
        def can_handle(self, handler_input, exception):
            return True

        def handle(self, handler_input, exception):
            text = "Sorry, I had trouble doing what you asked. Please try again."
            return handler_input.response_builder.speak(text).ask(text).response

    builder = SkillBuilder()
    for handler in (Launch(), HelloWorld(), Help(), Stop(), SessionEnded()):
        builder.add_request_handler(handler)
    builder.add_exception_handler(CatchAll())
    app = Flask("hello_world")
    app.config["ASK_SDK_VERIFY_SIGNATURE"] = False
    app.config["ASK_SDK_VERIFY_TIMESTAMP"] = False
    adapter = SkillAdapter(skill=builder.create(), skill_id="hello", app=app)
    adapter.register(app=app, route="/")
    return app


def hello_world_request() -> bytes:
    """A HelloWorldIntent request, shaped like the skill's own recorded requests."""
    envelope = json.loads((REQUESTS / "can_i_makeup_a_minute_before.json").read_text("utf-8"))
    envelope["request"]["intent"] = {"name": "HelloWorldIntent", "confirmationStatus": "NONE"}
    return json.dumps(envelope).encode("utf-8")


def bare_flask_app():
    """The floor: Flask reads the JSON body and answers a fixed Alexa response."""
    from flask import Flask, jsonify, request

    app = Flask("bare")
    answer = {
        "version": "1.0",
        "response": {"outputSpeech": {"type": "SSML", "ssml": "<speak>Hello World!</speak>"}},
    }

    @app.post("/")
    def bare():
        request.get_json()
        return jsonify(answer)

    return app


def per_call_seconds(
    calls: dict[str, Callable[[], None]],
    count: int,
    rounds: int,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, list[float]]:
    """Seconds per call of each contender, one figure per round. Rounds interleave the
    contenders, so a noisy neighbour slows each alike. With ``clock=time.thread_time``
    the figures are the calling thread's CPU time: steady however busy the machine is,
    but blind to time spent waiting (on a database server, say)."""
    for call in calls.values():
        for _ in range(max(1, count // 10)):
            call()  # warm: caches, pools, lazy imports
    measured: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            started = clock()
            for _ in range(count):
                call()
            measured[name].append((clock() - started) / count)
    return measured


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def ratio_range(numerators: list[float], denominators: list[float]) -> tuple[float, float, float]:
    """Per-round ratios (rounds are paired): the median, lowest and highest."""
    ratios = [a / b for a, b in zip(numerators, denominators, strict=True)]
    return statistics.median(ratios), min(ratios), max(ratios)


def serve_hello_world(port: int, workers: int) -> None:
    """Serves the hello-world skill as `aftercare serve` serves the skill: the same
    waitress limits, the same worker processes on one listening socket."""
    from skill import config
    from skill.server import ServerLimits, listen, serve_workers

    limits = ServerLimits.from_config(config.from_environment({}, "/nowhere"))
    serve_workers(hello_world_app, listen("127.0.0.1", port), limits, workers)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_health(url: str, process, seconds: float = 30) -> None:
    """Waits until ``url`` answers 200 (or 405: a POST-only route is up)."""
    import requests

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited early ({process.returncode})")
        try:
            if requests.get(url, timeout=1).status_code in (200, 405):
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.05)
    raise SystemExit(f"{url} never answered")


if __name__ == "__main__":
    import sys

    # python bench/common.py hello PORT WORKERS: the hello-world skill, served.
    sys.path.insert(0, str(ROOT))
    serve_hello_world(int(sys.argv[2]), int(sys.argv[3]))
