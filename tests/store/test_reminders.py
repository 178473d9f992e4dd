"""The reminders the skill created, on SQLite and (when available) PostgreSQL."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.exc import IntegrityError

from skill.store import Reminders, SelfReportedPatients, Store, upgrade_database

PATIENT = "amzn1.ask.account.AFREMINDED"
TREATED = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def store(database_url):
    upgrade_database(database_url)
    store = Store.from_url(database_url)
    with store.session() as session:
        SelfReportedPatients(session).record_treatment(PATIENT, TREATED, recorded_at=TREATED)
        session.commit()
    yield store
    store.dispose()


def patient_id(session) -> int:
    return SelfReportedPatients(session).find(PATIENT).id


def record(session, milestone, token, rings_at, treated_at=TREATED):
    return Reminders(session).record(
        patient_id(session),
        treated_at=treated_at,
        milestone=milestone,
        alert_token=token,
        rings_at=rings_at,
        now=NOW,
    )


def test_recorded_reminders_come_back_soonest_first_in_utc(store):
    with store.session() as session:
        record(session, "swimming+sauna+workout", "token-2", TREATED + timedelta(hours=72))
        # an instant given in New York comes back as the same instant in UTC
        record(session, "makeup", "token-1", (TREATED + timedelta(hours=48)).astimezone(NEW_YORK))
        session.commit()
    with store.session() as session:
        found = Reminders(session).of_patient(patient_id(session))
    assert [(r.milestone, r.alert_token) for r in found] == [
        ("makeup", "token-1"),
        ("swimming+sauna+workout", "token-2"),
    ]
    assert found[0].rings_at == TREATED + timedelta(hours=48)
    assert found[0].rings_at.tzinfo is UTC
    assert found[0].treated_at == TREATED


def test_one_reminder_per_milestone_of_a_treatment(store):
    with store.session() as session:
        record(session, "makeup", "token-1", TREATED + timedelta(hours=48))
        session.commit()
        with pytest.raises(IntegrityError):
            record(session, "makeup", "token-9", TREATED + timedelta(hours=48))
        session.rollback()
        # the same milestone of another treatment is another reminder
        later = TREATED + timedelta(weeks=5)
        record(session, "makeup", "token-2", later + timedelta(hours=48), treated_at=later)
        session.commit()
        assert len(Reminders(session).of_patient(patient_id(session))) == 2


def test_forgotten_reminders_are_gone_and_the_others_stay(store):
    with store.session() as session:
        first = record(session, "makeup", "token-1", TREATED + timedelta(hours=48))
        record(session, "tanning+sun", "token-2", TREATED + timedelta(days=7))
        session.commit()
        Reminders(session).forget([first])
        session.commit()
    with store.session() as session:
        assert [r.alert_token for r in Reminders(session).of_patient(patient_id(session))] == [
            "token-2"
        ]


def test_forgetting_the_patient_forgets_her_reminders(store):
    with store.session() as session:
        record(session, "makeup", "token-1", TREATED + timedelta(hours=48))
        session.commit()
        pid = patient_id(session)
        SelfReportedPatients(session).forget(PATIENT)
        session.commit()
        assert Reminders(session).of_patient(pid) == []


def test_a_naive_instant_is_refused_before_the_database_sees_it(store):
    with store.session() as session, pytest.raises(ValueError, match="rings_at"):
        record(session, "makeup", "token-1", datetime(2026, 11, 28, 15, 0))
