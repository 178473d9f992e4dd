"""The production setup over real sockets: ``aftercare serve`` in worker processes,
several instances sharing one PostgreSQL and nothing else, access logs without
patient data."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest
import requests

from skill.tools.replay import (
    Overrides,
    give_fresh_identities,
    load_case,
    needs_in_process,
    prepare_turns,
)
from tests.conftest import fresh_database
from tests.standin_alexa_api import StandInAlexaApi
from tests.test_server_limits import PATIENCE_SECONDS, REQUESTS, ServedSkill

CONVERSATIONS = Path(__file__).parent / "conversations"


def workers_of(server: ServedSkill) -> list[int]:
    pid = server.process.pid
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + PATIENCE_SECONDS
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def post(server: ServedSkill, envelope: dict) -> dict:
    response = requests.post(f"{server.url}/alexa", json=envelope, timeout=PATIENCE_SECONDS)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def three_workers(tmp_path_factory):
    server = ServedSkill(
        tmp_path_factory.mktemp("workers"),
        AFTERCARE_WORKERS="3",
        AFTERCARE_VERIFY_SIGNATURES="0",
    )
    yield server
    server.stop()


def all_serving(server: ServedSkill, workers: int) -> None:
    wait_until(
        lambda: server.log().count("serving on http://127.0.0.1") >= workers,
        f"not all {workers} workers started serving",
    )


def test_serve_runs_the_workers_it_is_told_to(three_workers):
    all_serving(three_workers, 3)
    assert len(workers_of(three_workers)) == 3


def test_a_worker_that_dies_is_replaced_and_the_service_carries_on(three_workers):
    victim = workers_of(three_workers)[0]
    os.kill(victim, signal.SIGKILL)
    wait_until(
        lambda: len(workers_of(three_workers)) == 3 and victim not in workers_of(three_workers),
        "the dead worker was never replaced",
    )
    assert f"worker {victim} stopped unexpectedly" in three_workers.log()
    for _ in range(6):  # new connections, whichever worker takes each
        assert requests.get(f"{three_workers.url}/healthz", timeout=PATIENCE_SECONDS).ok


def test_the_access_log_names_routes_never_paths_or_patients(three_workers):
    envelope = json.loads((REQUESTS / "launch_new_patient.json").read_text("utf-8"))
    envelope["context"]["System"].pop("apiAccessToken")  # no Settings API call
    post(three_workers, envelope)
    token = "a-one-time-sign-in-token-0123456789"
    requests.get(f"{three_workers.url}/portal/welcome/{token}", timeout=PATIENCE_SECONDS)
    log = three_workers.log()
    assert "aftercare.access: POST /alexa 200 " in log
    assert "aftercare.access: GET /portal/welcome/<token> " in log
    assert token not in log
    assert "PATIENT-NEW" not in log
    assert "amzn1.ask.device" not in log


def test_sigterm_stops_every_worker_and_exits_0(tmp_path):
    server = ServedSkill(tmp_path, AFTERCARE_WORKERS="2", AFTERCARE_VERIFY_SIGNATURES="0")
    all_serving(server, 2)
    workers = workers_of(server)
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(PATIENCE_SECONDS) == 0
    for worker in workers:
        assert not Path(f"/proc/{worker}").exists() or "Z" in _state(worker)
    assert server.log().count("INFO skill.server: stopped") == 2


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def _conversations() -> list[Path]:
    """The recorded conversations a running server can replay (a new patient each)."""
    return [
        path
        for path in sorted(CONVERSATIONS.glob("*.json"))
        if needs_in_process(load_case(path)) is None
    ]


def test_two_instances_on_one_postgresql_carry_a_conversation_between_them(tmp_path):
    cases = [load_case(path) for path in _conversations()]
    assert len(cases) >= 8
    conversations = []
    for case in cases:
        envelopes = prepare_turns(case.turns, Overrides())
        give_fresh_identities(envelopes, Overrides())
        conversations.append((case, envelopes))
    devices = {
        envelope["context"]["System"]["device"]["deviceId"]
        for _, envelopes in conversations
        for envelope in envelopes
    }
    with (
        fresh_database("postgresql", tmp_path) as database_url,
        StandInAlexaApi(dict.fromkeys(devices, "America/New_York")) as alexa_api,
    ):
        environment = {
            "AFTERCARE_DATABASE_URL": database_url,
            "AFTERCARE_VERIFY_SIGNATURES": "0",
            "AFTERCARE_WORKERS": "2",
            "REQUESTS_CA_BUNDLE": alexa_api.ca_bundle_path,
        }
        instances = [ServedSkill(tmp_path, **environment), ServedSkill(tmp_path, **environment)]
        try:
            for count, (case, envelopes) in enumerate(conversations):
                session: dict | None = None
                for number, (turn, envelope) in enumerate(zip(case.turns, envelopes)):
                    envelope["context"]["System"]["apiEndpoint"] = alexa_api.url
                    if session is not None and "session" in envelope:
                        envelope["session"].update(new=False, **session)
                    # Alexa may send each turn to any instance behind the load balancer.
                    answer = post(instances[(count + number) % 2], envelope)
                    assert turn.expect is not None
                    assert turn.expect.mismatches(answer) == [], f"{case.name} turn {number + 1}"
                    if "session" in envelope:
                        session = {
                            "sessionId": envelope["session"]["sessionId"],
                            "attributes": answer.get("sessionAttributes") or {},
                        }
                # What the conversation left behind, asked of both: the same answer.
                opening = {**envelopes[0], "session": {**envelopes[0]["session"], "new": True}}
                first, second = (post(instance, opening) for instance in instances)
                assert first == second, case.name
        finally:
            for instance in instances:
                instance.stop()
