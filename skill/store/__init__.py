"""The patient store: self-reported treatments per Alexa user, in SQLite or PostgreSQL.

A patient is known only by the opaque ``userId`` Alexa sends with every request.
Each treatment they report is one row, so the history answers "how many
sessions have I had" as well as "when was my last one". Every instant goes in
and comes out timezone-aware in UTC, whichever database holds it.

The schema is owned by the Alembic migrations in ``skill/store/migrations``;
:func:`upgrade_database` applies them without an ``alembic.ini`` on disk.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Callable

import flask
from alembic import command
from alembic.config import Config
from sqlalchemy import (
    URL,
    DateTime,
    Dialect,
    Engine,
    MetaData,
    String,
    UniqueConstraint,
    bindparam,
    create_engine,
    delete,
    func,
    make_url,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from skill.config import USER_ID_MAX_LENGTH
from skill.store.faults import (
    DatabaseLimits,
    bound_postgresql_work,
    recover_replaced_sqlite_file,
)

MIGRATIONS_DIRECTORY = Path(__file__).parent / "migrations"
EXTENSION_KEY = "aftercare_store"
EXAMPLE_URLS = "sqlite:///path/aftercare.sqlite3 or postgresql+psycopg://user@host/db"


class UnusableDatabase(Exception):
    """The database URL cannot be used. The message says why and what to do, and
    never quotes a password; callers put the setting's name in front of it."""


def _as_utc(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        # The message names the field, never the value: it may end up in a log.
        raise ValueError(f"{what} must be a timezone-aware datetime")
    return value.astimezone(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """An instant stored in UTC; naive datetimes are refused, results are aware UTC.

    PostgreSQL keeps ``timestamptz`` as an instant but hands it back in the
    session's ``TimeZone``; SQLite has no time zone type at all and keeps the
    UTC wall time. Both come back as the same aware UTC datetime.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        in_utc = _as_utc(value, "a stored instant")
        if dialect.name == "sqlite":
            return in_utc.replace(tzinfo=None)
        return in_utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    # Named constraints let migrations refer to them identically on every database.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class Treatment(Base):
    __tablename__ = "treatments"
    __table_args__ = (
        # One row per reported instant: saying the same treatment twice is not two sessions.
        UniqueConstraint("alexa_user_id", "treated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alexa_user_id: Mapped[str] = mapped_column(String(USER_ID_MAX_LENGTH), index=True)
    treated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


# ON CONFLICT DO NOTHING makes a repeated report a no-op inside one statement,
# so two concurrent requests cannot race between a check and an insert.
_InsertWithOnConflict = sqlite.Insert | postgresql.Insert
_INSERT_BY_DIALECT: dict[str, Callable[[type[Treatment]], _InsertWithOnConflict]] = {
    "sqlite": sqlite.insert,
    "postgresql": postgresql.insert,
}


_LATEST_TREATMENT = select(func.max(Treatment.treated_at)).where(
    Treatment.alexa_user_id == bindparam("user_id")
)
_TREATMENT_COUNT = (
    select(func.count())
    .select_from(Treatment)
    .where(Treatment.alexa_user_id == bindparam("user_id"))
)


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


def make_engine(url: str, limits: DatabaseLimits = DatabaseLimits()) -> Engine:
    """An engine for the store or the migrations, configured the same way for both.

    Raises UnusableDatabase when the URL cannot work, before anything connects.
    """
    parsed = _usable_url(url)
    backend = parsed.get_backend_name()
    connect_args: dict[str, Any] = limits.connect_args(backend)
    options: dict[str, Any] = {}
    if backend == "sqlite":
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
    if backend != "sqlite" or _sqlite_file(parsed):  # an in-memory database has no queue
        options["pool_timeout"] = limits.pool_timeout
    # Without hide_parameters a database error's message quotes the bound
    # values (user ids, treatment times), and such messages get logged.
    return create_engine(parsed, connect_args=connect_args, hide_parameters=True, **options)


def _sqlite_file(parsed) -> bool:
    return bool(parsed.database) and parsed.database != ":memory:"


class TreatmentStore:
    """Treatments reported by each Alexa user, kept as a history."""

    def __init__(self, engine: Engine) -> None:
        try:
            self._insert = _INSERT_BY_DIALECT[engine.dialect.name]
        except KeyError:
            raise ValueError(
                f"the treatment store supports {sorted(_INSERT_BY_DIALECT)}, "
                f"not {engine.dialect.name}"
            ) from None
        self.engine = engine

    @classmethod
    def from_url(cls, url: str, limits: DatabaseLimits = DatabaseLimits()) -> TreatmentStore:
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

    def record_treatment(self, user_id: str, treated_at: datetime, recorded_at: datetime) -> None:
        """Adds a treatment; reporting the same instant again changes nothing."""
        # Checked here as well as in UTCDateTime so the caller gets a plain
        # ValueError instead of SQLAlchemy's StatementError wrapped around it.
        _as_utc(treated_at, "treated_at")
        _as_utc(recorded_at, "recorded_at")
        statement = (
            self._insert(Treatment)
            .values(alexa_user_id=user_id, treated_at=treated_at, recorded_at=recorded_at)
            .on_conflict_do_nothing(index_elements=["alexa_user_id", "treated_at"])
        )
        with self.engine.begin() as connection:
            connection.execute(statement)

    def latest_treatment(self, user_id: str) -> datetime | None:
        """The most recent treatment instant (not the most recently reported), in UTC."""
        # Core and a prebuilt statement, not an ORM Session: this runs on every
        # request, and a Session or building the statement costs more than the query.
        with self.engine.connect() as connection:
            return connection.scalar(_LATEST_TREATMENT, {"user_id": user_id})

    def treatment_count(self, user_id: str) -> int:
        with self.engine.connect() as connection:
            return connection.execute(_TREATMENT_COUNT, {"user_id": user_id}).scalar_one()

    def forget_user(self, user_id: str) -> int:
        """Deletes every treatment of the user (they disabled the skill); returns how many."""
        with self.engine.begin() as connection:
            result = connection.execute(delete(Treatment).where(Treatment.alexa_user_id == user_id))
            return result.rowcount

    def dispose(self) -> None:
        self.engine.dispose()


def upgrade_database(url: str) -> None:
    """Applies every pending migration ("alembic upgrade head") to the database at url.

    Raises UnusableDatabase when the URL is wrong or the database cannot be reached.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIRECTORY))
    # Config values go through configparser interpolation, where "%" is special,
    # and URLs carry percent-encoded passwords and options.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    try:
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
    app.extensions[EXTENSION_KEY] = TreatmentStore.from_url(url, limits)


def get_store(app: flask.Flask) -> TreatmentStore:
    store: TreatmentStore = app.extensions[EXTENSION_KEY]
    return store
