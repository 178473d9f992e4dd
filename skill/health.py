"""What ``GET /healthz`` says about the database, without ever waiting long on it.

A probe (a trivial query, bounded by the store's own timeouts) runs in a thread of its
own. ``/healthz`` answers from the last probe while it is ``fresh_for`` old; past that
it starts a new one (never two at once) and waits for it at most ``wait_seconds``,
answering from the last result meanwhile. A partitioned database costs ``/healthz``
half a second at most, and load balancers may ask as often as they like.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

OK, UNREACHABLE, CHECKING = "ok", "unreachable", "checking"


class DatabaseHealth:
    def __init__(
        self,
        probe: Callable[[], None],
        *,
        fresh_for: float = 2.0,
        wait_seconds: float = 0.5,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._probe = probe
        self._fresh_for = fresh_for
        self._wait_seconds = wait_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._state: str | None = None
        self._checked_at = 0.0
        self._probing: threading.Event | None = None

    def state(self) -> str:
        """ "ok", "unreachable", or "checking" while the first probe has not finished."""
        with self._lock:
            if self._state is not None and self._monotonic() - self._checked_at < self._fresh_for:
                return self._state
            probing = self._probing
            if probing is None:
                probing = self._probing = threading.Event()
                threading.Thread(
                    target=self._probe_once, args=(probing,), name="database-probe", daemon=True
                ).start()
        probing.wait(self._wait_seconds)
        with self._lock:
            return self._state or CHECKING

    def _probe_once(self, done: threading.Event) -> None:
        try:
            self._probe()
            state = OK
        except Exception as error:  # whatever the driver raises, the answer is "unreachable"
            log.warning("database health probe failed: %s", type(error).__name__)
            state = UNREACHABLE
        with self._lock:
            self._state, self._checked_at, self._probing = state, self._monotonic(), None
        done.set()
