"""Patients: the self-reported ones by Alexa user id, and each clinic's own."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, delete, func, or_, select
from sqlalchemy.orm import Session

from .database import Store, insert_ignoring_duplicates
from .schema import Patient, Treatment, as_utc
from .treatments import Treatments

_patients = Patient.__table__
_treatments = Treatment.__table__
# Built once, and one query: this runs on nearly every skill request, where
# building the statement or a second round trip would cost more than the query.
_SELF_REPORTED = (
    select(_patients.c.id, func.max(_treatments.c.treated_at))
    .select_from(_patients.outerjoin(_treatments, _treatments.c.patient_id == _patients.c.id))
    .where(_patients.c.alexa_user_id == bindparam("alexa_user_id"))
    .group_by(_patients.c.id)
)


@dataclass(frozen=True)
class PatientOnRecord:
    """Who the patient is, and what the skill needs of her on every request."""

    id: int
    latest_treatment: datetime | None  # the most recent treatment instant, in UTC


class SelfReportedPatients:
    """Patients who told the skill their treatments themselves, known by their Alexa user id."""

    def __init__(self, session: Session) -> None:
        self.session = session

    @staticmethod
    def find_in(store: Store, alexa_user_id: str) -> PatientOnRecord | None:
        """:meth:`find` for a request that only reads: no Session, no transaction
        (see ``PreparedRead``). The skill asks this on nearly every request."""
        row = store.prepared(_SELF_REPORTED).first(alexa_user_id=alexa_user_id)
        return None if row is None else PatientOnRecord(*row)

    def find(self, alexa_user_id: str) -> PatientOnRecord | None:
        """Her record, or None if she has never reported a treatment."""
        # Her id is unique: at most one row, and first() does not look for a second.
        row = self.session.execute(_SELF_REPORTED, {"alexa_user_id": alexa_user_id}).first()
        return None if row is None else PatientOnRecord(*row)

    def record_treatment(
        self, alexa_user_id: str, treated_at: datetime, recorded_at: datetime
    ) -> None:
        """Adds a treatment she reported (and her, the first time); the same instant
        again changes nothing. The caller commits."""
        # Checked here as well as in UTCDateTime so the caller gets a plain
        # ValueError instead of SQLAlchemy's StatementError wrapped around it.
        as_utc(treated_at, "treated_at")
        as_utc(recorded_at, "recorded_at")
        # Looked for first: she is nearly always known already, and then this is one
        # statement (and one round trip) fewer than inserting her first would be.
        patient = self.find(alexa_user_id)
        if patient is None:
            self.session.execute(
                insert_ignoring_duplicates(self.session, _patients, ["alexa_user_id"]).values(
                    alexa_user_id=alexa_user_id, created_at=recorded_at
                )
            )
            patient = self.find(alexa_user_id)
            assert patient is not None  # inserted above, or by a request at the same time
        Treatments(self.session).record_reported(patient.id, treated_at, recorded_at)

    def record_histories(self, histories: Mapping[str, Iterable[datetime]]) -> None:
        """Whole histories at once, each treatment as if reported when it happened
        (what a replay file or a test is "given"). The caller commits."""
        for alexa_user_id, instants in histories.items():
            for instant in instants:
                self.record_treatment(alexa_user_id, instant, recorded_at=instant)

    def forget(self, alexa_user_id: str) -> int:
        """Deletes her and every treatment she reported (she disabled the skill);
        returns how many treatments went. The caller commits."""
        patient = self.find(alexa_user_id)
        if patient is None:
            return 0
        removed = self.session.execute(delete(Treatment).where(Treatment.patient_id == patient.id))
        self.session.execute(delete(Patient).where(Patient.id == patient.id))
        return removed.rowcount


class ClinicPatients:
    """One clinic's patients. Every query is scoped to that clinic: an id of
    another clinic's patient finds nothing, exactly like an id that does not exist."""

    def __init__(self, session: Session, clinic_id: int) -> None:
        self.session = session
        self.clinic_id = clinic_id

    def get(self, patient_id: int) -> Patient | None:
        return self.session.scalars(
            select(Patient).where(Patient.id == patient_id, Patient.clinic_id == self.clinic_id)
        ).one_or_none()

    def search(self, text: str = "", limit: int = 100) -> list[Patient]:
        """Patients whose name or clinic reference contains ``text`` (any case), by name."""
        query = select(Patient).where(Patient.clinic_id == self.clinic_id)
        wanted = text.strip().lower()
        if wanted:
            query = query.where(
                or_(
                    func.lower(Patient.name).contains(wanted, autoescape=True),
                    func.lower(Patient.clinic_reference).contains(wanted, autoescape=True),
                )
            )
        return list(self.session.scalars(query.order_by(Patient.name, Patient.id).limit(limit)))

    def reference_taken(self, reference: str, by_other_than: int | None = None) -> bool:
        query = select(Patient.id).where(
            Patient.clinic_id == self.clinic_id, Patient.clinic_reference == reference
        )
        if by_other_than is not None:
            query = query.where(Patient.id != by_other_than)
        return self.session.scalar(query.limit(1)) is not None

    def add(
        self,
        *,
        name: str,
        clinic_reference: str | None,
        date_of_birth: date | None,
        now: datetime,
    ) -> Patient:
        """Adds a patient to this clinic; the caller commits."""
        patient = Patient(
            clinic_id=self.clinic_id,
            name=name,
            clinic_reference=clinic_reference,
            date_of_birth=date_of_birth,
            created_at=now,
        )
        self.session.add(patient)
        self.session.flush()
        return patient
