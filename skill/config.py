"""Configuration from AFTERCARE_* environment variables, read once by the app factory."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "America/New_York"


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


def from_environment(environ: Mapping[str, str], instance_path: str) -> dict[str, Any]:
    """The app's settings; see the README for what each variable means."""
    default_database = f"sqlite:///{os.path.join(instance_path, 'aftercare.sqlite3')}"
    return {
        "DATABASE_URL": environ.get("AFTERCARE_DATABASE_URL") or default_database,
        "SKILL_ID": environ.get("AFTERCARE_SKILL_ID") or None,
        "VERIFY_SIGNATURES": _flag(
            environ.get("AFTERCARE_VERIFY_SIGNATURES"), True, "AFTERCARE_VERIFY_SIGNATURES"
        ),
        "DEFAULT_TIMEZONE": environ.get("AFTERCARE_DEFAULT_TIMEZONE") or DEFAULT_TIMEZONE,
        # Signs nothing the skill relies on across restarts yet, so a fresh
        # random key is a safe default.
        "SECRET_KEY": environ.get("AFTERCARE_SECRET_KEY") or secrets.token_hex(32),
    }


def check(config: Mapping[str, Any]) -> ZoneInfo:
    """Refuses settings the service cannot run safely with; returns the default zone."""
    if config["VERIFY_SIGNATURES"] and not config["SKILL_ID"]:
        raise ConfigError(
            "AFTERCARE_SKILL_ID is required: set it to your skill's id "
            "(amzn1.ask.skill.…), or set AFTERCARE_VERIFY_SIGNATURES=0 for local testing"
        )
    try:
        return ZoneInfo(config["DEFAULT_TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"AFTERCARE_DEFAULT_TIMEZONE must be an IANA zone such as America/New_York, "
            f"not {config['DEFAULT_TIMEZONE']!r}"
        ) from None
