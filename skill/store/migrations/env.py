"""Alembic environment for the patient store.

Runs both from the ``alembic`` command line (``alembic.ini`` at the repository
root) and from :func:`skill.store.upgrade_database`, which builds its Config in
code and sets ``sqlalchemy.url``.
"""

import os
from logging.config import fileConfig
from typing import Any

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import make_url

from skill.store import Base, UTCDateTime, make_engine

DEFAULT_DATABASE_URL = "sqlite:///instance/aftercare.sqlite3"

config = context.config

# Only the command line has an ini file with logging sections. Called from the
# app there is none, and the app's own logging configuration must stand.
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def database_url() -> str:
    return (
        config.get_main_option("sqlalchemy.url")
        or os.environ.get("AFTERCARE_DATABASE_URL")
        or DEFAULT_DATABASE_URL
    )


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | bool:
    # Autogenerate would otherwise write "skill.store.UTCDateTime()" into a
    # revision, tying old migrations to today's model code.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def configure_options(url: str) -> dict[str, Any]:
    return {
        "target_metadata": target_metadata,
        "render_item": render_item,
        # SQLite cannot ALTER most things in place; batch mode rebuilds the table.
        "render_as_batch": make_url(url).get_backend_name() == "sqlite",
    }


def run_migrations_offline() -> None:
    url = database_url()
    context.configure(
        url=url,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **configure_options(url),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = database_url()
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context.configure(connection=connection, **configure_options(url))
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
