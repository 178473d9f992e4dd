"""Shared fixtures: ``app``, ``client``, ``runner`` as in Flask's tutorial, plus
the patients the golden requests talk about and a stand-in Alexa Settings API."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from sqlalchemy import URL, create_engine, make_url, text

from skill.app import create_app
from skill.store import SelfReportedPatients, get_store
from tests.standin_alexa_api import StandInAlexaApi

SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"
SECRET_KEY = "a-test-secret-key-that-is-long-enough-0123456789"

# Who the golden requests under tests/requests/ are, and what the store knows of them.
PATIENT_TREATMENTS = {
    # Thursday 26 November 2026, 3 PM in New York
    "amzn1.ask.account.PATIENT-THURSDAY": [datetime(2026, 11, 26, 20, 0, tzinfo=UTC)],
    "amzn1.ask.account.PATIENT-TWICE": [
        datetime(2026, 10, 1, 14, 0, tzinfo=UTC),
        datetime(2026, 11, 26, 20, 0, tzinfo=UTC),
    ],
    "amzn1.ask.account.PATIENT-NEW": [],
}
AFTERCARE = Path(sys.executable).with_name("aftercare")
STARTUP_SECONDS = 30
DEVICE_ZONES = {
    "amzn1.ask.device.NEW-YORK": "America/New_York",
    "amzn1.ask.device.KOLKATA": "Asia/Kolkata",
}


@contextmanager
def fresh_database(kind: str, directory: Path):
    """An empty database: a fresh SQLite file in directory, or a fresh PostgreSQL
    schema on the server AFTERCARE_TEST_POSTGRES_URL names (skipped without it)."""
    if kind == "sqlite":
        # A missing parent directory is part of the test: the store creates it.
        yield f"sqlite:///{directory / 'instance' / 'aftercare.sqlite3'}"
        return
    # A schema per test keeps tests (and other people's runs on the same
    # server) apart; a non-UTC session time zone proves results are normalised.
    with postgres_schema("test", "-c timezone=Asia/Kathmandu") as url:
        yield url.render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture(scope="session")
def alexa_api():
    with StandInAlexaApi(DEVICE_ZONES) as server:
        yield server


@pytest.fixture
def app(tmp_path, alexa_api, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", alexa_api.ca_bundle_path)
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'aftercare.sqlite3'}",
            "SKILL_ID": SKILL_ID,
            "VERIFY_SIGNATURES": False,
            "DEFAULT_TIMEZONE": "America/New_York",
        }
    )
    store = get_store(app)
    record_patients(store)
    yield app
    store.dispose()


def record_patients(store) -> None:
    """Tells the store what PATIENT_TREATMENTS says."""
    with store.session() as session:
        SelfReportedPatients(session).record_histories(PATIENT_TREATMENTS)
        session.commit()


@contextmanager
def postgres_schema(prefix: str, options: str = "") -> Iterator[URL]:
    """The test PostgreSQL server's URL, searching a fresh schema dropped afterwards
    (other people's tests share the server), with any other session ``options``;
    skips without AFTERCARE_TEST_POSTGRES_URL."""
    server_url = os.environ.get("AFTERCARE_TEST_POSTGRES_URL")
    if not server_url:
        pytest.skip("AFTERCARE_TEST_POSTGRES_URL not set; PostgreSQL tests need a server")
    schema = f"{prefix}_{uuid.uuid4().hex}"
    admin = create_engine(server_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield make_url(server_url).update_query_dict(
            {"options": f"-c search_path={schema} {options}".strip()}
        )
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(environment: dict[str, str]) -> tuple[subprocess.Popen, str]:
    """Starts ``aftercare serve`` on a free port with ``environment`` (over the
    tests' own); returns the process and its base URL once /healthz answers."""
    port = _free_port()
    process = subprocess.Popen(
        [str(AFTERCARE), "serve", "--port", str(port)],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"aftercare serve exited early:\n{process.stdout.read()}")
        try:
            if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                return process, base
        except requests.ConnectionError:
            time.sleep(0.1)
    process.terminate()
    pytest.fail("aftercare serve did not answer /healthz in time")


def served_environment(database_url: str, alexa_api, **environment: str) -> dict[str, str]:
    env = {
        **os.environ,
        "AFTERCARE_DATABASE_URL": database_url,
        "AFTERCARE_SKILL_ID": SKILL_ID,
        "REQUESTS_CA_BUNDLE": alexa_api.ca_bundle_path,
        "AFTERCARE_SECRET_KEY": SECRET_KEY,
        **environment,
    }
    if "AFTERCARE_VERIFY_SIGNATURES" not in environment:
        env.pop("AFTERCARE_VERIFY_SIGNATURES", None)  # the default is what is tested
    return env


@pytest.fixture
def serve(tmp_path, alexa_api):
    """Starts ``aftercare serve`` with the given environment; yields its base URL."""
    if not AFTERCARE.exists():
        pytest.skip(f"the aftercare console script is not installed beside {sys.executable}")
    processes = []

    def start(**environment: str) -> str:
        database_url = f"sqlite:///{tmp_path / 'served.sqlite3'}"
        process, base = start_server(served_environment(database_url, alexa_api, **environment))
        processes.append(process)
        return base

    yield start
    for process in processes:
        process.terminate()
        output, _ = process.communicate(timeout=10)
        # Logs name request ids, never patient data or tokens.
        assert "stand-in-token" not in output
        assert "PATIENT-NEW" not in output
