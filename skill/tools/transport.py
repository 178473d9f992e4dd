"""How replayed and typed requests reach the skill: in this process, on a
database of its own, or over HTTP to a running server.

Kept apart from the replay format because these need the whole web stack; the
``aftercare`` command imports them only when it sends something.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Protocol

import requests
from ask_sdk_model.services import ApiClient, ApiClientRequest, ApiClientResponse

from skill.app import create_app
from skill.config import LOCALE_TIMEZONES
from skill.store import SelfReportedPatients, get_store
from skill.tools.replay import ReplayError


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
        self, database_url: str, timezone: str | None, treatments: dict[str, list[datetime]]
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
            session.commit()
        self.client = self.app.test_client()

    def send(self, envelope: dict) -> dict:
        response = self.client.post("/alexa", json=envelope)
        return _response_json(response.status_code, response.get_json(silent=True))

    def close(self) -> None:
        self.store.dispose()


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
