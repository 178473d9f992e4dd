"""A PostgreSQL server of the benchmark's own, so that other people's test runs on the
shared server cannot shape its figures.

:func:`own_postgres` runs Debian's ``initdb`` into a temporary folder and starts the
server on a free loopback port (as the ``postgres`` user when run as root, which
PostgreSQL refuses to run as), with ``pg_stat_statements`` loaded and
every statement slower than ``slow_ms`` logged; it stops the server and deletes the
folder at the end. Without the server binaries it falls back to the shared server
(AFTERCARE_TEST_POSTGRES_URL) and says so. :func:`statement_report` reads what the
server saw. Benchmarks only; the tests use the shared server.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from bench.common import free_port


@dataclass(frozen=True)
class Postgres:
    url: str  # postgresql+psycopg://…, a database nobody else uses
    log: Path | None  # the server's log, when it is our own
    own: bool


def _binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _as_postgres(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    # setpriv, not su or runuser: the server must stay in this session (see below).
    return ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", *command]


@contextmanager
def own_postgres(fallback_url: str | None, slow_ms: int = 20) -> Iterator[Postgres | None]:
    """Our own server (see the module's notes), or the fallback, or None.

    The server runs as a child of this process, in this session, not started by
    ``pg_ctl`` (which puts it in a session of its own). Linux shares the CPU between
    sessions first ("autogroups"), so a server in a session of its own gets one
    session's share for all its backends, however many requests wait on them: on a
    busy two-core machine its backends waited hundreds of milliseconds for the CPU.
    In this session it competes as its processes, as a database on its own host
    would not compete at all.
    """
    binaries = _binaries()
    if binaries is None:
        if fallback_url:
            print("warning: no PostgreSQL server binaries; using the shared server")
            yield Postgres(fallback_url, None, own=False)
        else:
            yield None
        return
    folder = Path(tempfile.mkdtemp(prefix="aftercare-bench-pg-"))
    data, log = folder / "data", folder / "server.log"
    port = free_port()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    server: subprocess.Popen | None = None
    try:
        subprocess.run(
            _as_postgres(
                [str(binaries / "initdb"), "-D", str(data), "-U", "postgres"]
                + ["--auth=trust", "-E", "UTF8", "--no-sync"]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        settings = {
            "port": port,
            "listen_addresses": "127.0.0.1",
            "unix_socket_directories": folder,
            "shared_preload_libraries": "pg_stat_statements",
            "pg_stat_statements.track": "all",
            "log_min_duration_statement": slow_ms,
            "log_lock_waits": "on",
            "deadlock_timeout": "20ms",  # log_lock_waits reports waits past this
            "log_checkpoints": "on",
            "log_connections": "on",
            "track_wal_io_timing": "on",
            "max_connections": 200,
        }
        with log.open("wb") as server_log:
            server = subprocess.Popen(
                _as_postgres([str(binaries / "postgres"), "-D", str(data)])
                + [
                    option
                    for name, value in settings.items()
                    for option in ("-c", f"{name}={value}")
                ],
                stdout=server_log,
                stderr=subprocess.STDOUT,
            )
        url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        _wait_until_ready(url, server)
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("CREATE EXTENSION pg_stat_statements"))
        admin.dispose()
        print(f"PostgreSQL of our own on 127.0.0.1:{port} ({binaries.parent.name})")
        yield Postgres(url, log, own=True)
    finally:
        if server is not None:
            server.send_signal(signal.SIGINT)  # PostgreSQL's "fast" shutdown
            server.wait(60)
        shutil.rmtree(folder, ignore_errors=True)


def _wait_until_ready(url: str, server: subprocess.Popen, seconds: float = 60) -> None:
    engine = create_engine(url)
    deadline = time.monotonic() + seconds
    try:
        while True:
            if server.poll() is not None:
                raise SystemExit(f"PostgreSQL exited early ({server.returncode})")
            try:
                with engine.connect():
                    return
            except OperationalError:
                if time.monotonic() > deadline:
                    raise SystemExit("PostgreSQL did not start") from None
                time.sleep(0.1)
    finally:
        engine.dispose()


def reset_statistics(postgres: Postgres) -> int:
    """Starts the statistics afresh; returns where the server's log stands (for
    :func:`statement_report`'s ``since``)."""
    if not postgres.own:
        return 0
    engine = create_engine(postgres.url)
    with engine.begin() as connection:
        connection.execute(text("SELECT pg_stat_statements_reset()"))
        connection.execute(text("SELECT pg_stat_reset_shared('wal')"))
    engine.dispose()
    return postgres.log.stat().st_size


_DURATION = re.compile(r"duration: ([\d.]+) ms")


def statement_report(postgres: Postgres, since: int, top: int = 6) -> str:
    """What our own server saw since :func:`reset_statistics`: the statements that
    took longest at most, WAL flushes, connections opened, and the slowest lines of
    its log (statements past ``slow_ms``, lock waits)."""
    if not postgres.own:
        return "(the shared server: no statement statistics)"
    engine = create_engine(postgres.url)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT calls, round(mean_exec_time::numeric, 2), "
                "round(max_exec_time::numeric, 1), "
                "left(regexp_replace(query, '\\s+', ' ', 'g'), 80) "
                "FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat%' "
                "ORDER BY max_exec_time DESC LIMIT :top"
            ),
            {"top": top},
        ).all()
        wal = connection.execute(
            text("SELECT wal_sync, round(wal_sync_time::numeric) FROM pg_stat_wal")
        ).one()
    engine.dispose()
    with postgres.log.open("rb") as log:
        log.seek(since)
        logged = log.read().decode("utf-8", "replace").splitlines()
    slow = sorted(
        (line for line in logged if _DURATION.search(line) or "still waiting" in line),
        key=lambda line: -float(_DURATION.search(line).group(1)) if _DURATION.search(line) else 0,
    )
    lines = ["   calls  mean ms   max ms  statement"]
    lines += [f"{calls:>8} {mean:>8} {most:>8}  {query}" for calls, mean, most, query in rows]
    lines.append(f"WAL flushes: {wal[0]}, {wal[1]} ms in all")
    lines.append(f"connections opened: {sum('connection authorized' in line for line in logged)}")
    lines.append(f"log lines of slow statements or lock waits: {len(slow)}; the slowest:")
    lines += [f"  {line.strip()[:160]}" for line in slow[:top]]
    return "\n".join(lines)
