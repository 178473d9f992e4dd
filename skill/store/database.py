"""Engines, migrations, and one ORM Session per request."""

from __future__ import annotations

import hashlib
import re
import secrets
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import flask
from sqlalchemy import (
    URL,
    Connection,
    Engine,
    Select,
    Table,
    create_engine,
    event,
    func,
    inspect,
    make_url,
    select,
    text,
)
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from .faults import DatabaseLimits, bound_postgresql_work, recover_replaced_sqlite_file
from .schema import Base

if TYPE_CHECKING:  # Alembic is imported only when a database is migrated
    from alembic.config import Config

MIGRATIONS_DIRECTORY = Path(__file__).parent / "migrations"
EXTENSION_KEY = "aftercare_store"
EXAMPLE_URLS = "sqlite:///path/aftercare.sqlite3 or postgresql+psycopg://user@host/db"
_REQUEST_SESSION = "aftercare_session"


class UnusableDatabase(Exception):
    """The database URL cannot be used. The message says why and what to do, and
    never quotes a password; callers put the setting's name in front of it."""


# The databases the store runs on. Each one's ON CONFLICT insert is imported with
# it (see insert_ignoring_duplicates): PostgreSQL's dialect was a thirtieth of the
# start of a service on SQLite.
_DIALECTS = ("sqlite", "postgresql")


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
    if parsed.get_backend_name() not in _DIALECTS:
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
        if limits.pool_size is not None:
            # Every thread keeps its connection: with fewer, the threads beyond them
            # opened a connection and closed it again on every request under load
            # (on PostgreSQL, a new server process each time: the p99's tail). As
            # many again may open briefly, for a request that holds its Session's
            # connection while it reads, so no thread ever waits on another.
            options["pool_size"] = options["max_overflow"] = limits.pool_size
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

    A database already at the newest revision is left alone without importing
    Alembic (a tenth of the service's start-up). On PostgreSQL the work is done
    under an advisory lock, so several instances starting at once migrate one at
    a time, and those after the first find nothing to do.

    Raises UnusableDatabase when the URL is wrong or the database cannot be reached.
    """
    engine = make_engine(url)
    try:
        with _migrating_alone(engine, url):
            with engine.begin() as connection:
                tables = inspect(connection).get_table_names()
                if not tables:
                    _create_schema(connection, url)
                    return
                newest = _newest_revision()
                if newest is not None and _schema_revision(connection, tables) == newest:
                    return
            from alembic import command

            command.upgrade(migration_config(url), "head")
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


def _create_schema(connection: Connection, url: str) -> None:
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    if connection.dialect.name == "sqlite":
        # pysqlite leaves DDL outside transactions, so each CREATE
        # would be its own synced commit: make it one.
        connection.exec_driver_sql("BEGIN")
    Base.metadata.create_all(connection)
    MigrationContext.configure(connection).stamp(
        ScriptDirectory.from_config(migration_config(url)), "head"
    )


@contextmanager
def _migrating_alone(engine: Engine, url: str) -> Iterator[None]:
    """On PostgreSQL, holds an advisory lock named for this database and schema."""
    if engine.dialect.name != "postgresql":
        yield
        return
    key = zlib.crc32(make_url(url).render_as_string(hide_password=True).encode("utf-8"))
    with engine.connect() as lock:
        lock.execute(select(func.pg_advisory_lock(key)))
        try:
            yield
        finally:
            lock.execute(select(func.pg_advisory_unlock(key)))


# How the migration files (made from migrations/script.py.mako) name themselves.
_REVISION = re.compile(r"""^revision\b[^=\n]*=\s*["']([^"']+)["']\s*$""", re.MULTILINE)
_DOWN_REVISION = re.compile(
    r"""^down_revision\b[^=\n]*=\s*(?:["']([^"']+)["']|None)\s*$""", re.MULTILINE
)


def _newest_revision() -> str | None:
    """The newest migration's revision, read from the files without importing Alembic;
    None when a file says anything this plain reading is unsure of (one revision and
    one plain parent each), so that Alembic decides. A test checks it against Alembic."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS_DIRECTORY / "versions").glob("*.py"):
        source = path.read_text("utf-8")
        named, parent = _REVISION.findall(source), _DOWN_REVISION.findall(source)
        if len(named) != 1 or len(parent) != 1:
            return None
        revisions.add(named[0])
        parents.add(parent[0])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _schema_revision(connection: Connection, tables: list[str]) -> str | None:
    """The revision Alembic last stamped on the database, if exactly one."""
    if "alembic_version" not in tables:
        return None
    stamped = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return stamped[0] if len(stamped) == 1 else None


def migration_config(url: str) -> Config:
    """Alembic's configuration for the database at url, without an alembic.ini on disk."""
    from alembic.config import Config

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
    """An INSERT that does nothing when a row with the same unique columns exists:
    a repeated write is a no-op inside one statement, so two concurrent requests
    cannot race between a check and an insert."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table).on_conflict_do_nothing(index_elements=unique_columns)


class PreparedRead:
    """One prebuilt SELECT, compiled once for an engine's database and run on a
    connection from the engine's pool with nothing of SQLAlchemy's execution around it.

    For the one query the skill runs on nearly every request (finding the patient):
    SQLAlchemy's Connection, execution context and result objects around it cost a
    quarter of a whole answer (bench/README.md), more than the query. Kept: the pool,
    with its limits and the fault checks that listen on checkout (a deleted SQLite
    file, PostgreSQL's watchdog); the SQL SQLAlchemy compiles for the dialect; each
    column's own result processing (UTCDateTime's aware UTC instants). The read runs
    outside any transaction (autocommit on PostgreSQL: no BEGIN or ROLLBACK round
    trips; pysqlite opens none for a SELECT). A connection an error leaves in doubt is
    discarded, never returned to the pool. Statements whose parameters need binding
    work (a type's bind processing) are refused: they belong to Core.
    """

    def __init__(self, engine: Engine, statement: Select) -> None:
        dialect = engine.dialect
        compiled = statement.compile(dialect=dialect)
        for bind in compiled.binds.values():
            if bind.type.dialect_impl(dialect).bind_processor(dialect) is not None:
                raise ValueError(f"parameter {bind.key!r} needs binding work: run it with Core")
        self._engine = engine
        self._sql = compiled.string
        self._order = compiled.positiontup if compiled.positional else None
        self._processors = [
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in statement.selected_columns
        ]
        self._autocommit = dialect.name == "postgresql"

    def first(self, **parameters: Any) -> tuple | None:
        """The first row (its values as the columns' types read them), or None."""
        values = parameters if self._order is None else [parameters[k] for k in self._order]
        connection = self._engine.raw_connection()
        try:
            if self._autocommit:
                connection.driver_connection.autocommit = True
            cursor = connection.cursor()
            try:
                cursor.execute(self._sql, values)
                row = cursor.fetchone()
            finally:
                cursor.close()
            if self._autocommit:
                connection.driver_connection.autocommit = False
        except BaseException:
            connection.invalidate()
            raise
        finally:
            connection.close()
        if row is None:
            return None
        return tuple(
            value if process is None else process(value)
            for process, value in zip(self._processors, row, strict=True)
        )


class Store:
    """The database: its engine, and the ORM sessions that repositories work in.

    Repositories (``SelfReportedPatients``, ``Treatments``, ``ClinicPatients``,
    …) are cheap objects over one Session; a web request uses one Session from
    start to end (:meth:`request_session`), so Authlib's storage hooks, the
    skill and the portal all see one transaction.
    """

    def __init__(self, engine: Engine) -> None:
        if engine.dialect.name not in _DIALECTS:
            raise ValueError(f"the store supports {sorted(_DIALECTS)}, not {engine.dialect.name}")
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._prepared: dict[Select, PreparedRead] = {}

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

    def prepared(self, statement: Select) -> PreparedRead:
        """``statement`` prepared for this store's database (see :class:`PreparedRead`),
        once: the statements are the few built once in the repositories' modules."""
        read = self._prepared.get(statement)
        if read is None:
            read = self._prepared.setdefault(statement, PreparedRead(self.engine, statement))
        return read

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
        pool_size=app.config.get("THREADS"),
    )
    app.extensions[EXTENSION_KEY] = Store.from_url(url, limits)
    app.teardown_appcontext(_close_request_session)


def get_store(app: flask.Flask) -> Store:
    store: Store = app.extensions[EXTENSION_KEY]
    return store
