"""Where a device is when the Settings API cannot say: the zone of its locale's
market (a UK device is in London, not New York), en-US in AFTERCARE_DEFAULT_TIMEZONE,
each overridable with AFTERCARE_LOCALE_TIMEZONES."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from skill.alexa.settings_api import DeviceTimeZones
from skill.app import create_app
from skill.config import ConfigError, from_environment, locale_zones
from tests.standin_alexa_api import StandInAlexaApi
from tests.test_alexa_api import (
    DEFAULT_ZONE,
    KITCHEN,
    FakeClock,
    build_skill,
    launch_request,
    spoken_zone,
)

STRANGER = "amzn1.ask.device.NOT-KNOWN-TO-THE-API"


@pytest.fixture
def alexa_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[StandInAlexaApi]:
    with StandInAlexaApi({KITCHEN: "America/New_York"}) as server:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", server.ca_bundle_path)
        yield server


def _zones(environ: dict[str, str]) -> dict[str, str]:
    return {
        locale: zone.key for locale, zone in locale_zones(from_environment(environ, "/i")).items()
    }


def test_each_english_market_has_its_own_default_zone():
    assert _zones({}) == {
        "en-GB": "Europe/London",
        "en-CA": "America/Toronto",
        "en-AU": "Australia/Sydney",
        "en-IN": "Asia/Kolkata",
    }


def test_an_operator_overrides_some_locales_and_keeps_the_rest():
    environ = {"AFTERCARE_LOCALE_TIMEZONES": " en-AU=Australia/Perth, en-CA=America/Vancouver "}
    assert _zones(environ) == {
        "en-GB": "Europe/London",
        "en-CA": "America/Vancouver",
        "en-AU": "Australia/Perth",
        "en-IN": "Asia/Kolkata",
    }


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (
            "en-AU:Australia/Perth",
            "AFTERCARE_LOCALE_TIMEZONES must be locale=zone pairs separated by commas, "
            "such as en-AU=Australia/Perth, not 'en-AU:Australia/Perth'",
        ),
        (
            "en-GB=Mars/Olympus",
            "AFTERCARE_LOCALE_TIMEZONES gives en-GB 'Mars/Olympus', which is not an IANA zone; "
            "name one such as Europe/London",
        ),
    ],
)
def test_a_wrong_setting_stops_start_up_with_one_sentence(monkeypatch, tmp_path, value, problem):
    monkeypatch.setenv("AFTERCARE_LOCALE_TIMEZONES", value)
    with pytest.raises(ConfigError) as refused:
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3", "VERIFY_SIGNATURES": False})
    assert str(refused.value) == problem


@pytest.fixture
def time_zones() -> DeviceTimeZones:
    return DeviceTimeZones(
        DEFAULT_ZONE,
        locale_zones=locale_zones(from_environment({}, "/i")),
        clock=FakeClock(),
    )


@pytest.mark.parametrize(
    ("locale", "zone"),
    [
        ("en-GB", "Europe/London"),
        ("en-CA", "America/Toronto"),
        ("en-AU", "Australia/Sydney"),
        ("en-IN", "Asia/Kolkata"),
        ("en-US", DEFAULT_ZONE.key),
        ("fr-FR", DEFAULT_ZONE.key),
    ],
)
def test_without_a_device_to_ask_about_the_locale_decides(time_zones, locale, zone):
    request = launch_request(None, device_id=None, locale=locale)
    assert spoken_zone(build_skill(time_zones), request) == zone


def test_when_the_api_cannot_place_a_device_its_locale_decides_and_the_log_says_which(
    alexa_api, time_zones, caplog
):
    skill = build_skill(time_zones)
    with caplog.at_level(logging.WARNING):
        assert (
            spoken_zone(skill, launch_request(alexa_api.url, device_id=STRANGER, locale="en-GB"))
            == "Europe/London"
        )
    assert "using the default Europe/London" in caplog.text
    # Remembered as a failure, the device is still placed by its request's locale.
    request = launch_request(alexa_api.url, device_id=STRANGER, locale="en-AU")
    assert spoken_zone(skill, request) == "Australia/Sydney"
    assert len(alexa_api.requests) == 1


def test_a_device_the_api_knows_keeps_its_own_zone_whatever_the_locale(alexa_api, time_zones):
    request = launch_request(alexa_api.url, locale="en-GB")  # the kitchen is in New York
    assert spoken_zone(build_skill(time_zones), request) == "America/New_York"
