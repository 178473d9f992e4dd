"""The ``aftercare`` command: serve the skill, manage its database.

Each command imports the heavy parts (Flask, SQLAlchemy, ask-sdk) itself, so
``aftercare --help`` and ``aftercare model check`` start without them.
"""

from __future__ import annotations

import importlib
import json
import logging
from collections import Counter
from pathlib import Path

import click

from skill.aftercare.locales import ENGLISH_LOCALES
from skill.config import ConfigError
from skill.tools.options import iso_instant, ready_database, refuse_with_url, time_zone

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _app(**overrides):
    from skill.app import create_app

    try:
        return create_app(overrides)
    except ConfigError as problem:  # the environment is wrong, not the command line
        raise click.ClickException(str(problem)) from None


class LazyGroup(click.Group):
    """A group whose subcommands in ``lazy`` (name -> "module:attribute") are imported
    only when named (or listed by --help): the testers' tools alone, the Skills Kit's
    interaction model classes above all, were a sixth of `aftercare serve`'s start."""

    def __init__(self, *args, lazy: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy

    def list_commands(self, context: click.Context) -> list[str]:
        return sorted({*super().list_commands(context), *self.lazy})

    def get_command(self, context: click.Context, name: str) -> click.Command | None:
        if name in self.lazy:
            module, _, attribute = self.lazy[name].partition(":")
            return getattr(importlib.import_module(module), attribute)
        return super().get_command(context, name)


@click.group(
    cls=LazyGroup,
    lazy={
        "model": "skill.tools.model_check:model_group",
        "say": "skill.tools.say:say",
        "clinic": "skill.portal.commands:clinic_group",
        "oauth": "skill.oauth.commands:oauth_group",
    },
)
def main() -> None:
    """Skin Aftercare: an Alexa skill for microneedling aftercare.

    Configuration comes from the AFTERCARE_* environment variables (see the README).
    """
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--threads",
    type=click.IntRange(1, 256),
    help="Requests each worker serves at once [AFTERCARE_THREADS].",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    help="Worker processes [AFTERCARE_WORKERS; default one per CPU core].",
)
def serve(host: str, port: int, threads: int | None, workers: int | None) -> None:
    """Serve the skill with waitress in worker processes; SIGTERM finishes requests in
    flight, then stops.

    Timeouts and limits come from AFTERCARE_* variables (see "Operating" in the README).
    """
    from skill.server import (
        ServeError,
        ServerLimits,
        default_workers,
        listen,
        serve_on,
        serve_workers,
        starting_up,
    )
    from skill.webhooks.sender import WebhookSender

    overrides = {"ACCESS_LOG": True, **({"THREADS": threads} if threads else {})}
    # Every setting is checked, and the database migrated, once, before any worker starts.
    with starting_up():
        app = _app(**overrides)
    limits = ServerLimits.from_config(app.config)
    count = workers or app.config["WORKERS"] or default_workers()

    def worker_app():
        from skill.app import create_app

        try:
            with starting_up():
                worker = create_app({**overrides, "MIGRATE_ON_START": False})
        except ConfigError as problem:
            raise ServeError(str(problem)) from None
        # Clinics' webhooks, off the request path. Started in the worker, after the
        # fork: a thread does not survive fork().
        WebhookSender.for_app(worker).start()
        return worker

    try:
        listener = listen(host, port)
        if count == 1:
            sender = WebhookSender.for_app(app).start()
            try:
                serve_on(app, listener, limits)
            finally:
                sender.stop()
        else:
            serve_workers(worker_app, listener, limits, count)
    except ServeError as problem:
        raise click.ClickException(str(problem)) from None


@main.group()
def db() -> None:
    """Manage the patient store's database."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration to AFTERCARE_DATABASE_URL."""
    from skill.app import upgrade_database

    try:
        upgrade_database()
    except ConfigError as problem:
        raise click.ClickException(str(problem)) from None
    click.echo("The database is at the latest revision.")


