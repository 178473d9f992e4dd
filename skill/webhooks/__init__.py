"""Webhooks: a clinic's check-ins sent, as they arrive, to a URL of its own.

Off unless the operator sets one for a clinic (``aftercare clinic webhook set``).
A check-in whose clinic has a webhook gets a row in an outbox table
(``webhook_deliveries``) in the same transaction as the check-in itself; a
sender thread in each ``aftercare serve`` process (``sender.WebhookSender``)
drains it: HMAC-SHA256-signed JSON (``signing``) with no patient name, retried
with back-off for a day. The voice answer never waits for any of it: the skill
only writes the row and wakes the sender.

An outbox rather than an in-memory queue: a delivery is written with the
check-in or not at all, survives a restart or a crash, and waits out a receiver
that is down for hours without holding memory; several processes share it
through short leases (``claimed_until``).

This package's top imports nothing heavy: the skill wakes senders from here.
"""

from __future__ import annotations

import threading
import weakref

_senders_waiting: weakref.WeakSet[threading.Event] = weakref.WeakSet()


def wake_senders() -> None:
    """Tells this process's senders that a delivery was just queued."""
    for event in list(_senders_waiting):
        event.set()


def wake_me(event: threading.Event) -> None:
    """Registers a sender's event, set by :func:`wake_senders`."""
    _senders_waiting.add(event)
