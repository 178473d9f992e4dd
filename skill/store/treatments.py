"""Treatments of a patient whose id the caller has already decided (and, in
the portal, already found in the signed-in clinic)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from .database import insert_ignoring_duplicates
from .schema import Treatment

_treatments = Treatment.__table__
# Built once: the skill asks one of these on nearly every request.
_LATEST = select(func.max(_treatments.c.treated_at)).where(
    _treatments.c.patient_id == bindparam("patient_id")
)
_COUNT = (
    select(func.count())
    .select_from(_treatments)
    .where(_treatments.c.patient_id == bindparam("patient_id"))
)


class Treatments:
    def __init__(self, session: Session) -> None:
        self.session = session

    def latest(self, patient_id: int) -> datetime | None:
        """The most recent treatment instant (not the most recently recorded), in UTC."""
        return self.session.execute(_LATEST, {"patient_id": patient_id}).scalar_one()

    def count(self, patient_id: int) -> int:
        return self.session.execute(_COUNT, {"patient_id": patient_id}).scalar_one()

    def record_reported(self, patient_id: int, treated_at: datetime, recorded_at: datetime) -> None:
        """Adds a treatment she told the skill of; the same instant again changes nothing."""
        self.session.execute(
            insert_ignoring_duplicates(
                self.session, _treatments, ["patient_id", "treated_at"]
            ).values(patient_id=patient_id, treated_at=treated_at, recorded_at=recorded_at)
        )

    def of_patient(self, patient_id: int) -> list[Treatment]:
        """Her treatments, the latest first."""
        return list(
            self.session.scalars(
                select(Treatment)
                .where(Treatment.patient_id == patient_id)
                .order_by(Treatment.treated_at.desc())
            )
        )

    def get(self, patient_id: int, treatment_id: int) -> Treatment | None:
        """One of her treatments; another patient's treatment id finds nothing."""
        return self.session.scalars(
            select(Treatment).where(
                Treatment.id == treatment_id, Treatment.patient_id == patient_id
            )
        ).one_or_none()

    def previous(
        self, patient_id: int, before: datetime, other_than: int | None = None
    ) -> Treatment | None:
        """Her latest treatment earlier than ``before`` (leaving out ``other_than``)."""
        query = select(Treatment).where(
            Treatment.patient_id == patient_id, Treatment.treated_at < before
        )
        if other_than is not None:
            query = query.where(Treatment.id != other_than)
        return self.session.scalars(query.order_by(Treatment.treated_at.desc()).limit(1)).first()

    def at(self, patient_id: int, instant: datetime, other_than: int | None = None) -> bool:
        """Whether she already has a treatment at exactly ``instant``."""
        query = select(Treatment.id).where(
            Treatment.patient_id == patient_id, Treatment.treated_at == instant
        )
        if other_than is not None:
            query = query.where(Treatment.id != other_than)
        return self.session.scalar(query.limit(1)) is not None

    def add(self, treatment: Treatment) -> Treatment:
        """Adds a treatment a clinic recorded; the caller commits."""
        self.session.add(treatment)
        self.session.flush()
        return treatment

    def delete(self, treatment: Treatment) -> None:
        self.session.delete(treatment)
