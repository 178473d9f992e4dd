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
from sqlalchemy import URL, Engine, Table, create_engine, event, inspect, make_url, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from .faults import DatabaseLimits, bound_postgresql_work, recover_replaced_sqlite_file
from .schema import Base

MIGRATIONS_DIRECTORY = Path(__file__).parent / "migrations"
EXTENSION_KEY = "aftercare_store"
EXAMPLE_URLS = "sqlite:///path/aftercare.sqlite3 or postgresql+psycopg://user@host/db"
_REQUEST_SESSION = "aftercare_session"


class UnusableDatabase(Exception):
    """The database URL cannot be used. The message says why and what to do, and
    never quotes a password; callers put the setting's name in front of it."""


# ON CONFLICT DO NOTHING makes a repeated write a no-op inside one statement,
# so two concurrent requests cannot race between a check and an insert.
_INSERT_BY_DIALECT = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def _enforce_foreign_keys(dbapi_connection, _record) -> None:
    # SQLite ignores foreign keys (and ON DELETE CASCADE) unless asked, per connection.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _usable_url(url: str) -> URL:
    """The parsed URL, once SQLAlchemy can load its driver and the store runs on its database."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise UnusableDatabase(f"not a database URL; give one such as {EXAMPLE_URLS}") from None
    if parsed.get_backend_name() not in _INSERT_BY_DIALECT:
        raise UnusableDatabase(
            f"the store runs on SQLite or PostgreSQL, not {parsed.get_backend_name()!r}; "
            f"give a URL such as {EXAMPLE_URLS}"
        )
    try:
        parsed.get_dialect().import_dbapi()
    except NoSuchModuleError:
        raise UnusableDatabase(
            f"SQLAlchemy has no driver {parsed.drivername!r}; give a URL such as {EXAMPLE_URLS}"
        ) from None
    except ImportError as missing:
        raise UnusableDatabase(
            f"its driver {missing.name or parsed.drivername} is not installed; "
            "for PostgreSQL give postgresql+psycopg://… and pip install -e '.[postgres]'"
        ) from None
    return parsed


def _sqlite_file(parsed: URL) -> bool:
    return bool(parsed.database) and parsed.database != ":memory:"


def make_engine(url: str, limits: DatabaseLimits = DatabaseLimits()) -> Engine:
    """An engine for the store or the migrations, configured the same way for both.

    Raises UnusableDatabase when the URL cannot work, before anything connects.
    """
    parsed = _usable_url(url)
    is_sqlite = parsed.get_backend_name() == "sqlite"
    connect_args: dict[str, Any] = limits.connect_args(parsed.get_backend_name())
    options: dict[str, Any] = {}
    if is_sqlite:
        # A threaded WSGI server hands pooled connections between threads.
        connect_args["check_same_thread"] = False
        if _sqlite_file(parsed):
            folder = Path(parsed.database).parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise UnusableDatabase(
                    f"cannot create the folder {folder} ({error.strerror}); "
                    "give a path this user may write to"
                ) from None
    if not is_sqlite or _sqlite_file(parsed):  # an in-memory database has no queue
        options["pool_timeout"] = limits.pool_timeout
    # Without hide_parameters a database error's message quotes the bound
    # values (user ids, names, treatment times), and such messages get logged.
    engine = create_engine(parsed, connect_args=connect_args, hide_parameters=True, **options)
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

    Raises UnusableDatabase when the URL is wrong or the database cannot be reached.
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
        command.upgrade(config, "head")
    except DBAPIError as error:
        # The driver's own first line ("connection refused", "password authentication
        # failed"), without SQLAlchemy's statement and background link.
        said = str(error.orig).strip().splitlines()
        reason = said[0] if said else type(error.orig).__name__
        shown = make_url(url).render_as_string(hide_password=True)
        raise UnusableDatabase(
            f"cannot use the database at {shown} ({reason}); "
            "check the URL and that the database is running and lets this user in"
        ) from None
    finally:
        engine.dispose()


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
    def from_url(cls, url: str, limits: DatabaseLimits = DatabaseLimits()) -> Store:
        """The store, its database's faults bounded (see ``skill.store.faults``)."""
        engine = make_engine(url, limits)
        parsed = make_url(url)
        if engine.dialect.name == "postgresql":
            bound_postgresql_work(engine, limits)
        elif _sqlite_file(parsed):
            recover_replaced_sqlite_file(engine, parsed.database, lambda: upgrade_database(url))
        return cls(engine)

    def ping(self) -> None:
        """Raises unless the database answers a trivial query (within the limits)."""
        with self.engine.connect() as connection:
            connection.execute(select(1))

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
    default = DatabaseLimits()
    limits = DatabaseLimits(
        connect_timeout=app.config.get("DB_CONNECT_TIMEOUT", default.connect_timeout),
        statement_timeout=app.config.get("DB_STATEMENT_TIMEOUT", default.statement_timeout),
        pool_timeout=app.config.get("DB_POOL_TIMEOUT", default.pool_timeout),
    )
    app.extensions[EXTENSION_KEY] = Store.from_url(url, limits)
    app.teardown_appcontext(_close_request_session)


def get_store(app: flask.Flask) -> Store:
    store: Store = app.extensions[EXTENSION_KEY]
    return store
