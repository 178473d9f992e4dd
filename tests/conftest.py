"""Shared fixtures: ``app``, ``client``, ``runner`` as in Flask's tutorial, plus
the patients the golden requests talk about and a stand-in Alexa Settings API."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from skill.app import create_app
from skill.store import get_store
from tests.standin_alexa_api import StandInAlexaApi

SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"

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
DEVICE_ZONES = {
    "amzn1.ask.device.NEW-YORK": "America/New_York",
    "amzn1.ask.device.KOLKATA": "Asia/Kolkata",
}


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
    for user_id, treatments in PATIENT_TREATMENTS.items():
        for treated_at in treatments:
            store.record_treatment(user_id, treated_at, recorded_at=treated_at)
    yield app
    store.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
