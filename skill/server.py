"""The production server: waitress, with deliberate limits and a graceful stop.

Why the limits are what they are:

- waitress reads every request whole in its one I/O thread, however many connections
  are open, before a worker thread sees it. A slow or idle client costs a connection
  slot and a little memory, never a thread, so threads (``THREADS``) only need to cover
  requests being answered at once, and connections (``CONNECTION_LIMIT``) can be many
  more. waitress's default of 100 connections let 110 idle ones lock everyone out.
- A connection that sends nothing for ``IDLE_TIMEOUT`` is closed. Alexa sends each
  request at once and waits at most 8 seconds for the answer, so 10 seconds of silence
  is never Alexa. waitress checks for such connections every ``_CLEANUP_SECONDS``.
- A body over ``MAX_REQUEST_BYTES`` is refused by waitress while it is still arriving,
  not buffered first (waitress's own default is 1 GB); headers are capped likewise.
- On SIGTERM (or SIGINT) the server stops accepting, closes idle connections and those
  still sending, and lets requests already received finish for up to
  ``SHUTDOWN_TIMEOUT`` before it exits.

Everything is expressed per process (``serve`` runs one waitress server with its own
threads), so several worker processes behind a pre-fork parent can each call ``serve``
with the same limits, and the parent only has to pass SIGTERM on.
"""

from __future__ import annotations

import errno
import logging
import math
import signal
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import waitress
from waitress.server import BaseWSGIServer

log = logging.getLogger(__name__)

_CLEANUP_SECONDS = 2
_MAX_HEADER_BYTES = 64 * 1024  # Alexa's headers are about 1 KB; waitress allows 256 KB
# How often the serving loop looks for a stop request; a signal is noticed this soon.
_LOOP_SECONDS = 0.2


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


def serve(app, host: str, port: int, limits: ServerLimits) -> None:
    """Serves ``app`` until SIGTERM or SIGINT, then drains; see the module's notes."""
    try:
        server = waitress.create_server(app, host=host, port=port, **limits.waitress_settings())
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise ServeError(
                f"port {port} on {host} is already in use; stop what is using it, "
                "or choose another with --port"
            ) from None
        raise ServeError(f"cannot listen on {host} port {port}: {error.strerror}") from None
    log.info("serving on http://%s:%s", host, server.effective_port)
    stop = threading.Event()
    previous = {
        number: signal.signal(number, lambda *_: stop.set())
        for number in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        while not stop.is_set():
            server.asyncore.loop(timeout=_LOOP_SECONDS, map=server._map, use_poll=True, count=1)
        _drain(server, limits.shutdown_timeout)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


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
