"""The production server: waitress, with deliberate limits and a graceful stop.

Why the limits are what they are:

- waitress reads every request whole in its one I/O thread, however many connections
  are open, before a worker thread sees it. A slow or idle client costs a connection
  slot and a little memory, never a thread, so threads (``THREADS``) only need to cover
  requests being answered at once, and connections (``CONNECTION_LIMIT``) can be many
  more. waitress's default of 100 connections let 110 idle ones lock everyone out.
  More threads than that only queue for the interpreter lock: a thread back from a
  database round trip waits behind all the others, and with 8 threads PostgreSQL's
  p99 at 32 clients was two to three times that with 4 (bench/README.md).
- A connection that sends nothing for ``IDLE_TIMEOUT`` is closed. Alexa sends each
  request at once and waits at most 8 seconds for the answer, so 10 seconds of silence
  is never Alexa. waitress checks for such connections every ``_CLEANUP_SECONDS``.
- A body over ``MAX_REQUEST_BYTES`` is refused by waitress while it is still arriving,
  not buffered first (waitress's own default is 1 GB); headers are capped likewise.
- On SIGTERM (or SIGINT) the server stops accepting, closes idle connections and those
  still sending, and lets requests already received finish for up to
  ``SHUTDOWN_TIMEOUT`` before it exits.

Every core: :func:`serve_workers` binds the port once, then forks worker processes that
each run one waitress server (with all the limits above, per process) on that same
listening socket; the kernel hands each new connection to a worker that is waiting in
``accept``. The parent only starts workers, replaces one that dies, and passes SIGTERM
on, so each worker drains as above. Several processes rather than more threads because
the answer is Python, and one process's threads share one interpreter lock.
"""

from __future__ import annotations

import errno
import gc
import logging
import math
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import waitress
from waitress.server import BaseWSGIServer

log = logging.getLogger(__name__)

_CLEANUP_SECONDS = 2
_MAX_HEADER_BYTES = 64 * 1024  # Alexa's headers are about 1 KB; waitress allows 256 KB
# How often the serving loop looks for a stop request; a signal is noticed this soon.
_LOOP_SECONDS = 0.2
# A worker that dies is replaced, but never more often than this: a worker that cannot
# start at all must not turn into a fork loop.
_RESPAWN_SECONDS = 1.0
# Connections the kernel queues for accept() beyond those being served.
_BACKLOG = 1024
_STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


class ServeError(Exception):
    """The server cannot start; the message is one sentence with a way forward."""


@dataclass(frozen=True)
class ServerLimits:
    threads: int
    connection_limit: int
    idle_timeout: float
    shutdown_timeout: float
    max_request_bytes: int
    trusted_proxies: int = 0  # AFTERCARE_TRUSTED_PROXIES: proxies whose X-Forwarded-* to keep

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ServerLimits:
        return cls(
            threads=config["THREADS"],
            connection_limit=config["CONNECTION_LIMIT"],
            idle_timeout=config["IDLE_TIMEOUT"],
            shutdown_timeout=config["SHUTDOWN_TIMEOUT"],
            max_request_bytes=config["MAX_REQUEST_BYTES"],
            trusted_proxies=config["TRUSTED_PROXIES"],
        )

    def waitress_settings(self) -> dict[str, Any]:
        return {
            "threads": self.threads,
            "connection_limit": self.connection_limit,
            # waitress counts whole seconds.
            "channel_timeout": max(1, math.ceil(self.idle_timeout)),
            "cleanup_interval": min(_CLEANUP_SECONDS, max(1, math.ceil(self.idle_timeout))),
            "max_request_body_size": self.max_request_bytes,
            "max_request_header_size": _MAX_HEADER_BYTES,
            # select() cannot watch file descriptors past 1024; poll() can.
            "asyncore_use_poll": True,
            # waitress drops X-Forwarded-* headers from peers it does not trust; behind
            # trusted proxies the app's ProxyFix reads them instead (it trusts exactly
            # AFTERCARE_TRUSTED_PROXIES hops), so they must reach it.
            "clear_untrusted_proxy_headers": not self.trusted_proxies,
            "ident": "aftercare",
        }


