"""Configuration from AFTERCARE_* environment variables, read once by the app factory."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "America/New_York"
# Where a device of each English locale but en-US is, when the Settings API cannot say:
# the zone of the market's largest city, so a UK device never hears New York's clock.
# en-US (and any other locale) keeps AFTERCARE_DEFAULT_TIMEZONE; AFTERCARE_LOCALE_TIMEZONES
# overrides any of these ("en-AU=Australia/Perth,en-CA=America/Vancouver").
LOCALE_TIMEZONES = {
    "en-GB": "Europe/London",
    "en-CA": "America/Toronto",
    "en-AU": "Australia/Sydney",
    "en-IN": "Asia/Kolkata",
}
# The longest Alexa user id the store keeps (its column size); a longer one is not an
# Alexa account, and is treated as no account at all.
USER_ID_MAX_LENGTH = 512


class ConfigError(ValueError):
    """A setting is missing or wrong; the message says which and how to fix it."""


def _flag(value: str | None, default: bool, name: str) -> bool:
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be 1 or 0, not {value!r}")


@dataclass(frozen=True)
class Limit:
    """A timeout or limit an operator may tune: app.config[key] from AFTERCARE_<key>."""

    key: str
    default: float
    unit: str  # "seconds", "bytes" or a plural noun; whole numbers unless seconds
    meaning: str

    @property
    def variable(self) -> str:
        return f"AFTERCARE_{self.key}"

    def read(self, value: str | None) -> float | int:
        if value is None or value == "":
            return self.default
        try:
            number = float(value) if self.unit == "seconds" else int(value)
        except ValueError:
            number = 0
        if not number > 0 or number == float("inf"):
            kind = "a positive number of seconds" if self.unit == "seconds" else "a whole number"
            raise ConfigError(
                f"{self.variable} must be {kind} above 0, not {value!r}; unset it for the "
                f"default {self.default:g}"
            )
        return number


# Every timeout and limit, in one place; the README's "Operating" section explains each
# (a test keeps that table and this one the same).
LIMITS = (
    Limit("THREADS", 4, "threads", "requests served at once"),
    Limit("CONNECTION_LIMIT", 500, "connections", "open connections, idle ones included"),
    Limit("IDLE_TIMEOUT", 10.0, "seconds", "a connection that sends nothing is closed"),
    Limit("SHUTDOWN_TIMEOUT", 10.0, "seconds", "SIGTERM waits this long for requests in flight"),
    Limit("MAX_REQUEST_BYTES", 256 * 1024, "bytes", "a longer request body gets a 413"),
    Limit("MAX_JSON_DEPTH", 64, "levels", "JSON nested deeper gets a 400"),
    Limit("ALEXA_API_TIMEOUT", 1.0, "seconds", "a whole Settings API call"),
    Limit("ALEXA_API_RETRY_AFTER", 300.0, "seconds", "a failed zone lookup is not retried"),
    Limit("CERT_FETCH_TIMEOUT", 2.0, "seconds", "a whole certificate chain download"),
    Limit("CERT_RETRY_AFTER", 60.0, "seconds", "a chain URL that failed is not fetched again"),
    Limit("CERT_FETCH_WAITERS", 2, "requests", "requests waiting on chain downloads at once"),
    Limit("DB_CONNECT_TIMEOUT", 2.0, "seconds", "opening a database connection"),
    Limit("DB_STATEMENT_TIMEOUT", 2.0, "seconds", "one SQL statement (PostgreSQL)"),
    Limit("DB_POOL_TIMEOUT", 2.0, "seconds", "waiting for a free pooled connection"),
)


def from_environment(environ: Mapping[str, str], instance_path: str) -> dict[str, Any]:
    """The app's settings; see the README for what each variable means."""
    default_database = f"sqlite:///{os.path.join(instance_path, 'aftercare.sqlite3')}"
    return {
        **{limit.key: limit.read(environ.get(limit.variable)) for limit in LIMITS},
        # The roots trusted for calls out (Alexa's APIs, certificate downloads): the
        # variable requests reads, which operators and the tests already know.
        "CA_BUNDLE": environ.get("REQUESTS_CA_BUNDLE") or None,
        "DATABASE_URL": environ.get("AFTERCARE_DATABASE_URL") or default_database,
        "SKILL_ID": environ.get("AFTERCARE_SKILL_ID") or None,
        "VERIFY_SIGNATURES": _flag(
            environ.get("AFTERCARE_VERIFY_SIGNATURES"), True, "AFTERCARE_VERIFY_SIGNATURES"
        ),
        "DEFAULT_TIMEZONE": environ.get("AFTERCARE_DEFAULT_TIMEZONE") or DEFAULT_TIMEZONE,
        "LOCALE_TIMEZONES": {
            **LOCALE_TIMEZONES,
            **_locale_zone_names(environ.get("AFTERCARE_LOCALE_TIMEZONES") or ""),
        },
        # Signs the clinic portal's session cookies: see check() for when it is required.
        "SECRET_KEY": environ.get("AFTERCARE_SECRET_KEY") or None,
        "TRUSTED_PROXIES": _count(
            environ.get("AFTERCARE_TRUSTED_PROXIES"), 0, "AFTERCARE_TRUSTED_PROXIES"
        ),
        # Worker processes `aftercare serve` runs; 0: one per core.
        "WORKERS": _count(environ.get("AFTERCARE_WORKERS"), 0, "AFTERCARE_WORKERS"),
    }


