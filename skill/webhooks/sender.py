"""The sender: a thread in each serving process that drains the webhook outbox.

Each pass takes the deliveries that are due, leases them (so another process
leaves them alone), and posts each once, with one deadline for the whole call
(``skill.alexa.bounded_http``). A 2xx answer delivers it. Anything else is
tried again after 30 seconds, then a minute, 2, 4, … doubling to at most an
hour between attempts, until a day has passed since the check-in; then it is
given up (the check-in stays in the portal's inbox either way). A delivery
is sent at least once: a process that stops mid-attempt leaves the lease to
expire and the next sender tries again, so receivers should expect a
delivery id twice, rarely.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from skill.alexa.bounded_http import HttpFailure, http_call
from skill.alexa.verification import utc_now
from skill.store import Store, WebhookDeliveries

from . import wake_me
from .signing import check_in_body, signed_headers

log = logging.getLogger(__name__)

FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(days=1)
# Longer than any attempt takes, so a lease only runs out on a sender that died.
LEASE = timedelta(seconds=60)
ATTEMPT_DEADLINE_SECONDS = 5.0
MAX_ANSWER_BYTES = 64 * 1024  # a receiver's answer is read and dropped
BATCH = 10
# How long an idle sender sleeps before it looks again (another process may have
# queued a delivery); the skill wakes this process's senders at once.
IDLE_SECONDS = 60.0
SHORTEST_SLEEP_SECONDS = 1.0


def retry_wait(failed_attempts: int) -> timedelta:
    """How long after its ``failed_attempts``-th failure a delivery is tried again."""
    return min(FIRST_RETRY * 2 ** (failed_attempts - 1), LONGEST_WAIT)


class WebhookSender:
    def __init__(
        self,
        store: Store,
        *,
        clock: Callable[[], datetime] = utc_now,
        deadline_seconds: float = ATTEMPT_DEADLINE_SECONDS,
        ca_bundle: str | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.deadline_seconds = deadline_seconds
        self.ca_bundle = ca_bundle
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        wake_me(self._wake)

    @classmethod
    def for_app(cls, app) -> WebhookSender:
        from skill.store import get_store

        return cls(
            get_store(app),
            clock=app.config.get("CLOCK", utc_now),
            ca_bundle=app.config["CA_BUNDLE"],
        )

    def start(self) -> WebhookSender:
        self._thread = threading.Thread(target=self._run, name="webhook-sender", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = ATTEMPT_DEADLINE_SECONDS + 1) -> None:
        """Stops after the attempt in flight, if any (its lease covers a stop mid-way)."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def send_due(self) -> int:
        """One pass: leases the deliveries that are due and attempts each once.
        Returns how many were attempted."""
        now = self.clock()
        with self.store.session() as session:
            deliveries = WebhookDeliveries(session)
            claimed = [d for d in deliveries.due(now, BATCH) if deliveries.claim(d, now, LEASE)]
            session.commit()
        for delivery_id in claimed:
            self._attempt(delivery_id)
        return len(claimed)

    def _attempt(self, delivery_id: int) -> None:
        with self.store.session() as session:
            deliveries = WebhookDeliveries(session)
            outbound = deliveries.outbound(delivery_id)
            if outbound.webhook is None:
                deliveries.give_up(delivery_id, self.clock(), "the clinic's webhook was ended")
                session.commit()
                log.info("webhook delivery %s given up: the webhook was ended", delivery_id)
                return
            body = check_in_body(outbound.check_in, outbound.patient)
            url, secret = outbound.webhook.url, outbound.webhook.secret
            created_at, attempts = outbound.delivery.created_at, outbound.delivery.attempts + 1
            check_in_id = outbound.check_in.id
        # No transaction or connection is held while the receiver takes its time.
        delivered, outcome = self._post(url, secret, delivery_id, body)
        now = self.clock()
        with self.store.session() as session:
            deliveries = WebhookDeliveries(session)
            if delivered:
                deliveries.delivered(delivery_id, now, outcome)
                log.info("webhook delivery %s of check-in %s delivered", delivery_id, check_in_id)
            elif now + retry_wait(attempts) - created_at > GIVE_UP_AFTER:
                deliveries.give_up(delivery_id, now, outcome)
                log.warning(
                    "webhook delivery %s of check-in %s given up after %s attempts (%s)",
                    delivery_id,
                    check_in_id,
                    attempts,
                    outcome,
                )
            else:
                deliveries.retry_at(delivery_id, now + retry_wait(attempts), outcome)
                log.warning(
                    "webhook delivery %s of check-in %s failed (%s); trying again in %s",
                    delivery_id,
                    check_in_id,
                    outcome,
                    retry_wait(attempts),
                )
            session.commit()

    def _post(self, url: str, secret: str, delivery_id: int, body: bytes) -> tuple[bool, str]:
        timestamp = int(self.clock().timestamp())
        try:
            answer = http_call(
                "POST",
                url,
                deadline_seconds=self.deadline_seconds,
                max_bytes=MAX_ANSWER_BYTES,
                headers=signed_headers(secret, delivery_id, timestamp, body),
                body=body,
                ca_bundle=self.ca_bundle,
            )
        except HttpFailure as failure:
            return False, f"no answer: {failure}"
        return 200 <= answer.status < 300, f"HTTP {answer.status}"

    def _sleep_seconds(self) -> float:
        with self.store.session() as session:
            next_due = WebhookDeliveries(session).next_due()
        if next_due is None:
            return IDLE_SECONDS
        until = (next_due - self.clock()).total_seconds()
        return min(IDLE_SECONDS, max(SHORTEST_SLEEP_SECONDS, until))

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()  # before looking: a delivery queued from now on wakes it again
            try:
                while self.send_due() and not self._stopping.is_set():
                    pass
                sleep = self._sleep_seconds()
            except Exception as error:  # the database, most likely: try again later
                log.warning(
                    "webhook sender: %s; looking again in %g s", type(error).__name__, IDLE_SECONDS
                )
                sleep = IDLE_SECONDS
            self._wake.wait(sleep)
