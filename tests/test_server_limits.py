"""``aftercare serve`` under attack and faults, over real sockets: idle and half-sent
connections, a port already taken, SIGTERM with requests in flight."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from tests.conftest import AFTERCARE, SECRET_KEY, SKILL_ID, STARTUP_SECONDS, _free_port
from tests.standin_alexa_api import StandInAlexaApi

REQUESTS = Path(__file__).parent / "requests"
IN_FLIGHT = re.compile(r"stopping: finishing (\d+) request\(s\) in flight")
# Only a bug makes anything here wait this long; it bounds how long a failing test hangs.
PATIENCE_SECONDS = 20


class ServedSkill:
    """``aftercare serve`` in a process of its own, its output in a file."""

    def __init__(self, directory: Path, **environment: str) -> None:
        if not AFTERCARE.exists():
            pytest.skip(f"the aftercare console script is not installed beside {sys.executable}")
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = directory / f"serve-{self.port}.log"
        env = {
            **os.environ,
            "AFTERCARE_DATABASE_URL": f"sqlite:///{directory / f'served-{self.port}.sqlite3'}",
            "AFTERCARE_SKILL_ID": SKILL_ID,
            "AFTERCARE_SECRET_KEY": SECRET_KEY,
            **environment,
        }
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                [str(AFTERCARE), "serve", "--port", str(self.port)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert self.process.poll() is None, f"aftercare serve exited early:\n{self.log()}"
            assert time.monotonic() < deadline, "aftercare serve did not answer /healthz in time"
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                time.sleep(0.1)

    def log(self) -> str:
        return self.log_path.read_text()

    def wait_for(self, logged: Callable[[str], bool]) -> None:
        deadline = time.monotonic() + PATIENCE_SECONDS
        while not logged(self.log()):
            assert time.monotonic() < deadline, f"never logged what was awaited:\n{self.log()}"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(PATIENCE_SECONDS)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The served skill with its default limits (and signatures verified)."""
    server = ServedSkill(tmp_path_factory.mktemp("served"))
    yield server
    server.stop()


def half_sent_connections(port: int, count: int) -> list[socket.socket]:
    """Connections that began a request and then said nothing more."""
    connections = []
    for _ in range(count):
        connection = socket.create_connection(("127.0.0.1", port), timeout=PATIENCE_SECONDS)
        connection.sendall(b"POST /alexa HTTP/1.1\r\nHost: x\r\nContent-Length: 900\r\n\r\n{")
        connections.append(connection)
    return connections


def test_idle_half_sent_connections_do_not_lock_out_healthz(served):
    # waitress's default limit is 100 connections: 150 such would leave none for anyone.
    connections = half_sent_connections(served.port, 150)
    try:
        response = requests.get(f"{served.url}/healthz", timeout=PATIENCE_SECONDS / 4)
        assert response.status_code == 200
    finally:
        for connection in connections:
            connection.close()


def test_a_deeply_nested_body_is_a_400_over_the_socket(served):
    body = b"[" * 100_000 + b"]" * 100_000
    response = requests.post(f"{served.url}/alexa", data=body, timeout=PATIENCE_SECONDS)
    assert response.status_code == 400
    assert response.json() == {"error": "body is nested too deeply"}
    assert "Traceback" not in served.log()


def test_an_idle_connection_is_closed_after_the_idle_timeout(tmp_path):
    server = ServedSkill(tmp_path, AFTERCARE_IDLE_TIMEOUT="1")
    try:
        [connection] = half_sent_connections(server.port, 1)
        with connection:
            # The server closes it (an empty read), long before this read would give up.
            assert connection.recv(1024) == b""
    finally:
        server.stop()


def test_serving_on_a_port_in_use_is_one_line_and_exit_1(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [str(AFTERCARE), "serve", "--port", str(port)],
            env={
                **os.environ,
                "AFTERCARE_DATABASE_URL": f"sqlite:///{tmp_path / 'taken.sqlite3'}",
                "AFTERCARE_SKILL_ID": SKILL_ID,
                "AFTERCARE_SECRET_KEY": SECRET_KEY,
            },
            capture_output=True,
            text=True,
            timeout=PATIENCE_SECONDS,
        )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1] == (
        f"Error: port {port} on 127.0.0.1 is already in use; stop what is using it, "
        "or choose another with --port"
    )


def test_sigterm_lets_requests_in_flight_finish_then_exits(tmp_path):
    devices = [f"amzn1.ask.device.IN-FLIGHT-{number}" for number in range(8)]
    with StandInAlexaApi(dict.fromkeys(devices, "Europe/Paris")) as alexa_api:
        releases = [alexa_api.hold(device) for device in devices]
        server = ServedSkill(
            tmp_path,
            AFTERCARE_VERIFY_SIGNATURES="0",
            AFTERCARE_ALEXA_API_TIMEOUT=str(PATIENCE_SECONDS),
            # However the kernel spreads the eight among the workers, each is answered.
            AFTERCARE_THREADS=str(len(devices)),
            REQUESTS_CA_BUNDLE=alexa_api.ca_bundle_path,
        )
        answers: dict[str, requests.Response | Exception] = {}

        def ask(device: str) -> None:
            envelope = json.loads((REQUESTS / "record_confirmed.json").read_text())
            envelope["context"]["System"]["apiEndpoint"] = alexa_api.url
            envelope["context"]["System"]["device"]["deviceId"] = device
            patient = device.replace("device", "account")  # eight patients, one device each
            envelope["context"]["System"]["user"]["userId"] = patient
            envelope["session"]["user"]["userId"] = patient
            try:
                answers[device] = requests.post(
                    f"{server.url}/alexa", json=envelope, timeout=PATIENCE_SECONDS
                )
            except requests.RequestException as error:
                answers[device] = error

        askers = [threading.Thread(target=ask, args=(device,)) for device in devices]
        try:
            for asker in askers:
                asker.start()
            deadline = time.monotonic() + PATIENCE_SECONDS
            while len(alexa_api.requests) < len(devices):  # all eight are in flight
                assert time.monotonic() < deadline, "the requests never reached the API"
                time.sleep(0.02)

            server.process.send_signal(signal.SIGTERM)
            # Each worker process drains the requests it holds: eight in all.
            server.wait_for(lambda log: sum(map(int, IN_FLIGHT.findall(log))) == len(devices))
            with pytest.raises(requests.ConnectionError):  # no longer accepting
                requests.get(f"{server.url}/healthz", timeout=PATIENCE_SECONDS)
        finally:
            for release in releases:
                release.set()
            for asker in askers:
                asker.join(PATIENCE_SECONDS)
        assert server.process.wait(PATIENCE_SECONDS) == 0
    # Every patient hears her treatment saved: none dropped.
    for device in devices:
        answer = answers[device]
        assert isinstance(answer, requests.Response), f"{device}: {answer}"
        assert answer.status_code == 200
        assert answer.json()["response"]["outputSpeech"]["ssml"].startswith(
            "<speak>Got it, I've saved that, and your whole timeline is on a card"
        )
    assert "stopped" in server.log()
