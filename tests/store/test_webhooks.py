"""The webhook outbox in the store, on SQLite and (when available) PostgreSQL: queued
only for a clinic with a webhook, leased to one sender at a time, done once."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, select

from skill.store import (
    CheckIns,
    ClinicPatients,
    Clinics,
    ClinicWebhooks,
    NewCheckIn,
    Patient,
    Store,
    WebhookDeliveries,
    WebhookDelivery,
    upgrade_database,
)

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)


@pytest.fixture
def store(database_url):
    upgrade_database(database_url)
    store = Store.from_url(database_url)
    yield store
    store.dispose()


def check_in_of_new_patient(session, webhook: bool) -> tuple[int, int, int]:
    """A clinic (with a webhook or not), its patient and her check-in: their ids."""
    clinic_id = Clinics(session).add(name="Bright Skin", timezone="Europe/London", now=NOW).id
    if webhook:
        ClinicWebhooks(session).set(
            clinic_id, url="https://bright.example/hook", secret="s", now=NOW
        )
    patient_id = (
        ClinicPatients(session, clinic_id)
        .add(name="Jane Doe", clinic_reference=None, date_of_birth=date(1990, 4, 2), now=NOW)
        .id
    )
    check_in_id = CheckIns(session).record(
        NewCheckIn(
            patient_id=patient_id,
            heard="swollen",
            symptom_id="swelling",
            symptom_name="swelling",
            unexpected=True,
            answer="Please contact your clinic.",
            reported_at=NOW,
            treated_at=None,
            request_id=None,
        )
    )
    return clinic_id, patient_id, check_in_id


def test_only_a_clinic_with_a_webhook_gets_a_delivery(store):
    with store.session() as session:
        _, without, quiet_check_in = check_in_of_new_patient(session, webhook=False)
        _, with_webhook, check_in = check_in_of_new_patient(session, webhook=True)
        outbox = WebhookDeliveries(session)

        assert outbox.enqueue(quiet_check_in, without, NOW) is None
        queued = outbox.enqueue(check_in, with_webhook, NOW)
        session.commit()

        assert outbox.due(NOW, limit=10) == [queued]
        assert outbox.next_due() == NOW


def test_one_sender_at_a_time_until_its_lease_runs_out(store):
    with store.session() as session:
        _, patient_id, check_in = check_in_of_new_patient(session, webhook=True)
        outbox = WebhookDeliveries(session)
        queued = outbox.enqueue(check_in, patient_id, NOW)
        session.commit()

        assert outbox.claim(queued, NOW, LEASE) is True
        assert outbox.claim(queued, NOW + timedelta(seconds=1), LEASE) is False
        assert outbox.due(NOW + timedelta(seconds=1), limit=10) == []
        # A sender that died mid-attempt: its lease runs out, and another takes it.
        assert outbox.claim(queued, NOW + LEASE, LEASE) is True
        session.commit()


def test_a_delivery_done_is_never_due_again(store):
    with store.session() as session:
        _, first_patient, first = check_in_of_new_patient(session, webhook=True)
        _, second_patient, second = check_in_of_new_patient(session, webhook=True)
        outbox = WebhookDeliveries(session)
        delivered = outbox.enqueue(first, first_patient, NOW)
        given_up = outbox.enqueue(second, second_patient, NOW)
        outbox.delivered(delivered, NOW, "HTTP 200")
        outbox.give_up(given_up, NOW, "HTTP 500")
        session.commit()

        later = NOW + timedelta(days=3)
        assert outbox.due(later, limit=10) == []
        assert outbox.claim(delivered, later, LEASE) is False
        assert outbox.next_due() is None


def test_a_retry_waits_for_its_time(store):
    with store.session() as session:
        _, patient_id, check_in = check_in_of_new_patient(session, webhook=True)
        outbox = WebhookDeliveries(session)
        queued = outbox.enqueue(check_in, patient_id, NOW)
        outbox.claim(queued, NOW, LEASE)
        outbox.retry_at(queued, NOW + timedelta(seconds=30), "HTTP 503")
        session.commit()

        assert outbox.due(NOW + timedelta(seconds=29), limit=10) == []
        assert outbox.due(NOW + timedelta(seconds=30), limit=10) == [queued]
        (delivery,) = session.scalars(select(WebhookDelivery)).all()
        assert (delivery.attempts, delivery.claimed_until, delivery.last_outcome) == (
            1,
            None,
            "HTTP 503",
        )


def test_her_deliveries_go_with_her(store):
    with store.session() as session:
        _, patient_id, check_in = check_in_of_new_patient(session, webhook=True)
        WebhookDeliveries(session).enqueue(check_in, patient_id, NOW)
        session.commit()
        session.execute(delete(Patient).where(Patient.id == patient_id))
        session.commit()
        assert session.scalars(select(WebhookDelivery)).all() == []
