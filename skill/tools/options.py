"""Command-line options the testers' tools share, checked as Click parses them.

Light on purpose: the ``aftercare`` command imports this to declare its options.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click


def iso_instant(_context, _parameter, value: str | None) -> datetime | None:
    """A click callback: an ISO instant with its offset, as aware UTC."""
    if value is None:
        return None
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("give an ISO instant such as 2026-11-27T15:00:00Z") from None
    if instant.tzinfo is None:
        raise click.BadParameter("give a time zone too, such as Z or -05:00")
    return instant.astimezone(UTC)


def zone_named(name: str) -> ZoneInfo | None:
    """The IANA zone of that name, or None when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def time_zone(_context, _parameter, value: str | None) -> ZoneInfo | None:
    """A click callback: an IANA zone name, as a ZoneInfo."""
    if value is None:
        return None
    zone = zone_named(value)
    if zone is None:
        raise click.BadParameter(f"{value!r} is not an IANA zone such as America/New_York")
    return zone


def ready_database(url: str | None) -> None:
    """Brings the tester's --database-url to the latest schema before anything is
    sent, or stops with one line saying why it cannot be used."""
    if url is None:
        return
    from skill.store import UnusableDatabase, upgrade_database  # SQLAlchemy, only when asked

    try:
        upgrade_database(url)
    except UnusableDatabase as problem:
        raise click.BadParameter(str(problem), param_hint="'--database-url'") from None


def refuse_with_url(url: str | None, **in_process_only) -> None:
    """Options that act in this process mean nothing to a server behind --url: refuse them."""
    if url is None:
        return
    for option, value in in_process_only.items():
        if value is not None:
            raise click.UsageError(
                f"--{option.replace('_', '-')} works in process only; "
                f"a server behind --url {IN_PROCESS_ONLY[option]}"
            )


# What a running server uses instead of each in-process option.
IN_PROCESS_ONLY = {
    "timezone": "asks the Settings API for the device's zone, else its AFTERCARE_DEFAULT_TIMEZONE",
    "database_url": "uses its own AFTERCARE_DATABASE_URL",
}
