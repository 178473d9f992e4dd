"""The ``aftercare`` command: serve the skill, manage its database."""

from __future__ import annotations

import logging

import click
import waitress

from skill.app import create_app
from skill.config import ConfigError
from skill.store import upgrade_database

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


@main.group()
def db() -> None:
    """Manage the patient store's database."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration to AFTERCARE_DATABASE_URL."""
    app = _app(MIGRATE_ON_START=False)
    upgrade_database(app.config["DATABASE_URL"])
    click.echo("The database is at the latest revision.")
