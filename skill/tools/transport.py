"""How replayed and typed requests reach the skill: in this process, on a
database of its own, or over HTTP to a running server.

Kept apart from the replay format because these need the whole web stack; the
``aftercare`` command imports them only when it sends something.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Protocol

import requests
from ask_sdk_model.services import ApiClient, ApiClientRequest, ApiClientResponse

from skill.app import create_app
from skill.config import LOCALE_TIMEZONES
from skill.oauth.tokens import SCOPE
from skill.store import (
    AccountLinks,
    ClinicPatients,
    Clinics,
    IssuedToken,
    IssuedTokens,
    OAuthClients,
    SelfReportedPatients,
    Treatment,
    Treatments,
    get_store,
    new_token,
    token_hash,
)
from skill.tools.replay import LinkedGiven, ReplayError

# A replayed link is in force whenever a replayed request says it is.
LINKED_SINCE = datetime(2000, 1, 1, tzinfo=UTC)
LINKED_UNTIL = datetime(2100, 1, 1, tzinfo=UTC)


class FixedTimeZoneApi(ApiClient):
    """An in-process stand-in for Alexa's Settings API: every device is in ``zone``."""

    def __init__(self, zone: str) -> None:
        self.zone = zone

    def invoke(self, request: ApiClientRequest) -> ApiClientResponse:
        if request.method == "GET" and request.url.endswith("/settings/System.timeZone"):
            return ApiClientResponse(status_code=200, body=json.dumps(self.zone), headers=[])
        return ApiClientResponse(
            status_code=404, body=json.dumps({"message": "not stood in for"}), headers=[]
        )


class Transport(Protocol):
    def send(self, envelope: dict) -> dict: ...

    def close(self) -> None: ...


class InProcess:
    """The skill the server runs, in this process, on a database of its own."""

    def __init__(
        self,
        database_url: str,
        timezone: str | None,
        treatments: dict[str, list[datetime]],
        linked: dict[str, LinkedGiven] | None = None,
    ):
        config: dict[str, Any] = {
            "DATABASE_URL": database_url,
            "VERIFY_SIGNATURES": False,  # replayed requests carry stale or no signatures
            "SKILL_ID": None,
        }
        if timezone:
            # Every device is in that zone, whatever its locale, even where none is asked.
            config["DEFAULT_TIMEZONE"] = timezone
            config["LOCALE_TIMEZONES"] = dict.fromkeys(LOCALE_TIMEZONES, timezone)
            config["ALEXA_API_CLIENT"] = FixedTimeZoneApi(timezone)
        self.app = create_app(config)
        self.store = get_store(self.app)
        with self.store.session() as session:
            SelfReportedPatients(session).record_histories(treatments)
            for access_token, patient in (linked or {}).items():
                _record_linked(session, access_token, patient)
            session.commit()
        self.client = self.app.test_client()

    def send(self, envelope: dict) -> dict:
        response = self.client.post("/alexa", json=envelope)
        return _response_json(response.status_code, response.get_json(silent=True))

    def close(self) -> None:
        self.store.dispose()


def _record_linked(session, access_token: str, given: LinkedGiven) -> None:
    """A clinic, its patient and her treatments, linked through ``access_token``."""
    clinic = Clinics(session).add(name=given.clinic, timezone="UTC", now=LINKED_SINCE)
    patient = ClinicPatients(session, clinic.id).add(
        name="Replayed patient", clinic_reference=None, date_of_birth=None, now=LINKED_SINCE
    )
    for number, instant in enumerate(sorted(given.treatments), 1):
        Treatments(session).add(
            Treatment(
                patient_id=patient.id,
                treated_at=instant,
                recorded_at=instant,
                timezone="UTC",
                session_number=number,
            )
        )
    client, _secret = OAuthClients(session).add(
        name="Replay",
        redirect_uris=[],
        auth_method="client_secret_basic",
        scope=SCOPE,
        now=LINKED_SINCE,
    )
    link = AccountLinks(session).start(patient_id=patient.id, client_id=client.id, now=LINKED_SINCE)
    if given.announced:
        AccountLinks(session).announce(link.id, LINKED_SINCE)
    IssuedTokens(session).add(
        IssuedToken(
            link_id=link.id,
            access_token_hash=token_hash(access_token),
            refresh_token_hash=token_hash(new_token()),
            scope=SCOPE,
            issued_at=LINKED_SINCE,
            access_expires_at=LINKED_UNTIL,
            refresh_expires_at=LINKED_UNTIL,
        )
    )


class OverHttp:
    """A running server, over HTTP(S); its signature checks must be off."""

    def __init__(self, url: str, timeout_seconds: float = 10.0):
        self.url = url
        self.timeout_seconds = timeout_seconds

    def send(self, envelope: dict) -> dict:
        try:
            response = requests.post(self.url, json=envelope, timeout=self.timeout_seconds)
        except requests.RequestException as error:
            raise ReplayError(f"{self.url}: {type(error).__name__}") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        return _response_json(response.status_code, body)

    def close(self) -> None:
        pass


def _response_json(status: int, body: Any) -> dict:
    if status != 200 or not isinstance(body, dict):
        reason = body.get("error") if isinstance(body, dict) else None
        raise ReplayError(f"HTTP {status}" + (f": {reason}" if reason else ""))
    return body
