"""What a webhook delivery carries, and its signature. Pure: no I/O.

The body is JSON with the check-in as the skill recognised it, the patient's
ids (the portal's and the clinic's own reference, never her name or date of
birth) and the clinic's id. The signature is HMAC-SHA256, keyed with the
clinic's webhook secret, over ``<timestamp>.<body>``: a receiver recomputes it,
compares in constant time, and refuses a timestamp more than a few minutes old,
so a captured delivery cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import UTC, datetime
from typing import Any

EVENT = "check_in"
USER_AGENT = "SkinAftercare-Webhooks/1"


def new_secret() -> str:
    """A webhook secret: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def _instant(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_in_body(check_in: Any, patient: Any) -> bytes:
    """The JSON a clinic receives for a check-in (``check_in`` and ``patient`` are the
    store's rows)."""
    since = None
    if check_in.treated_at is not None:
        since = int((check_in.reported_at - check_in.treated_at).total_seconds())
    document = {
        "event": EVENT,
        "check_in": {
            "id": check_in.id,
            "reported_at": _instant(check_in.reported_at),
            "symptom": {
                "heard": check_in.heard,
                "id": check_in.symptom_id,
                "name": check_in.symptom_name,
            },
            "unexpected": check_in.unexpected,
            "answer": check_in.answer,
            "treated_at": _instant(check_in.treated_at),
            "seconds_since_treatment": since,
            "portal_path": f"/portal/check-ins/{check_in.id}",
        },
        "patient": {"id": patient.id, "clinic_reference": patient.clinic_reference},
        "clinic": {"id": patient.clinic_id},
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Aftercare-Signature`` value: ``sha256=`` and the hex HMAC."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def signed_headers(
    secret: str, delivery_id: int, timestamp: int, body: bytes
) -> list[tuple[str, str]]:
    """The headers of one attempt. The delivery id is the same on every retry, so a
    receiver can tell a retry from a new check-in."""
    return [
        ("Content-Type", "application/json"),
        ("User-Agent", USER_AGENT),
        ("X-Aftercare-Event", EVENT),
        ("X-Aftercare-Delivery", str(delivery_id)),
        ("X-Aftercare-Timestamp", str(timestamp)),
        ("X-Aftercare-Signature", signature(secret, timestamp, body)),
    ]