def _locale_zone_names(value: str) -> dict[str, str]:
    """ "en-AU=Australia/Perth, en-CA=America/Vancouver" as a mapping."""
    names = {}
    for pair in filter(None, (part.strip() for part in value.split(","))):
        locale, equals, zone = (side.strip() for side in pair.partition("="))
        if not (equals and locale and zone):
            raise ConfigError(
                "AFTERCARE_LOCALE_TIMEZONES must be locale=zone pairs separated by commas, "
                f"such as en-AU=Australia/Perth, not {pair!r}"
            )
        names[locale] = zone
    return names


def locale_zones(config: Mapping[str, Any]) -> dict[str, ZoneInfo]:
    """Each locale's zone for a device the Settings API cannot place (see LOCALE_TIMEZONES)."""
    zones = {}
    for locale, name in config["LOCALE_TIMEZONES"].items():
        try:
            zones[locale] = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f"AFTERCARE_LOCALE_TIMEZONES gives {locale} {name!r}, which is not an IANA zone; "
                "name one such as Europe/London"
            ) from None
    return zones


def _count(value: str | None, default: int, name: str) -> int:
    if value is None or value == "":
        return default
    if not value.isdigit():
        raise ConfigError(f"{name} must be a whole number such as 0 or 1, not {value!r}")
    return int(value)


MIN_SECRET_KEY_LENGTH = 32


def _secret_key(config: Mapping[str, Any]) -> str:
    """The key that signs portal sessions.

    Outside local testing it must come from AFTERCARE_SECRET_KEY: a key made up
    at start-up would sign every clinic's staff out at each restart, and with
    several server processes or hosts each would refuse the others' cookies.
    """
    key = config["SECRET_KEY"]
    local_testing = config.get("TESTING") or not config["VERIFY_SIGNATURES"]
    if not key:
        if local_testing:
            return secrets.token_hex(32)
        raise ConfigError(
            "AFTERCARE_SECRET_KEY is required: set it to a long random string, for example "
            "the output of: python3 -c 'import secrets; print(secrets.token_hex(32))'"
        )
    if len(key) < MIN_SECRET_KEY_LENGTH and not local_testing:
        raise ConfigError(
            f"AFTERCARE_SECRET_KEY is too short to be safe: use at least "
            f"{MIN_SECRET_KEY_LENGTH} random characters, for example the output of: "
            "python3 -c 'import secrets; print(secrets.token_hex(32))'"
        )
    return key


def check(config: dict[str, Any]) -> ZoneInfo:
    """Refuses settings the service cannot run safely with; returns the default zone.

    Fills in SECRET_KEY where local testing may do without one.
    """
    if config["VERIFY_SIGNATURES"] and not config["SKILL_ID"]:
        raise ConfigError(
            "AFTERCARE_SKILL_ID is required: set it to your skill's id "
            "(amzn1.ask.skill.…), or set AFTERCARE_VERIFY_SIGNATURES=0 for local testing"
        )
    try:
        default_zone = ZoneInfo(config["DEFAULT_TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"AFTERCARE_DEFAULT_TIMEZONE must be an IANA zone such as America/New_York, "
            f"not {config['DEFAULT_TIMEZONE']!r}"
        ) from None
    config["SECRET_KEY"] = _secret_key(config)
    return default_zone
