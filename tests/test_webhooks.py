"""Clinics' webhooks against a stand-in receiver on 127.0.0.1 (HTTPS), on SQLite and
(when available) PostgreSQL: what a check-in sends, signed; retries with back-off
and giving up after a day; a voice answer that never waits; a delivery that
survives a restart; the operator's commands; and ``aftercare serve`` sending them."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from sqlalchemy import select

from skill.app import create_app
from skill.cli import main as aftercare_command
from skill.store import Clinic, WebhookDelivery, get_store
from skill.tools.replay import spoken_text
from skill.webhooks.sender import WebhookSender, retry_wait
from tests.conftest import AFTERCARE, SKILL_ID, served_environment, start_server
from tests.standin_webhook_receiver import StandInReceiver
from tests.test_check_ins import SENT, TOKEN, Talking

WAIT_SECONDS = 10  # how long a test waits for the sender's thread, at the most


@pytest.fixture
def receiver():
    stand_in = StandInReceiver()
    yield stand_in
    stand_in.close()


@pytest.fixture
def patient(database_url):
    talking = Talking(database_url)
    yield talking
    talking.close()


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def aftercare(database_url: str, *arguments: str):
    return CliRunner().invoke(
        aftercare_command,
        list(arguments),
        env={"AFTERCARE_DATABASE_URL": database_url, "AFTERCARE_VERIFY_SIGNATURES": "0"},
    )


def clinic_id(talking: Talking) -> int:
    with get_store(talking.transport.app).session() as session:
        return session.scalars(select(Clinic.id)).one()


def set_webhook(talking: Talking, database_url: str, url: str) -> str:
    """Sets her clinic's webhook as the operator does; returns the secret it printed."""
    result = aftercare(
        database_url,
        "clinic",
        "webhook",
        "set",
        "--clinic-id",
        str(clinic_id(talking)),
        "--url",
        url,
    )
    assert result.exit_code == 0, result.output
    return result.output.splitlines()[-1]


def sender(talking: Talking, receiver: StandInReceiver, **options) -> WebhookSender:
    return WebhookSender(
        get_store(talking.transport.app), ca_bundle=receiver.ca_bundle_path, **options
    )