def _label(envelope: dict) -> str:
    request = envelope["request"]
    intent = request.get("intent")
    return (intent.get("name") if isinstance(intent, dict) else None) or request.get("type", "?")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--json", "as_json", is_flag=True, help="Print each whole response as JSON, one per line."
)
@click.option(
    "--at", callback=iso_instant, help="Pretend the (first) request was sent at this ISO instant."
)
@click.option(
    "--timezone",
    callback=time_zone,
    help="Answer the Settings API in process: every device is in this IANA zone.",
)
@click.option("--user", "user_id", help="Send every request as this Alexa userId.")
@click.option("--device", "device_id", help="Send every request from this deviceId.")
@click.option(
    "--locale",
    type=click.Choice(ENGLISH_LOCALES),
    help="Send every request in this locale: what would a listener there hear?",
)
@click.option(
    "--access-token",
    help="Send every request with this account-linking accessToken (a linked patient).",
)
@click.option(
    "--url",
    help="Send to a running server (verification off) instead of in process; "
    "each file as a user and device of its own unless --user or --device.",
)
@click.option(
    "--database-url", help="In process: use this database instead of a fresh one per file."
)
@click.option(
    "--expect",
    is_flag=True,
    help="Check NAME.expected.json or inline expectations; exit 1 on any failure "
    "or when nothing was checked.",
)
def replay(
    paths,
    as_json,
    at,
    timezone,
    user_id,
    device_id,
    locale,
    access_token,
    url,
    database_url,
    expect,
) -> None:
    """Replay Alexa request envelopes (files or folders of them) and print what Alexa would say."""
    from skill.tools.replay import Overrides, ReplayError, replay_files

    # The in-process app's start-up chatter (migrations, verification off) is not the tester's news.
    logging.getLogger().setLevel(logging.ERROR)
    refuse_with_url(url, timezone=timezone, database_url=database_url)
    ready_database(database_url)
    overrides = Overrides(
        at=at, user_id=user_id, device_id=device_id, locale=locale, access_token=access_token
    )
    try:
        files = list(replay_files(list(paths)))
    except ReplayError as problem:
        raise click.UsageError(str(problem)) from None
    zone_name = timezone.key if timezone else None
    tally: Counter[str] = Counter()
    for path in files:
        try:
            tally[_replay_one(path, overrides, url, database_url, zone_name, expect, as_json)] += 1
        except ConfigError as problem:  # an AFTERCARE_* variable the in-process app refuses
            raise click.ClickException(str(problem)) from None
    if expect:
        line = f"{tally['passed']} passed, {tally['failed']} failed, {tally['unchecked']} unchecked"
        click.echo(line + (f", {tally['skipped']} skipped" if tally["skipped"] else ""))
    if tally["failed"]:
        raise SystemExit(1)
    # A run that checked nothing must not pass for one that checked everything.
    if tally["skipped"] and not (tally["passed"] or tally["replayed"] or tally["unchecked"]):
        raise click.ClickException("nothing was replayed: every file needs an in-process replay")
    if expect and not tally["passed"]:
        raise click.ClickException(
            "nothing was checked: no file has expectations "
            "(inline 'expect', or NAME.expected.json beside it)"
        )


def _replay_one(path, overrides, url, database_url, timezone, expect, as_json) -> str:
    """Replays one file and prints what happened; returns the outcome: passed, failed,
    unchecked (nothing expected of it) or, without --expect, replayed; skipped when
    it needs an in-process replay and --url was given."""
    from skill.tools.replay import (
        ReplayError,
        load_case,
        needs_in_process,
        replay_case,
        spoken_text,
    )

    try:
        case = load_case(path)
        if url is not None and (reason := needs_in_process(case)):
            click.echo(f"SKIP {path}: {reason}")
            return "skipped"
        results = list(
            replay_case(case, overrides, url=url, database_url=database_url, timezone=timezone)
        )
    except ReplayError as problem:
        click.echo(f"FAIL {path}: {problem}" if expect else f"{path}: {problem}")
        return "failed"
    if as_json:  # one response per line (JSON Lines), for other tools to read
        for result in results:
            click.echo(json.dumps(result.response, ensure_ascii=False))
    elif not expect:
        click.echo(str(path))
        for number, result in enumerate(results, 1):
            click.echo(f"  {number}. {_label(result.request)}: {spoken_text(result.response)}")
    if not expect:
        return "replayed"
    if not any(turn.expect for turn in case.turns):
        click.echo(f"UNCHECKED {path} (no expectations)")
        return "unchecked"
    failures = [
        f"turn {number} ({_label(result.request)}):\n{mismatch}"
        for number, result in enumerate(results, 1)
        for mismatch in result.mismatches
    ]
    if failures:
        click.echo(f"FAIL {path}")
        for failure in failures:
            click.echo("  " + failure.replace("\n", "\n  "))
        return "failed"
    click.echo(f"PASS {path} ({len(results)} turns)")
    return "passed"
