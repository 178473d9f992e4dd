"""The ``aftercare`` command: serve the skill, manage its database."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import click
import waitress

from skill.app import create_app
from skill.config import ConfigError
from skill.portal.commands import clinic_group
from skill.store import upgrade_database
from skill.tools.model_check import model_group
from skill.tools.replay import (
    Overrides,
    ReplayError,
    load_case,
    replay_case,
    replay_files,
    spoken_text,
)
from skill.tools.say import iso_instant, say

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _app(**overrides):
    try:
        return create_app(overrides)
    except ConfigError as problem:
        raise click.UsageError(str(problem)) from None


@click.group()
def main() -> None:
    """Skin Aftercare: an Alexa skill for microneedling aftercare.

    Configuration comes from the AFTERCARE_* environment variables (see the README).
    """
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256))
def serve(host: str, port: int, threads: int) -> None:
    """Serve the skill with waitress, a production WSGI server."""
    waitress.serve(_app(), host=host, port=port, threads=threads, ident="aftercare")


main.add_command(model_group)
main.add_command(say)
main.add_command(clinic_group)


@main.group()
def db() -> None:
    """Manage the patient store's database."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration to AFTERCARE_DATABASE_URL."""
    app = _app(MIGRATE_ON_START=False)
    upgrade_database(app.config["DATABASE_URL"])
    click.echo("The database is at the latest revision.")


def _label(envelope: dict) -> str:
    request = envelope["request"]
    return (request.get("intent") or {}).get("name") or request.get("type", "?")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--json", "as_json", is_flag=True, help="Print each whole response as JSON, one per line."
)
@click.option(
    "--at", callback=iso_instant, help="Pretend the (first) request was sent at this ISO instant."
)
@click.option(
    "--timezone", help="Answer the Settings API in process: every device is in this IANA zone."
)
@click.option("--user", "user_id", help="Send every request as this Alexa userId.")
@click.option("--device", "device_id", help="Send every request from this deviceId.")
@click.option("--url", help="Send to a running server (verification off) instead of in process.")
@click.option(
    "--database-url", help="In process: use this database instead of a fresh one per file."
)
@click.option(
    "--expect",
    is_flag=True,
    help="Check NAME.expected.json or inline expectations; exit 1 on any failure.",
)
def replay(paths, as_json, at, timezone, user_id, device_id, url, database_url, expect) -> None:
    """Replay Alexa request envelopes (files or folders of them) and print what Alexa would say."""
    # The in-process app's start-up chatter (migrations, verification off) is not the tester's news.
    logging.getLogger().setLevel(logging.ERROR)
    overrides = Overrides(at=at, user_id=user_id, device_id=device_id)
    tally = {"passed": 0, "failed": 0, "unchecked": 0}
    try:
        files = list(replay_files(list(paths)))
    except ReplayError as problem:
        raise click.UsageError(str(problem)) from None
    for path in files:
        failures = _replay_one(path, overrides, url, database_url, timezone, expect, as_json)
        if not expect:
            continue
        outcome = "unchecked" if failures is None else "failed" if failures else "passed"
        tally[outcome] += 1
    if expect:
        click.echo(
            f"{tally['passed']} passed, {tally['failed']} failed, {tally['unchecked']} unchecked"
        )
        if tally["failed"]:
            raise SystemExit(1)


def _replay_one(path, overrides, url, database_url, timezone, expect, as_json) -> list[str] | None:
    """Replays one file; returns its failures, or None when nothing was expected of it."""
    try:
        case = load_case(path)
        results = list(
            replay_case(case, overrides, url=url, database_url=database_url, timezone=timezone)
        )
    except ReplayError as problem:
        click.echo(f"FAIL {path}: {problem}" if expect else f"{path}: {problem}")
        return [str(problem)]
    if as_json:  # one response per line (JSON Lines), for other tools to read
        for result in results:
            click.echo(json.dumps(result.response, ensure_ascii=False))
    elif not expect:
        click.echo(str(path))
        for number, result in enumerate(results, 1):
            click.echo(f"  {number}. {_label(result.request)}: {spoken_text(result.response)}")
    failures = [
        f"turn {number} ({_label(result.request)}):\n{mismatch}"
        for number, result in enumerate(results, 1)
        for mismatch in result.mismatches
    ]
    if not expect:
        return failures
    if not any(turn.expect for turn in case.turns):
        click.echo(f"UNCHECKED {path} (no expectations)")
        return None
    if failures:
        click.echo(f"FAIL {path}")
        for failure in failures:
            click.echo("  " + failure.replace("\n", "\n  "))
    else:
        click.echo(f"PASS {path} ({len(results)} turns)")
    return failures