def deliveries(talking: Talking) -> list[WebhookDelivery]:
    with get_store(talking.transport.app).session() as session:
        return list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def eventually(condition, what: str):
    """Waits (a bounded while) for the sender's thread to have done something."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.02)
    pytest.fail(f"not within {WAIT_SECONDS} s: {what}")


def sends_swelling(talking: Talking) -> None:
    talking.says("alexa tell skin aftercare my face is really swollen")
    assert spoken_text(talking.says("yes")) == SENT


def test_a_check_in_reaches_her_clinics_receiver_signed_and_without_her_name(
    patient, receiver, database_url
):
    secret = set_webhook(patient, database_url, receiver.url)
    running = sender(patient, receiver).start()
    try:
        sends_swelling(patient)
        (received,) = receiver.wait_for(1)
        (delivery,) = eventually(
            lambda: [d for d in deliveries(patient) if d.delivered_at], "the delivery is recorded"
        )
    finally:
        running.stop()

    timestamp = received.headers["X-Aftercare-Timestamp"]
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + received.body, hashlib.sha256
    ).hexdigest()
    assert received.headers["X-Aftercare-Signature"] == f"sha256={expected}"
    assert received.headers["Content-Type"] == "application/json"
    assert received.headers["X-Aftercare-Event"] == "check_in"
    assert received.headers["X-Aftercare-Delivery"] == str(delivery.id)
    assert received.path == "/hook"
    document = json.loads(received.body)
    check_in = document["check_in"]
    assert document["event"] == "check_in"
    assert check_in["symptom"] == {"heard": "swollen", "id": "swelling", "name": "swelling"}
    assert check_in["unexpected"] is True
    assert check_in["reported_at"] == "2026-11-27T15:00:20Z"
    assert check_in["treated_at"] == "2026-11-26T20:00:00Z"
    assert check_in["seconds_since_treatment"] == 19 * 3600 + 20
    assert check_in["answer"].startswith("Your aftercare sheet expects only minor redness")
    assert check_in["portal_path"] == f"/portal/check-ins/{check_in['id']}"
    assert document["patient"] == {"id": document["patient"]["id"], "clinic_reference": None}
    assert document["clinic"] == {"id": clinic_id(patient)}
    # The patient's name (the replayed clinic's record calls her so) never leaves.
    assert b"Replayed patient" not in received.body
    assert (delivery.attempts, delivery.last_outcome) == (1, "HTTP 200")


def test_a_failing_receiver_is_tried_again_after_30_seconds_then_a_minute_then_delivered(
    patient, receiver, database_url
):
    set_webhook(patient, database_url, receiver.url)
    sends_swelling(patient)
    (queued,) = deliveries(patient)
    clock = Clock(queued.created_at)
    receiver.statuses = [500, 503]
    passes = sender(patient, receiver, clock=clock)

    attempted = []
    for after in (0, 29, 30, 89, 90, 36000):
        clock.now = queued.created_at + timedelta(seconds=after)
        attempted.append(passes.send_due())

    assert attempted == [1, 0, 1, 0, 1, 0]
    received = receiver.received
    assert [r.headers["X-Aftercare-Delivery"] for r in received] == [str(queued.id)] * 3
    sent_at = [int(r.headers["X-Aftercare-Timestamp"]) for r in received]
    assert [b - a for a, b in zip(sent_at, sent_at[1:])] == [30, 60]
    assert received[0].body == received[2].body  # the same check-in, signed afresh each time
    (delivery,) = deliveries(patient)
    assert (delivery.attempts, delivery.last_outcome) == (3, "HTTP 200")
    assert delivery.delivered_at == queued.created_at + timedelta(seconds=90)


def test_a_receiver_down_for_a_day_is_given_up_on_with_the_waits_doubling_to_an_hour(
    patient, receiver, database_url
):
    set_webhook(patient, database_url, receiver.url)
    sends_swelling(patient)
    (queued,) = deliveries(patient)
    clock = Clock(queued.created_at)
    receiver.statuses = [500] * 100
    passes = sender(patient, receiver, clock=clock)

    while (pending := deliveries(patient)[0]).given_up_at is None:
        clock.now = pending.next_attempt_at
        assert passes.send_due() == 1
    clock.now += timedelta(days=2)

    assert passes.send_due() == 0
    sent_at = [int(r.headers["X-Aftercare-Timestamp"]) for r in receiver.received]
    waits = [b - a for a, b in zip(sent_at, sent_at[1:])]
    assert waits[:8] == [30, 60, 120, 240, 480, 960, 1920, 3600]
    assert set(waits[7:]) == {3600}
    assert sent_at[-1] - sent_at[0] <= 24 * 3600 < sent_at[-1] - sent_at[0] + 3600
    assert (pending.attempts, pending.last_outcome) == (len(sent_at), "HTTP 500")


def test_the_back_off():
    assert [retry_wait(n).total_seconds() for n in range(1, 11)] == [
        30,
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
        3600,
        3600,
    ]


def test_her_answer_never_waits_for_the_receiver(patient, receiver, database_url):
    set_webhook(patient, database_url, receiver.url)
    receiver.hold()  # the clinic's system takes its time
    running = sender(patient, receiver).start()
    try:
        sends_swelling(patient)  # answered while the receiver holds on to the delivery
        receiver.wait_for(1)
        (in_flight,) = deliveries(patient)
        assert (in_flight.attempts, in_flight.delivered_at) == (0, None)
        assert in_flight.claimed_until is not None
        receiver.release()
        eventually(lambda: deliveries(patient)[0].delivered_at, "the delivery is recorded")
    finally:
        running.stop()


def test_a_receiver_that_never_answers_costs_one_deadline_and_a_retry(
    patient, receiver, database_url
):
    set_webhook(patient, database_url, receiver.url)
    sends_swelling(patient)
    receiver.hold()

    assert sender(patient, receiver, deadline_seconds=0.5).send_due() == 1

    (delivery,) = deliveries(patient)
    assert delivery.delivered_at is None and delivery.given_up_at is None
    assert delivery.last_outcome.startswith("no answer: ")
    assert delivery.next_attempt_at > delivery.created_at


def test_a_queued_delivery_survives_a_restart(patient, receiver, database_url):
    set_webhook(patient, database_url, receiver.url)
    sends_swelling(patient)  # no sender runs: the process stops before it could send
    patient.close()

    restarted = create_app(
        {"DATABASE_URL": database_url, "VERIFY_SIGNATURES": False, "SKILL_ID": None}
    )
    try:
        running = WebhookSender(get_store(restarted), ca_bundle=receiver.ca_bundle_path).start()
        try:
            (received,) = receiver.wait_for(1)
        finally:
            running.stop()
    finally:
        get_store(restarted).dispose()
    assert json.loads(received.body)["check_in"]["symptom"]["id"] == "swelling"


def test_without_a_webhook_nothing_is_queued_or_sent(patient, receiver):
    sends_swelling(patient)

    assert sender(patient, receiver).send_due() == 0
    assert deliveries(patient) == []
    assert receiver.received == []


def test_a_webhook_turned_off_before_delivery_sends_nothing(patient, receiver, database_url):
    set_webhook(patient, database_url, receiver.url)
    sends_swelling(patient)
    off = aftercare(
        database_url, "clinic", "webhook", "off", "--clinic-id", str(clinic_id(patient))
    )
    assert (off.exit_code, off.output) == (0, f"Clinic {clinic_id(patient)}'s webhook is off.\n")

    assert sender(patient, receiver).send_due() == 1

    assert receiver.received == []
    (delivery,) = deliveries(patient)
    assert delivery.given_up_at is not None
    assert delivery.last_outcome == "the clinic's webhook was ended"


def test_the_operator_sets_ends_and_reads_a_webhook(patient, receiver, database_url):
    clinic = str(clinic_id(patient))
    first = set_webhook(patient, database_url, receiver.url)
    again = set_webhook(patient, database_url, receiver.url)
    receiver.statuses = [500]
    sends_swelling(patient)
    sender(patient, receiver).send_due()

    status = aftercare(database_url, "clinic", "webhook", "status", "--clinic-id", clinic)

    assert first != again and re.fullmatch(r"[A-Za-z0-9_-]{43}", again)
    assert status.exit_code == 0
    assert status.output == (
        f"Webhook: {receiver.url}\n"
        "Deliveries: 0 delivered, 1 waiting, 0 given up\n"
        "Last failure: HTTP 500\n"
    )


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (["--url", "http://clinic.example/hook"], "is not an https:// URL"),
        (["--url", "clinic.example/hook"], "is not an https:// URL"),
        (["--url", "https://" + "a" * 2000 + ".example/"], "a URL of at most 2000 characters"),
    ],
)
def test_a_webhook_the_operator_gets_wrong_is_one_line_and_nothing_set(
    patient, database_url, arguments, said
):
    result = aftercare(
        database_url, "clinic", "webhook", "set", "--clinic-id", str(clinic_id(patient)), *arguments
    )

    assert result.exit_code == 2
    assert said in result.output
    assert "Traceback" not in result.output


def test_an_unknown_clinic_is_one_line(database_url):
    result = aftercare(database_url, "clinic", "webhook", "status", "--clinic-id", "9")

    assert result.exit_code == 2
    assert (
        result.output.splitlines()[-1]
        == "Error: there is no clinic 9; see the id it was created with"
    )


def test_the_logs_carry_ids_only(patient, receiver, database_url, caplog):
    secret = set_webhook(patient, database_url, receiver.url)
    caplog.set_level(logging.INFO)
    receiver.statuses = [500]
    sends_swelling(patient)
    passes = sender(patient, receiver)

    passes.send_due()

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert re.search(r"webhook delivery \d+ of check-in \d+ failed \(HTTP 500\)", logged)
    for private in ("swollen", "swelling", "Replayed patient", secret, receiver.url, TOKEN):
        assert private not in logged


@pytest.mark.skipif(not AFTERCARE.exists(), reason="the aftercare console script is not installed")
def test_aftercare_serve_sends_them(tmp_path, alexa_api, receiver):
    database_url = f"sqlite:///{tmp_path / 'served.sqlite3'}"
    seeding = Talking(database_url)  # her clinic's record and her link, in the served database
    secret = set_webhook(seeding, database_url, receiver.url)
    request, _ = seeding.conversation.request_for(
        "alexa tell skin aftercare I have a rash", seeding.now
    )
    request["context"]["System"]["apiEndpoint"] = alexa_api.url
    seeding.close()
    bundle = tmp_path / "trusted.pem"
    bundle.write_text(
        Path(alexa_api.ca_bundle_path).read_text() + Path(receiver.ca_bundle_path).read_text()
    )
    environment = served_environment(
        database_url,
        alexa_api,
        AFTERCARE_VERIFY_SIGNATURES="0",
        REQUESTS_CA_BUNDLE=str(bundle),
        AFTERCARE_SKILL_ID=SKILL_ID,
    )
    process, base = start_server(environment)
    try:
        offered = requests.post(f"{base}/alexa", json=request, timeout=10).json()
        request["request"] = {
            **request["request"],
            "requestId": "amzn1.echo-api.request.serve-yes",
            "intent": {"name": "AMAZON.YesIntent", "confirmationStatus": "NONE", "slots": {}},
        }
        request["session"].update(new=False, attributes=offered["sessionAttributes"])
        sent = requests.post(f"{base}/alexa", json=request, timeout=10).json()
        (received,) = receiver.wait_for(1)
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    assert spoken_text(sent) == SENT
    assert json.loads(received.body)["check_in"]["symptom"]["id"] == "rash"
    signature = received.headers["X-Aftercare-Signature"]
    timestamp = received.headers["X-Aftercare-Timestamp"]
    assert (
        signature
        == "sha256="
        + hmac.new(
            secret.encode(), f"{timestamp}.".encode() + received.body, hashlib.sha256
        ).hexdigest()
    )
    assert re.search(r"webhook delivery \d+ of check-in \d+ delivered", output)
    for private in ("rash", TOKEN, secret, "Replayed patient"):
        assert private not in output
