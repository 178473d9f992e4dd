"""Engines, migrations, and one ORM Session per request."""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path
from typing import Any

import flask
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, Table, create_engine, event, inspect, make_url
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from .schema import Base

MIGRATIONS_DIRECTORY = Path(__file__).parent / "migrations"
EXTENSION_KEY = "aftercare_store"
_REQUEST_SESSION = "aftercare_session"

# ON CONFLICT DO NOTHING makes a repeated write a no-op inside one statement,
# so two concurrent requests cannot race between a check and an insert.
_INSERT_BY_DIALECT = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def _enforce_foreign_keys(dbapi_connection, _record) -> None:
    # SQLite ignores foreign keys (and ON DELETE CASCADE) unless asked, per connection.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for the store or the migrations, configured the same way for both."""
    parsed = make_url(url)
    connect_args: dict[str, Any] = {}
    is_sqlite = parsed.get_backend_name() == "sqlite"
    if is_sqlite:
        # A threaded WSGI server hands pooled connections between threads.
        connect_args["check_same_thread"] = False
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    # Without hide_parameters a database error's message quotes the bound
    # values (user ids, names, treatment times), and such messages get logged.
    engine = create_engine(parsed, connect_args=connect_args, hide_parameters=True)
    if is_sqlite:
        event.listen(engine, "connect", _enforce_foreign_keys)
    return engine


def upgrade_database(url: str) -> None:
    """Brings the database at url to the latest revision ("alembic upgrade head").

    An empty database gets today's tables in one go and is stamped as being at
    the latest revision (Alembic's recipe for building a database from
    scratch): replaying every migration would take several times as long, and
    tests create many databases. The tests check that the migrations from
    empty arrive at exactly the same schema.
    """
    config = migration_config(url)
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            if not inspect(connection).get_table_names():
                if connection.dialect.name == "sqlite":
                    # pysqlite leaves DDL outside transactions, so each CREATE
                    # would be its own synced commit: make it one.
                    connection.exec_driver_sql("BEGIN")
                Base.metadata.create_all(connection)
                MigrationContext.configure(connection).stamp(
                    ScriptDirectory.from_config(config), "head"
                )
                return
    finally:
        engine.dispose()
    command.upgrade(config, "head")


def migration_config(url: str) -> Config:
    """Alembic's configuration for the database at url, without an alembic.ini on disk."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIRECTORY))
    # Config values go through configparser interpolation, where "%" is special,
    # and URLs carry percent-encoded passwords and options.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def new_token() -> str:
    """A secret for a link or a cookie: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """How a token is kept. The token has 256 random bits, so a fast hash is enough."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def insert_ignoring_duplicates(session: Session, table: Table, unique_columns: list[str]):
    """An INSERT that does nothing when a row with the same unique columns exists."""
    dialect = session.get_bind().dialect.name
    return _INSERT_BY_DIALECT[dialect](table).on_conflict_do_nothing(index_elements=unique_columns)


class Store:
    """The database: its engine, and the ORM sessions that repositories work in.

    Repositories (``SelfReportedPatients``, ``Treatments``, ``ClinicPatients``,
    …) are cheap objects over one Session; a web request uses one Session from
    start to end (:meth:`request_session`), so Authlib's storage hooks, the
    skill and the portal all see one transaction.
    """

    def __init__(self, engine: Engine) -> None:
        if engine.dialect.name not in _INSERT_BY_DIALECT:
            raise ValueError(
                f"the store supports {sorted(_INSERT_BY_DIALECT)}, not {engine.dialect.name}"
            )
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str) -> Store:
        return cls(make_engine(url))

    def session(self) -> Session:
        """A Session of the caller's own (use it as a context manager)."""
        return self._sessions()

    def request_session(self) -> Session:
        """The current request's Session: opened on first use, closed when the request ends."""
        session = flask.g.get(_REQUEST_SESSION)
        if session is None:
            session = self._sessions()
            setattr(flask.g, _REQUEST_SESSION, session)
        return session

    def dispose(self) -> None:
        self.engine.dispose()


def _close_request_session(_error: BaseException | None) -> None:
    session = flask.g.pop(_REQUEST_SESSION, None)
    if session is not None:
        session.close()  # rolls back whatever the request did not commit


def init_app(app: flask.Flask) -> None:
    url = app.config["DATABASE_URL"]
    if app.config.get("MIGRATE_ON_START", True):
        upgrade_database(url)
    app.extensions[EXTENSION_KEY] = Store.from_url(url)
    app.teardown_appcontext(_close_request_session)


def get_store(app: flask.Flask) -> Store:
    store: Store = app.extensions[EXTENSION_KEY]
    return store
