"""The reminders the skill created for a patient, by the treatment they follow."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .schema import Reminder, as_utc


class Reminders:
    def __init__(self, session: Session) -> None:
        self.session = session

    def of_patient(self, patient_id: int) -> list[Reminder]:
        """Every reminder recorded for her, the soonest to ring first."""
        return list(
            self.session.scalars(
                select(Reminder)
                .where(Reminder.patient_id == patient_id)
                .order_by(Reminder.rings_at, Reminder.id)
            )
        )

    def record(
        self,
        patient_id: int,
        *,
        treated_at: datetime,
        milestone: str,
        alert_token: str,
        rings_at: datetime,
        now: datetime,
    ) -> Reminder:
        """Records a reminder the Reminders API has just created. The caller commits."""
        for instant, what in ((treated_at, "treated_at"), (rings_at, "rings_at"), (now, "now")):
            as_utc(instant, what)
        reminder = Reminder(
            patient_id=patient_id,
            treated_at=treated_at,
            milestone=milestone,
            alert_token=alert_token,
            rings_at=rings_at,
            created_at=now,
        )
        self.session.add(reminder)
        self.session.flush()
        return reminder

    def forget(self, reminders: Iterable[Reminder]) -> None:
        """Forgets reminders that no longer exist on Alexa's side. The caller commits."""
        ids = [reminder.id for reminder in reminders]
        if ids:
            self.session.execute(delete(Reminder).where(Reminder.id.in_(ids)))
