"""Check-ins in the store, on SQLite and (when available) PostgreSQL: the skill
records them, each clinic's inbox sees only its own patients' ones."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, select

from skill.store import (
    CheckIn,
    CheckIns,
    ClinicCheckIns,
    ClinicPatients,
    Clinics,
    NewCheckIn,
    Patient,
    Store,
    upgrade_database,
)

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
TREATED = NOW - timedelta(days=2)
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def store(database_url):
    upgrade_database(database_url)
    store = Store.from_url(database_url)
    yield store
    store.dispose()


def add_patient(session, clinic: str) -> tuple[int, int]:
    """A clinic and its one patient; returns their ids."""
    clinic_id = Clinics(session).add(name=clinic, timezone="Europe/London", now=NOW).id
    patient = ClinicPatients(session, clinic_id).add(
        name=f"Patient of {clinic}", clinic_reference=None, date_of_birth=date(1990, 1, 1), now=NOW
    )
    return clinic_id, patient.id


def sent(patient_id: int, reported_at=NOW, request_id: str | None = None, **changes) -> NewCheckIn:
    fields = {
        "patient_id": patient_id,
        "heard": "swollen",
        "symptom_id": "swelling",
        "symptom_name": "swelling",
        "unexpected": True,
        "answer": "Please contact your clinic about the swelling.",
        "reported_at": reported_at,
        "treated_at": TREATED,
        "request_id": request_id,
        **changes,
    }
    return NewCheckIn(**fields)


def test_a_check_in_comes_back_as_recorded_in_utc(store):
    with store.session() as session:
        clinic_id, patient_id = add_patient(session, "Bright Skin")
        recorded = CheckIns(session).record(
            sent(patient_id, reported_at=NOW.astimezone(NEW_YORK), request_id="request-1")
        )
        session.commit()
    with store.session() as session:
        check_in, patient = ClinicCheckIns(session, clinic_id).get(recorded)
    assert patient.id == patient_id
    assert (check_in.heard, check_in.symptom_id, check_in.unexpected) == (
        "swollen",
        "swelling",
        True,
    )
    assert check_in.reported_at == NOW and check_in.reported_at.tzinfo is UTC
    assert check_in.treated_at == TREATED
    assert (check_in.reviewed_at, check_in.reviewed_by) == (None, None)


def test_the_same_request_twice_is_one_check_in_and_requests_without_an_id_are_each_kept(store):
    with store.session() as session:
        clinic_id, patient_id = add_patient(session, "Bright Skin")
        first = CheckIns(session).record(sent(patient_id, request_id="request-1"))
        again = CheckIns(session).record(sent(patient_id, request_id="request-1"))
        unnamed = [CheckIns(session).record(sent(patient_id)) for _ in range(2)]
        session.commit()
        assert first is not None and again is None
        assert None not in unnamed
        assert ClinicCheckIns(session, clinic_id).count() == 3


def test_a_naive_instant_is_refused_before_anything_is_written(store):
    with store.session() as session:
        _clinic_id, patient_id = add_patient(session, "Bright Skin")
        with pytest.raises(ValueError, match="reported_at must be a timezone-aware datetime"):
            CheckIns(session).record(sent(patient_id, reported_at=NOW.replace(tzinfo=None)))


def test_each_clinic_sees_only_its_own_patients_check_ins(store):
    with store.session() as session:
        bright, jane = add_patient(session, "Bright Skin")
        glow, greta = add_patient(session, "Glow")
        janes = CheckIns(session).record(sent(jane))
        gretas = CheckIns(session).record(sent(greta))
        session.commit()
    with store.session() as session:
        inbox = ClinicCheckIns(session, glow)
        assert [c.id for c, _ in inbox.newest(limit=10)] == [gretas]
        assert inbox.get(janes) is None
        assert inbox.of_patient(jane) == []
        assert inbox.mark_reviewed(janes, by="gus@glow.example", now=NOW) is False
        session.commit()
    with store.session() as session:
        (check_in, _) = ClinicCheckIns(session, bright).get(janes)
        assert check_in.reviewed_at is None


def test_newest_first_and_only_those_not_reviewed(store):
    with store.session() as session:
        clinic_id, patient_id = add_patient(session, "Bright Skin")
        ids = [
            CheckIns(session).record(sent(patient_id, reported_at=NOW - timedelta(hours=hours)))
            for hours in (5, 1, 3)
        ]
        inbox = ClinicCheckIns(session, clinic_id)
        assert inbox.mark_reviewed(ids[1], by="ann@bright.example", now=NOW) is True
        session.commit()
        assert [c.id for c, _ in inbox.newest(limit=10)] == [ids[1], ids[2], ids[0]]
        assert [c.id for c, _ in inbox.newest(limit=10, unreviewed_only=True)] == [ids[2], ids[0]]
        assert [c.id for c, _ in inbox.newest(limit=1, offset=1)] == [ids[2]]
        assert (inbox.count(), inbox.count(unreviewed_only=True)) == (3, 2)


def test_the_first_review_is_kept(store):
    with store.session() as session:
        clinic_id, patient_id = add_patient(session, "Bright Skin")
        check_in_id = CheckIns(session).record(sent(patient_id))
        inbox = ClinicCheckIns(session, clinic_id)

        first = inbox.mark_reviewed(check_in_id, by="ann@bright.example", now=NOW)
        second = inbox.mark_reviewed(
            check_in_id, by="bob@bright.example", now=NOW + timedelta(hours=1)
        )
        session.commit()

        assert (first, second) == (True, False)
        check_in, _ = inbox.get(check_in_id)
        session.refresh(check_in)
        assert (check_in.reviewed_by, check_in.reviewed_at) == ("ann@bright.example", NOW)


def test_her_check_ins_go_with_her(store):
    with store.session() as session:
        _clinic_id, patient_id = add_patient(session, "Bright Skin")
        CheckIns(session).record(sent(patient_id))
        session.commit()
        session.execute(delete(Patient).where(Patient.id == patient_id))
        session.commit()
        assert session.scalars(select(CheckIn)).all() == []
