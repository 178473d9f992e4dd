"""Clinics' webhooks and the outbox of check-ins to send to them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from .schema import CheckIn, ClinicWebhook, Patient, WebhookDelivery, as_utc


class ClinicWebhooks:
    """Each clinic's webhook, set and ended by the operator (``aftercare clinic webhook``)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, clinic_id: int) -> ClinicWebhook | None:
        return self.session.get(ClinicWebhook, clinic_id)

    def set(self, clinic_id: int, *, url: str, secret: str, now: datetime) -> None:
        """Sends the clinic's check-ins to ``url`` from now on, signed with ``secret``.
        The caller commits."""
        webhook = self.get(clinic_id)
        if webhook is None:
            self.session.add(
                ClinicWebhook(clinic_id=clinic_id, url=url, secret=secret, created_at=now)
            )
        else:
            webhook.url, webhook.secret, webhook.created_at = url, secret, now
        self.session.flush()

    def end(self, clinic_id: int) -> bool:
        """Stops sending; False when there was no webhook. The caller commits."""
        webhook = self.get(clinic_id)
        if webhook is not None:
            self.session.delete(webhook)
        return webhook is not None


@dataclass(frozen=True)
class DeliverySummary:
    delivered: int
    waiting: int
    given_up: int
    last_failure: str | None  # how the latest failed attempt went, if any failed


@dataclass(frozen=True)
class Outbound:
    """One delivery as a sender needs it: what to send, and where."""

    delivery: WebhookDelivery
    check_in: CheckIn
    patient: Patient
    webhook: ClinicWebhook | None  # None once the clinic ended its webhook


def _pending(now: datetime):
    return (
        WebhookDelivery.delivered_at.is_(None),
        WebhookDelivery.given_up_at.is_(None),
        or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until <= now),
    )


class WebhookDeliveries:
    """The outbox: a row per check-in whose clinic has a webhook, until it is delivered
    or given up."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def enqueue(self, check_in_id: int, patient_id: int, now: datetime) -> int | None:
        """Queues the check-in if her clinic has a webhook; returns the delivery's id.
        In the check-in's own transaction: the caller commits both."""
        has_webhook = self.session.scalar(
            select(ClinicWebhook.clinic_id)
            .join(Patient, Patient.clinic_id == ClinicWebhook.clinic_id)
            .where(Patient.id == patient_id)
        )
        if has_webhook is None:
            return None
        delivery = WebhookDelivery(
            check_in_id=check_in_id, created_at=now, attempts=0, next_attempt_at=now
        )
        self.session.add(delivery)
        self.session.flush()
        return delivery.id

    def summary(self, clinic_id: int) -> DeliverySummary:
        """How the clinic's deliveries stand, for the operator."""
        of_clinic = (
            select(WebhookDelivery)
            .join(CheckIn, CheckIn.id == WebhookDelivery.check_in_id)
            .join(Patient, Patient.id == CheckIn.patient_id)
            .where(Patient.clinic_id == clinic_id)
            .subquery()
        )
        counted = self.session.execute(
            select(
                func.count(of_clinic.c.delivered_at),
                func.count(of_clinic.c.given_up_at),
                func.count(of_clinic.c.id),
            )
        ).one()
        last_failure = self.session.scalar(
            select(of_clinic.c.last_outcome)
            .where(of_clinic.c.delivered_at.is_(None), of_clinic.c.last_outcome.is_not(None))
            .order_by(of_clinic.c.id.desc())
            .limit(1)
        )
        delivered, given_up, total = counted
        return DeliverySummary(delivered, total - delivered - given_up, given_up, last_failure)

    def due(self, now: datetime, limit: int) -> list[int]:
        """Deliveries whose next attempt has come and that no sender holds, oldest first."""
        return list(
            self.session.scalars(
                select(WebhookDelivery.id)
                .where(WebhookDelivery.next_attempt_at <= now, *_pending(now))
                .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
                .limit(limit)
            )
        )

    def next_due(self) -> datetime | None:
        """When the earliest delivery still to make is due (it may be held by a sender)."""
        return self.session.scalar(
            select(func.min(WebhookDelivery.next_attempt_at)).where(
                WebhookDelivery.delivered_at.is_(None), WebhookDelivery.given_up_at.is_(None)
            )
        )

    def claim(self, delivery_id: int, now: datetime, lease: timedelta) -> bool:
        """Takes the delivery for ``lease`` unless another sender holds it or it is done;
        True when this sender has it. The caller commits at once."""
        as_utc(now, "now")
        claimed = self.session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == delivery_id,
                WebhookDelivery.next_attempt_at <= now,
                *_pending(now),
            )
            .values(claimed_until=now + lease)
        )
        return claimed.rowcount == 1

    def outbound(self, delivery_id: int) -> Outbound:
        delivery, check_in, patient, webhook = self.session.execute(
            select(WebhookDelivery, CheckIn, Patient, ClinicWebhook)
            .join(CheckIn, CheckIn.id == WebhookDelivery.check_in_id)
            .join(Patient, Patient.id == CheckIn.patient_id)
            .outerjoin(ClinicWebhook, ClinicWebhook.clinic_id == Patient.clinic_id)
            .where(WebhookDelivery.id == delivery_id)
        ).one()
        return Outbound(delivery, check_in, patient, webhook)

    def delivered(self, delivery_id: int, now: datetime, outcome: str) -> None:
        self._attempted(delivery_id, outcome, delivered_at=now)

    def retry_at(self, delivery_id: int, when: datetime, outcome: str) -> None:
        self._attempted(delivery_id, outcome, next_attempt_at=when)

    def give_up(self, delivery_id: int, now: datetime, outcome: str) -> None:
        self._attempted(delivery_id, outcome, given_up_at=now)

    def _attempted(self, delivery_id: int, outcome: str, **values) -> None:
        """Records an attempt's outcome and lets the delivery go. The caller commits."""
        self.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id)
            .values(
                attempts=WebhookDelivery.attempts + 1,
                claimed_until=None,
                last_outcome=outcome[:200],
                **values,
            )
        )
