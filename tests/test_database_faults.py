"""Database faults: a PostgreSQL cut off mid-conversation, a SQLite folder deleted and
made again. The patient hears an apology, not silence; the service recovers by itself;
``/healthz`` says what state the database is in and answers at once."""

from __future__ import annotations

import json
import selectors
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from skill.app import create_app
from skill.store import get_store
from tests.conftest import SKILL_ID, postgres_schema

REQUESTS = Path(__file__).parent / "requests"
APOLOGY = (
    "<speak>Sorry, something went wrong on my side. Please try again, or ask your clinic.</speak>"
)
# Only a bug makes anything here wait this long; it bounds how long a failing test hangs.
PATIENCE_SECONDS = 20


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a server on loopback; ``black_hole()`` makes it swallow
    everything both ways (a network partition: connections stay open, nothing arrives)."""

    def __init__(self, target: tuple[str, int]) -> None:
        assert target[0] in ("127.0.0.1", "localhost"), "loopback only"
        self._target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.forwarding = True
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._listener, selectors.EVENT_READ)
        self._stopping = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def black_hole(self) -> None:
        self.forwarding = False

    def restore(self) -> None:
        self.forwarding = True

    def stop(self) -> None:
        self._stopping = True
        self._thread.join(PATIENCE_SECONDS)
        for key in list(self._selector.get_map().values()):
            key.fileobj.close()
        self._selector.close()

    def _run(self) -> None:
        while not self._stopping:
            for key, _ in self._selector.select(timeout=0.05):
                if key.fileobj.fileno() == -1:
                    continue  # closed a moment ago with its other end
                if key.fileobj is self._listener:
                    client, _ = self._listener.accept()
                    server = socket.create_connection(self._target)
                    self._selector.register(client, selectors.EVENT_READ, server)
                    self._selector.register(server, selectors.EVENT_READ, client)
                    continue
                try:
                    data = key.fileobj.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    for end in (key.fileobj, key.data):
                        self._selector.unregister(end)
                        end.close()
                elif self.forwarding:
                    key.data.sendall(data)
                # Black-holed: read and dropped, as a partition drops packets.


@pytest.fixture
def postgres_url():
    with postgres_schema("test_faults") as url:
        yield url


def _app(database_url: str):
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SKILL_ID": SKILL_ID,
            "VERIFY_SIGNATURES": False,
            "DB_CONNECT_TIMEOUT": 2.0,
            "DB_STATEMENT_TIMEOUT": 1.0,
        }
    )


def _envelope(name: str, api_url: str) -> dict:
    envelope = json.loads((REQUESTS / f"{name}.json").read_text("utf-8"))
    envelope["context"]["System"]["apiEndpoint"] = api_url
    return envelope


def _speech(app, envelope: dict) -> str:
    """What the patient hears, asked from a thread that a hang cannot take down with it."""
    heard: list[str] = []

    def ask() -> None:
        response = app.test_client().post("/alexa", json=envelope)
        heard.append(response.json["response"]["outputSpeech"]["ssml"])

    asking = threading.Thread(target=ask, daemon=True)
    asking.start()
    asking.join(PATIENCE_SECONDS)
    assert heard, "the request was still waiting on the database"
    return heard[0]


def _health(app) -> tuple[int, dict]:
    response = app.test_client().get("/healthz")
    return response.status_code, response.json


def _wait_for_health(app, database: str) -> tuple[int, dict]:
    deadline = time.monotonic() + PATIENCE_SECONDS
    while (health := _health(app))[1]["database"] != database:
        assert time.monotonic() < deadline, f"/healthz never said {database}: {health}"
        time.sleep(0.1)
    return health


def test_a_postgresql_partition_gets_an_apology_and_the_service_recovers(
    postgres_url, alexa_api, monkeypatch
):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", alexa_api.ca_bundle_path)
    proxy = TcpProxy((postgres_url.host or "127.0.0.1", postgres_url.port or 5432))
    app = _app(
        postgres_url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    )
    try:
        saved = _speech(app, _envelope("record_confirmed", alexa_api.url))
        assert saved.startswith("<speak>Got it, I've saved that,")
        assert _wait_for_health(app, "ok") == (200, {"status": "ok", "database": "ok"})

        proxy.black_hole()
        question = _envelope("can_i_before_treatment_is_known", alexa_api.url)
        assert _speech(app, question) == APOLOGY  # a pooled connection, cut off
        assert _speech(app, question) == APOLOGY  # a new connection that never opens
        assert _wait_for_health(app, "unreachable") == (
            503,
            {"status": "unavailable", "database": "unreachable"},
        )

        proxy.restore()
        assert _speech(app, question) == (
            "<speak>Not yet. Makeup is fine from 2 PM today, in 4 hours.</speak>"
        )
        assert _wait_for_health(app, "ok")[0] == 200
    finally:
        get_store(app).dispose()
        proxy.stop()


def test_healthz_answers_while_the_database_does_not(postgres_url, monkeypatch):
    proxy = TcpProxy((postgres_url.host or "127.0.0.1", postgres_url.port or 5432))
    app = _app(
        postgres_url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    )
    try:
        proxy.black_hole()
        answers = []
        for _ in range(5):  # each answered from what the probe last found, or "checking"
            status, body = _health(app)
            answers.append(body["database"])
            assert (status, body["status"]) in ((503, "unavailable"), (200, "ok"))
        assert set(answers) <= {"ok", "checking", "unreachable"}
        assert _wait_for_health(app, "unreachable")[0] == 503
    finally:
        get_store(app).dispose()
        proxy.stop()


def test_a_sqlite_folder_deleted_and_made_again_recovers_without_a_restart(
    tmp_path, alexa_api, monkeypatch
):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", alexa_api.ca_bundle_path)
    instance = tmp_path / "instance"
    app = _app(f"sqlite:///{instance / 'aftercare.sqlite3'}")
    try:
        question = _envelope("can_i_before_treatment_is_known", alexa_api.url)
        assert _speech(app, _envelope("record_confirmed", alexa_api.url)).startswith(
            "<speak>Got it, I've saved that,"
        )
        shutil.rmtree(instance)
        instance.mkdir()

        # What was saved went with the folder; the service itself carries on.
        assert _speech(app, question).startswith("<speak>I don't know when your treatment was")
        assert _speech(app, _envelope("record_confirmed", alexa_api.url)).startswith(
            "<speak>Got it, I've saved that,"
        )
        assert _speech(app, question) == (
            "<speak>Not yet. Makeup is fine from 2 PM today, in 4 hours.</speak>"
        )
        assert (instance / "aftercare.sqlite3").exists()
        assert _wait_for_health(app, "ok")[0] == 200
    finally:
        get_store(app).dispose()
