"""The database's faults, bounded: a slow or unreachable server, a vanished SQLite file.

- Connecting is bounded by ``connect_timeout`` (libpq's, in whole seconds, at least 2).
- On PostgreSQL a connection may stay checked out (one unit of work: a few statements
  and a commit) for ``statement_timeout``. The server is told to cancel statements
  past it, but in a network partition nothing reaches the server and no answer comes
  back, so a watchdog also shuts the connection's socket down at the deadline: the
  waiting call fails at once, the pool drops the connection, and the patient hears the
  apology instead of silence.
- Waiting for a free pooled connection is bounded by ``pool_timeout``.
- A SQLite file that is deleted (or its folder deleted and made again) while the
  service runs is noticed when a connection is next checked out: the schema is made
  again in a new file, and the service carries on without a restart.
"""

from __future__ import annotations

import logging
import math
import os
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import Engine, event
from sqlalchemy.exc import DisconnectionError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DatabaseLimits:
    connect_timeout: float = 2.0
    statement_timeout: float = 2.0
    pool_timeout: float = 2.0
    # Connections the pool keeps open: one per thread that may use one at once (the
    # service's AFTERCARE_THREADS). None: SQLAlchemy's default, for commands and tests.
    pool_size: int | None = None

    def connect_args(self, backend: str) -> dict[str, Any]:
        if backend == "sqlite":
            # How long to wait for another connection's write lock.
            return {"timeout": self.statement_timeout}
        if backend == "postgresql":
            return {"connect_timeout": max(2, math.ceil(self.connect_timeout))}
        return {}


def bound_postgresql_work(engine: Engine, limits: DatabaseLimits) -> None:
    """Bounds each checkout of ``engine``'s connections to ``limits.statement_timeout``."""
    watchdog = _Watchdog(limits.statement_timeout)
    milliseconds = max(1, round(limits.statement_timeout * 1000))

    @event.listens_for(engine, "do_connect")
    def cancel_on_the_server(dialect, connection_record, cargs, cparams) -> None:
        # Given as the session starts (libpq's options, after any the URL gives), not
        # by a SET and a COMMIT of its own: two round trips fewer per new connection.
        given = cparams.get("options", "")
        cparams["options"] = f"{given} -c statement_timeout={milliseconds}".strip()

    @event.listens_for(engine, "checkout")
    def arm(dbapi_connection, connection_record, connection_proxy) -> None:
        watchdog.arm(connection_record, dbapi_connection.pgconn.socket)

    @event.listens_for(engine, "checkin")
    def disarm(dbapi_connection, connection_record) -> None:
        watchdog.disarm(connection_record)


class _Watchdog:
    """Shuts down the sockets of connections checked out past their deadline.

    Arming and disarming (every checkout and checkin) only take a lock: they never wake
    the watchdog's thread, which would compete for the interpreter lock on every
    request. It needs no waking: every deadline falls ``allowed`` seconds after its
    connection was armed, so a thread that looks again at the earliest deadline, or
    ``allowed`` seconds after it last looked when none is armed, is never late.
    """

    def __init__(self, allowed_seconds: float) -> None:
        self._allowed = allowed_seconds
        self._armed: dict[object, tuple[float, int]] = {}  # record -> (deadline, socket fd)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def arm(self, record: object, fd: int) -> None:
        with self._lock:
            self._armed[record] = (time.monotonic() + self._allowed, fd)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._watch, name="database-watchdog", daemon=True
                )
                self._thread.start()

    def disarm(self, record: object) -> None:
        with self._lock:
            self._armed.pop(record, None)

    def _watch(self) -> None:
        while True:
            with self._lock:
                now = time.monotonic()
                overdue = [record for record, (due, _) in self._armed.items() if due <= now]
                for record in overdue:
                    # Still under the lock, so the connection cannot have been checked in
                    # (and handed to another request) in the meantime.
                    _, fd = self._armed.pop(record)
                    _shut_down(fd)
                    log.warning(
                        "a database connection was busy for over %g s; cut it off", self._allowed
                    )
                next_look = min((due for due, _ in self._armed.values()), default=None)
            time.sleep(self._allowed if next_look is None else max(0.0, next_look - now))


def _shut_down(fd: int) -> None:
    """Ends a socket's traffic both ways; whoever waits on it sees it closed at once."""
    try:
        # A duplicate descriptor of the same socket: closing it leaves libpq's own alone.
        with socket.socket(fileno=os.dup(fd)) as duplicate:
            duplicate.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed: nothing left to cut


def recover_replaced_sqlite_file(
    engine: Engine, path: str, recreate_schema: Callable[[], None]
) -> None:
    """Notices when the SQLite file at ``path`` is deleted or replaced, and carries on
    with a new file: ``recreate_schema`` makes the tables in it."""
    recreating = threading.Lock()

    def file_identity() -> tuple[int, int] | None:
        try:
            status = os.stat(path)
        except FileNotFoundError:
            return None
        return status.st_dev, status.st_ino

    @event.listens_for(engine, "do_connect")
    def make_room(dialect, connection_record, cargs, cparams) -> None:
        if file_identity() is None:
            with recreating:
                if file_identity() is None:
                    log.warning("the SQLite database file is gone; making a new one")
                    Path(path).parent.mkdir(parents=True, exist_ok=True)
                    recreate_schema()

    @event.listens_for(engine, "connect")
    def remember_file(dbapi_connection, connection_record) -> None:
        connection_record.info["file"] = file_identity()

    @event.listens_for(engine, "checkout")
    def check_file(dbapi_connection, connection_record, connection_proxy) -> None:
        if connection_record.info.get("file") != file_identity():
            # The pool reconnects (and make_room makes the file) and tries again.
            raise DisconnectionError("the SQLite database file was deleted or replaced")
