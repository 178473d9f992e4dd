"""Check-ins: what a linked patient sent her clinic, and the clinic's inbox of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from .database import insert_ignoring_duplicates
from .schema import CheckIn, Patient, as_utc

_check_ins = CheckIn.__table__


@dataclass(frozen=True)
class NewCheckIn:
    """A check-in as the skill records it."""

    patient_id: int
    heard: str | None
    symptom_id: str | None
    symptom_name: str | None
    unexpected: bool
    answer: str
    reported_at: datetime
    treated_at: datetime | None
    request_id: str | None


class CheckIns:
    """Check-ins as the skill records them, for a patient it has already found."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, check_in: NewCheckIn) -> int | None:
        """Adds the check-in and returns its id; None when the same request already
        added it. The caller commits."""
        as_utc(check_in.reported_at, "reported_at")
        inserted = self.session.execute(
            insert_ignoring_duplicates(self.session, _check_ins, ["patient_id", "request_id"])
            .values(**vars(check_in))
            .returning(_check_ins.c.id)
        ).scalar_one_or_none()
        return inserted


class ClinicCheckIns:
    """One clinic's inbox. Every query is scoped to that clinic's patients: another
    clinic's check-in id finds nothing, exactly like one that does not exist."""

    def __init__(self, session: Session, clinic_id: int) -> None:
        self.session = session
        self.clinic_id = clinic_id

    def _scoped(self, *columns):
        return (
            select(*columns)
            .join(Patient, Patient.id == CheckIn.patient_id)
            .where(Patient.clinic_id == self.clinic_id)
        )

    def newest(
        self, *, limit: int, offset: int = 0, unreviewed_only: bool = False
    ) -> list[tuple[CheckIn, Patient]]:
        """Check-ins with their patients, the newest first."""
        query = self._scoped(CheckIn, Patient)
        if unreviewed_only:
            query = query.where(CheckIn.reviewed_at.is_(None))
        query = query.order_by(CheckIn.reported_at.desc(), CheckIn.id.desc())
        return [(row[0], row[1]) for row in self.session.execute(query.limit(limit).offset(offset))]

    def count(self, *, unreviewed_only: bool = False) -> int:
        query = self._scoped(func.count(CheckIn.id))
        if unreviewed_only:
            query = query.where(CheckIn.reviewed_at.is_(None))
        return self.session.execute(query).scalar_one()

    def get(self, check_in_id: int) -> tuple[CheckIn, Patient] | None:
        row = self.session.execute(
            self._scoped(CheckIn, Patient).where(CheckIn.id == check_in_id)
        ).one_or_none()
        return None if row is None else (row[0], row[1])

    def of_patient(self, patient_id: int) -> list[CheckIn]:
        """Her check-ins, the newest first."""
        return list(
            self.session.scalars(
                self._scoped(CheckIn)
                .where(CheckIn.patient_id == patient_id)
                .order_by(CheckIn.reported_at.desc(), CheckIn.id.desc())
            )
        )

    def mark_reviewed(self, check_in_id: int, *, by: str, now: datetime) -> bool:
        """Marks it reviewed by ``by`` (an email) unless someone already did; False
        when it was reviewed already. The caller commits."""
        as_utc(now, "now")
        of_this_clinic = select(Patient.id).where(Patient.clinic_id == self.clinic_id)
        marked = self.session.execute(
            update(CheckIn)
            .where(
                CheckIn.id == check_in_id,
                CheckIn.patient_id.in_(of_this_clinic),
                CheckIn.reviewed_at.is_(None),
            )
            .values(reviewed_at=now, reviewed_by=by)
        )
        return marked.rowcount == 1