def listen(host: str, port: int) -> socket.socket:
    """The listening socket every worker accepts on; a port in use is a ServeError."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(_BACKLOG)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise ServeError(
                f"port {port} on {host} is already in use; stop what is using it, "
                "or choose another with --port"
            ) from None
        raise ServeError(f"cannot listen on {host} port {port}: {error.strerror}") from None
    return listener


class _NowAndThen(logging.Filter):
    """Lets one record through per ``seconds``, saying how many were held back.

    waitress warns "Task queue depth is N" for each request that waits for a free
    thread: under load, thousands of lines a minute that all say the same thing.
    """

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self._seconds = seconds
        self._next = 0.0
        self._held = 0
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        with self._lock:
            now = time.monotonic()
            if now < self._next:
                self._held += 1
                return False
            if self._held:
                record.msg = f"{record.msg} (and {self._held} more such warnings before it)"
            self._next, self._held = now + self._seconds, 0
            return True


_QUEUE_WARNINGS = _NowAndThen(seconds=60.0)


def serve_on(app, listener: socket.socket, limits: ServerLimits) -> None:
    """Serves ``app`` in this process until SIGTERM or SIGINT, then drains; see the notes."""
    queue_log = logging.getLogger("waitress.queue")
    if _QUEUE_WARNINGS not in queue_log.filters:
        queue_log.addFilter(_QUEUE_WARNINGS)
    server = waitress.create_server(app, sockets=[listener], **limits.waitress_settings())
    host, port = listener.getsockname()[:2]
    log.info("serving on http://%s:%s with %d threads", host, port, limits.threads)
    stop = threading.Event()
    previous = {number: signal.signal(number, lambda *_: stop.set()) for number in _STOP_SIGNALS}
    try:
        while not stop.is_set():
            server.asyncore.loop(timeout=_LOOP_SECONDS, map=server._map, use_poll=True, count=1)
        _drain(server, limits.shutdown_timeout)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def serve_workers(
    make_app: Callable[[], Any], listener: socket.socket, limits: ServerLimits, workers: int
) -> None:
    """Runs ``workers`` processes, each serving ``make_app()`` on ``listener``, until
    SIGTERM or SIGINT; then each drains (see :func:`_drain`) and this returns.

    ``make_app`` runs in each worker, after the fork, so no worker shares another's
    database connections or threads. It may raise ServeError: that worker says why on
    standard error and exits 1, and the parent stops every worker and raises ServeError.
    """
    stop = threading.Event()
    previous = {number: signal.signal(number, lambda *_: stop.set()) for number in _STOP_SIGNALS}
    running: dict[int, float] = {}  # pid -> when it started
    try:
        for _ in range(workers):
            _start_worker(make_app, listener, limits, running)
        log.info("%d worker processes started", workers)
        while not stop.is_set():
            pid, status = os.waitpid(-1, os.WNOHANG)
            if not pid:
                stop.wait(_LOOP_SECONDS)
                continue
            started = running.pop(pid, None)
            if started is None:
                continue
            code = os.waitstatus_to_exitcode(status)
            if code == _WORKER_CANNOT_START:
                raise ServeError("a worker could not start; see the lines above")
            log.warning("worker %d stopped unexpectedly (exit %d); starting another", pid, code)
            time.sleep(max(0.0, started + _RESPAWN_SECONDS - time.monotonic()))
            _start_worker(make_app, listener, limits, running)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        listener.close()
        _stop_workers(running, limits.shutdown_timeout)


# A worker's exit status when make_app raised ServeError.
_WORKER_CANNOT_START = 3


@contextmanager
def starting_up() -> Iterator[None]:
    """Builds an app with the garbage collector held off, then freezes what it built.

    Start-up makes some 160,000 objects that live as long as the process (modules,
    classes, the sheet, the skill) and almost no garbage (a few hundred objects). The
    collector kept scanning them all the same: a fifth of the start, and three
    quarters of the first answer (the locale data it loads). Frozen (``gc.freeze``), they are
    never scanned again, and a worker forked after the freeze keeps sharing their
    memory pages with its parent instead of copying them as the collector touches them.
    """
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def default_workers() -> int:
    """One worker process per core this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _start_worker(make_app, listener, limits: ServerLimits, running: dict[int, float]) -> None:
    # Held back across the fork, so that a stop signal reaches the new worker only once
    # it is the worker's own to act on (before it serves: stop at once; after: drain).
    signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    pid = os.fork()
    if pid:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
        running[pid] = time.monotonic()
        return
    # The worker: never returns into the parent's code.
    code = 0
    try:
        for number in _STOP_SIGNALS:
            signal.signal(number, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
        try:
            app = make_app()
        except ServeError as problem:
            log.error("%s", problem)
            code = _WORKER_CANNOT_START
        else:
            serve_on(app, listener, limits)
    except BaseException:
        log.exception("worker %d failed", os.getpid())
        code = 1
    finally:
        logging.shutdown()
        os._exit(code)


def _stop_workers(running: dict[int, float], shutdown_timeout: float) -> None:
    """Passes SIGTERM on and waits for each worker to drain; one that outlasts its
    drain (and a margin for its own start-up) is killed."""
    for pid in running:
        _signal(pid, signal.SIGTERM)
    if running:
        log.info("stopping %d worker processes", len(running))
    deadline = time.monotonic() + shutdown_timeout + _STOP_MARGIN_SECONDS
    while running and time.monotonic() < deadline:
        pid, _ = os.waitpid(-1, os.WNOHANG)
        if pid:
            running.pop(pid, None)
        else:
            time.sleep(0.05)
    for pid in running:
        log.warning("worker %d did not stop in time; killing it", pid)
        _signal(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


# Beyond SHUTDOWN_TIMEOUT: a worker's drain also closes connections and threads.
_STOP_MARGIN_SECONDS = 5.0


def _signal(pid: int, number: int) -> None:
    try:
        os.kill(pid, number)
    except ProcessLookupError:
        pass  # already gone


def _drain(server: BaseWSGIServer, timeout: float) -> None:
    """Stops accepting, lets requests already received finish (up to ``timeout``), closes."""
    deadline = time.monotonic() + timeout
    # The dispatcher's own close: waitress's would also close the trigger with which
    # worker threads hand finished responses back to this loop.
    server.asyncore.dispatcher.close(server)
    in_flight = _finish_or_close(server)
    log.info("stopping: finishing %d request(s) in flight, for up to %g s", in_flight, timeout)
    while in_flight and time.monotonic() < deadline:
        server.asyncore.loop(timeout=0.05, map=server._map, use_poll=True, count=1)
        in_flight = _finish_or_close(server)
    if in_flight:
        log.warning("stopped with %d request(s) unfinished after %g s", in_flight, timeout)
    server.task_dispatcher.shutdown(cancel_pending=True, timeout=1)
    server.asyncore.close_all(server._map)
    log.info("stopped")


def _finish_or_close(server: BaseWSGIServer) -> int:
    """Marks every connection with nothing in flight to close; returns how many have."""
    in_flight = 0
    for channel in list(server.active_channels.values()):
        if channel.requests or channel.total_outbufs_len:
            in_flight += 1
        else:
            # Idle, or still sending a request nobody has started on: nothing to lose.
            channel.will_close = True
    return in_flight
