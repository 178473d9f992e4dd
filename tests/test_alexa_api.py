"""Tests for skill.alexa.settings_api: the device's time zone from Alexa's Settings API.

Most tests run a whole request through a CustomSkillBuilder skill built as the app
builds it, with ``api_client=TimeoutApiClient(1.0)``, against the HTTPS stand-in in
``tests/standin_alexa_api.py``.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from collections.abc import Iterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.exceptions import ApiClientException
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_core.utils import is_request_type
from ask_sdk_model import RequestEnvelope, Response
from ask_sdk_model.services import ApiClientRequest

from skill.alexa.settings_api import DeviceTimeZones, TimeoutApiClient
from tests.standin_alexa_api import StandInAlexaApi

DEFAULT_ZONE = ZoneInfo("Europe/Berlin")
KITCHEN = "amzn1.ask.device.KITCHEN"
BEDROOM = "amzn1.ask.device.BEDROOM"
ACCESS_TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.secret-api-access-token"
CACHE_FOR = timedelta(hours=6)
RETRY_AFTER_FAILURE = timedelta(minutes=5)


class FakeClock:
    """A monotonic clock that moves only when a test says so."""

    def __init__(self) -> None:
        self.seconds = 1_000.0

    def __call__(self) -> float:
        return self.seconds

    def advance(self, by: timedelta) -> None:
        self.seconds += by.total_seconds()


class SpeakTimeZone(AbstractRequestHandler):
    """Answers a launch with the zone's name: the smallest handler that uses zone_for."""

    def __init__(self, time_zones: DeviceTimeZones) -> None:
        self._time_zones = time_zones

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("LaunchRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        zone = self._time_zones.zone_for(handler_input)
        return handler_input.response_builder.speak(zone.key).response


@pytest.fixture
def alexa_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[StandInAlexaApi]:
    with StandInAlexaApi({KITCHEN: "America/New_York", BEDROOM: "Asia/Kolkata"}) as server:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", server.ca_bundle_path)
        yield server


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def time_zones(clock: FakeClock) -> DeviceTimeZones:
    return DeviceTimeZones(
        DEFAULT_ZONE, cache_for=CACHE_FOR, retry_after_failure=RETRY_AFTER_FAILURE, clock=clock
    )


def api_client(timeout_seconds: float = 1.0) -> TimeoutApiClient:
    # Trusting what REQUESTS_CA_BUNDLE names, as the app factory does.
    return TimeoutApiClient(timeout_seconds, ca_bundle=os.environ.get("REQUESTS_CA_BUNDLE"))


def build_skill(time_zones: DeviceTimeZones) -> CustomSkill:
    builder = CustomSkillBuilder(api_client=api_client())
    builder.add_request_handler(SpeakTimeZone(time_zones))
    return builder.create()


def launch_request(
    api_endpoint: str | None,
    *,
    device_id: str | None = KITCHEN,
    api_access_token: str | None = ACCESS_TOKEN,
    locale: str = "en-US",
) -> RequestEnvelope:
    system: dict[str, object] = {
        "application": {"applicationId": "amzn1.ask.skill.aftercare-test"},
        "user": {"userId": "amzn1.ask.account.TEST"},
    }
    if device_id is not None:
        system["device"] = {"deviceId": device_id, "supportedInterfaces": {}}
    if api_endpoint is not None:
        system["apiEndpoint"] = api_endpoint
    if api_access_token is not None:
        system["apiAccessToken"] = api_access_token
    envelope = {
        "version": "1.0",
        "session": {
            "new": True,
            "sessionId": "amzn1.echo-api.session.TEST",
            "application": system["application"],
            "user": system["user"],
        },
        "context": {"System": system},
        "request": {
            "type": "LaunchRequest",
            "requestId": "amzn1.echo-api.request.TEST",
            "timestamp": "2025-03-09T06:30:00Z",
            "locale": locale,
        },
    }
    return DefaultSerializer().deserialize(payload=json.dumps(envelope), obj_type=RequestEnvelope)


def spoken_zone(skill: CustomSkill, request_envelope: RequestEnvelope) -> str:
    speech = skill.invoke(request_envelope=request_envelope, context=None).response.output_speech
    return speech.ssml.removeprefix("<speak>").removesuffix("</speak>")


def time_zone_path(device_id: str) -> str:
    return f"/v2/devices/{device_id}/settings/System.timeZone"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize(
    ("device_id", "expected_zone"), [(KITCHEN, "America/New_York"), (BEDROOM, "Asia/Kolkata")]
)
def test_the_zone_comes_from_the_settings_api(
    alexa_api: StandInAlexaApi, time_zones: DeviceTimeZones, device_id: str, expected_zone: str
) -> None:
    skill = build_skill(time_zones)

    assert spoken_zone(skill, launch_request(alexa_api.url, device_id=device_id)) == expected_zone
    [request] = alexa_api.requests
    assert request.path == time_zone_path(device_id)
    assert request.authorization == f"Bearer {ACCESS_TOKEN}"


def test_a_device_is_asked_once_and_each_device_separately(
    alexa_api: StandInAlexaApi, time_zones: DeviceTimeZones
) -> None:
    skill = build_skill(time_zones)

    from_the_kitchen = launch_request(alexa_api.url, device_id=KITCHEN)
    assert spoken_zone(skill, from_the_kitchen) == "America/New_York"
    assert spoken_zone(skill, from_the_kitchen) == "America/New_York"
    assert len(alexa_api.requests) == 1

    assert spoken_zone(skill, launch_request(alexa_api.url, device_id=BEDROOM)) == "Asia/Kolkata"
    assert [request.path for request in alexa_api.requests] == [
        time_zone_path(KITCHEN),
        time_zone_path(BEDROOM),
    ]


def test_a_cached_zone_expires_after_cache_for(
    alexa_api: StandInAlexaApi, time_zones: DeviceTimeZones, clock: FakeClock
) -> None:
    skill = build_skill(time_zones)
    assert spoken_zone(skill, launch_request(alexa_api.url)) == "America/New_York"
    alexa_api.zones[KITCHEN] = "America/Chicago"  # the listener moved the device

    clock.advance(CACHE_FOR - timedelta(seconds=1))
    assert spoken_zone(skill, launch_request(alexa_api.url)) == "America/New_York"
    assert len(alexa_api.requests) == 1

    clock.advance(timedelta(seconds=1))
    assert spoken_zone(skill, launch_request(alexa_api.url)) == "America/Chicago"
    assert len(alexa_api.requests) == 2


def test_the_oldest_device_is_forgotten_beyond_max_devices(
    alexa_api: StandInAlexaApi, clock: FakeClock
) -> None:
    skill = build_skill(DeviceTimeZones(DEFAULT_ZONE, max_devices=2, clock=clock))
    alexa_api.zones.update({"first": "Asia/Tokyo", "second": "Asia/Seoul", "third": "Asia/Manila"})
    for device_id in ("first", "second", "third"):
        spoken_zone(skill, launch_request(alexa_api.url, device_id=device_id))
    assert len(alexa_api.requests) == 3

    assert spoken_zone(skill, launch_request(alexa_api.url, device_id="second")) == "Asia/Seoul"
    assert spoken_zone(skill, launch_request(alexa_api.url, device_id="third")) == "Asia/Manila"
    assert len(alexa_api.requests) == 3

    assert spoken_zone(skill, launch_request(alexa_api.url, device_id="first")) == "Asia/Tokyo"
    assert [request.path for request in alexa_api.requests][3:] == [time_zone_path("first")]


@pytest.mark.parametrize(
    ("device_id", "zone_name", "status", "logged"),
    [
        pytest.param("amzn1.ask.device.UNKNOWN", None, None, "HTTP 404", id="unknown device"),
        pytest.param(KITCHEN, "Mars/Olympus", None, "'Mars/Olympus'", id="not an IANA zone"),
        pytest.param(KITCHEN, "../../etc/passwd", None, "not a known IANA zone", id="a path"),
        pytest.param(KITCHEN, "America/New_York", 500, "HTTP 500", id="server error"),
    ],
)
def test_a_bad_answer_gives_the_default_zone_and_a_warning(
    alexa_api: StandInAlexaApi,
    time_zones: DeviceTimeZones,
    caplog: pytest.LogCaptureFixture,
    device_id: str,
    zone_name: str | None,
    status: int | None,
    logged: str,
) -> None:
    if zone_name is not None:
        alexa_api.zones[device_id] = zone_name
    alexa_api.fail_with_status = status
    skill = build_skill(time_zones)

    with caplog.at_level(logging.WARNING, logger="skill.alexa.settings_api"):
        spoken = spoken_zone(skill, launch_request(alexa_api.url, device_id=device_id))
    assert spoken == DEFAULT_ZONE.key

    assert len(alexa_api.requests) == 1
    [warning] = caplog.records
    assert warning.levelno == logging.WARNING
    assert logged in warning.getMessage()
    assert "device#" in warning.getMessage()
    assert device_id not in caplog.text
    assert ACCESS_TOKEN not in caplog.text


def test_a_failure_is_remembered_for_retry_after_failure(
    alexa_api: StandInAlexaApi, time_zones: DeviceTimeZones, clock: FakeClock
) -> None:
    alexa_api.fail_with_status = 500
    skill = build_skill(time_zones)
    assert spoken_zone(skill, launch_request(alexa_api.url)) == DEFAULT_ZONE.key

    clock.advance(RETRY_AFTER_FAILURE - timedelta(seconds=1))
    assert spoken_zone(skill, launch_request(alexa_api.url)) == DEFAULT_ZONE.key
    assert len(alexa_api.requests) == 1

    alexa_api.fail_with_status = None
    clock.advance(timedelta(seconds=1))
    assert spoken_zone(skill, launch_request(alexa_api.url)) == "America/New_York"
    assert len(alexa_api.requests) == 2


def test_a_server_that_does_not_answer_in_time_gives_the_default_zone(
    alexa_api: StandInAlexaApi,
    time_zones: DeviceTimeZones,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The stand-in answers after 3 s; the client gives up after 1 s. Timings are not
    # asserted (machines are noisy); test_timeout_api_client_times_out shows the
    # timeout is what ends the call.
    alexa_api.delay_seconds = 3
    skill = build_skill(time_zones)

    with caplog.at_level(logging.WARNING, logger="skill.alexa.settings_api"):
        assert spoken_zone(skill, launch_request(alexa_api.url)) == DEFAULT_ZONE.key
    assert len(alexa_api.requests) == 1
    assert "timed out" in caplog.text

    # A dead API costs one timeout per retry_after_failure, not one per request.
    assert spoken_zone(skill, launch_request(alexa_api.url)) == DEFAULT_ZONE.key
    assert len(alexa_api.requests) == 1

    alexa_api.delay_seconds = 0
    clock.advance(RETRY_AFTER_FAILURE)
    assert spoken_zone(skill, launch_request(alexa_api.url)) == "America/New_York"
    assert len(alexa_api.requests) == 2


def test_a_refused_connection_gives_the_default_zone(
    time_zones: DeviceTimeZones, caplog: pytest.LogCaptureFixture
) -> None:
    skill = build_skill(time_zones)

    endpoint = f"https://127.0.0.1:{closed_port()}"
    with caplog.at_level(logging.WARNING, logger="skill.alexa.settings_api"):
        assert spoken_zone(skill, launch_request(endpoint)) == DEFAULT_ZONE.key
    assert "Could not connect" in caplog.text
    assert KITCHEN not in caplog.text


def test_an_untrusted_certificate_gives_the_default_zone(
    alexa_api: StandInAlexaApi, time_zones: DeviceTimeZones, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    skill = build_skill(time_zones)

    assert spoken_zone(skill, launch_request(alexa_api.url)) == DEFAULT_ZONE.key
    assert alexa_api.requests == []  # the handshake failed before any request was sent


def test_an_http_endpoint_is_refused_by_the_sdk(
    alexa_api: StandInAlexaApi, time_zones: DeviceTimeZones
) -> None:
    skill = build_skill(time_zones)
    plain_http_endpoint = alexa_api.url.replace("https://", "http://")

    assert spoken_zone(skill, launch_request(plain_http_endpoint)) == DEFAULT_ZONE.key
    assert alexa_api.requests == []


@pytest.mark.parametrize(
    "missing", ["device_id", "api_access_token", "api_endpoint"], ids=lambda name: f"no {name}"
)
def test_without_what_the_call_needs_the_default_zone_is_used_without_a_call(
    alexa_api: StandInAlexaApi, time_zones: DeviceTimeZones, missing: str
) -> None:
    skill = build_skill(time_zones)
    request_parts = {
        "device_id": KITCHEN,
        "api_access_token": ACCESS_TOKEN,
        "api_endpoint": alexa_api.url,
    }
    request_parts[missing] = None

    assert spoken_zone(skill, launch_request(**request_parts)) == DEFAULT_ZONE.key
    assert alexa_api.requests == []


def test_a_skill_without_an_api_client_uses_the_default_zone(
    alexa_api: StandInAlexaApi, time_zones: DeviceTimeZones, caplog: pytest.LogCaptureFixture
) -> None:
    builder = CustomSkillBuilder()
    builder.add_request_handler(SpeakTimeZone(time_zones))

    with caplog.at_level(logging.WARNING, logger="skill.alexa.settings_api"):
        assert spoken_zone(builder.create(), launch_request(alexa_api.url)) == DEFAULT_ZONE.key
    assert "no configured API client" in caplog.text
    assert alexa_api.requests == []


def settings_api_request(endpoint: str) -> ApiClientRequest:
    return ApiClientRequest(
        headers=[("Authorization", f"Bearer {ACCESS_TOKEN}")],
        method="GET",
        url=endpoint + time_zone_path(KITCHEN),
    )


def test_timeout_api_client_sends_and_receives(alexa_api: StandInAlexaApi) -> None:
    response = api_client().invoke(settings_api_request(alexa_api.url))

    assert response.status_code == 200
    assert json.loads(response.body) == "America/New_York"


def test_timeout_api_client_times_out(alexa_api: StandInAlexaApi) -> None:
    alexa_api.delay_seconds = 3

    with pytest.raises(ApiClientException, match="timed out"):
        api_client(0.2).invoke(settings_api_request(alexa_api.url))

    assert len(alexa_api.requests) == 1


def test_timeout_api_client_bounds_the_whole_call(alexa_api: StandInAlexaApi) -> None:
    # Every byte comes well within a second of the last, over three seconds: only a
    # deadline on the whole call (not one per read) stops it.
    alexa_api.trickle_seconds = 3

    with pytest.raises(ApiClientException, match="timed out"):
        api_client(1.0).invoke(settings_api_request(alexa_api.url))
    assert len(alexa_api.requests) == 1


def test_timeout_api_client_keeps_the_sdk_https_only_rule(alexa_api: StandInAlexaApi) -> None:
    plain_http_endpoint = alexa_api.url.replace("https://", "http://")

    with pytest.raises(ApiClientException, match="non-HTTPS"):
        api_client().invoke(settings_api_request(plain_http_endpoint))
    assert alexa_api.requests == []


@pytest.mark.parametrize("timeout_seconds", [0, -1])
def test_timeout_api_client_needs_a_positive_timeout(timeout_seconds: float) -> None:
    with pytest.raises(ValueError):
        TimeoutApiClient(timeout_seconds)


def test_device_time_zones_needs_room_for_a_device() -> None:
    with pytest.raises(ValueError):
        DeviceTimeZones(DEFAULT_ZONE, max_devices=0)
