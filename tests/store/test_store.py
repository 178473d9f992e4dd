"""Self-reported patients and their treatments, on SQLite and (when available) PostgreSQL.

Each helper call below is one request, as the skill makes them: a Session of its own
for writes, and the prepared read outside any transaction (``PreparedRead``) to find her.
"""

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import bindparam, event, select, text
from sqlalchemy.exc import DBAPIError, StatementError

from skill.store import (
    Patient,
    SelfReportedPatients,
    Store,
    Treatment,
    Treatments,
    UTCDateTime,
    get_store,
    upgrade_database,
)
from skill.store.database import PreparedRead
from skill.store.faults import DatabaseLimits

NEW_YORK = ZoneInfo("America/New_York")
# Amazon's ids are long and opaque; this one is as long as they come.
PATIENT = "amzn1.ask.account." + "AF" + "X" * 280
OTHER_PATIENT = "amzn1.ask.account.AFOTHERPATIENT"
TREATED = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
RECORDED = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


class SelfReported:
    """The store as the skill uses it for a patient who reports her own treatments."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.engine = store.engine

    def record_treatment(self, user_id, treated_at, recorded_at):
        with self.store.session() as session:
            SelfReportedPatients(session).record_treatment(user_id, treated_at, recorded_at)
            session.commit()

    def latest_treatment(self, user_id):
        patient = SelfReportedPatients.find_in(self.store, user_id)
        return None if patient is None else patient.latest_treatment

    def treatment_count(self, user_id):
        with self.store.session() as session:
            patient = SelfReportedPatients(session).find(user_id)
            return 0 if patient is None else Treatments(session).count(patient.id)

    def forget_user(self, user_id):
        with self.store.session() as session:
            forgotten = SelfReportedPatients(session).forget(user_id)
            session.commit()
            return forgotten


@pytest.fixture
def store(database_url):
    upgrade_database(database_url)
    store = Store.from_url(database_url)
    yield SelfReported(store)
    store.dispose()


def _in_transaction(dbapi_connection) -> bool:
    if isinstance(dbapi_connection, sqlite3.Connection):
        return dbapi_connection.in_transaction
    from psycopg.pq import TransactionStatus

    return dbapi_connection.info.transaction_status != TransactionStatus.IDLE


def test_finding_her_opens_no_transaction_on_the_database(store):
    # On PostgreSQL a transaction would cost a BEGIN and a ROLLBACK: two round trips more.
    store.record_treatment(PATIENT, TREATED, RECORDED)
    returned_in_transaction = []
    event.listen(
        store.engine,
        "reset",  # as the connection goes back to the pool, before the pool rolls back
        lambda dbapi_connection, *_: returned_in_transaction.append(
            _in_transaction(dbapi_connection)
        ),
    )
    assert SelfReportedPatients.find_in(store.store, PATIENT).latest_treatment == TREATED
    assert returned_in_transaction == [False]


def test_a_connection_found_on_is_transactional_again_in_a_session(store):
    SelfReportedPatients.find_in(store.store, PATIENT)
    # The pool holds one connection, the one just read on: a Session gets it back,
    # and what it does not commit is rolled back, not kept as it would be in autocommit.
    with store.store.session() as session:
        SelfReportedPatients(session).record_treatment(PATIENT, TREATED, RECORDED)
        assert _in_transaction(session.connection().connection.dbapi_connection)
        session.rollback()
    assert store.latest_treatment(PATIENT) is None
    assert store.engine.pool.checkedin() == 1


def test_a_read_that_fails_leaves_no_connection_in_doubt_in_the_pool(store):
    store.record_treatment(PATIENT, TREATED, RECORDED)
    with store.engine.connect() as connection:  # her treatments' table goes away
        connection.execute(text("ALTER TABLE treatments RENAME TO treatments_gone"))
        connection.commit()
    with pytest.raises(Exception, match="treatments"):
        SelfReportedPatients.find_in(store.store, PATIENT)
    opened = []
    event.listen(store.engine, "connect", lambda *_: opened.append(1))
    with store.engine.connect() as connection:
        connection.execute(text("ALTER TABLE treatments_gone RENAME TO treatments"))
        connection.commit()
    assert store.latest_treatment(PATIENT) == TREATED
    # The pool's one connection was discarded after the failure: the next request opened
    # a new one rather than inherit whatever state the failure left.
    assert opened == [1]


def test_a_statement_whose_parameters_need_binding_work_is_refused(store):
    after = select(Treatment.id).where(Treatment.treated_at > bindparam("after", type_=UTCDateTime))
    with pytest.raises(ValueError, match="'after' needs binding work"):
        PreparedRead(store.engine, after)


def test_postgresql_sessions_start_with_the_statement_timeout_and_the_urls_options(
    database_url,
):
    if not database_url.startswith("postgresql"):
        pytest.skip("a PostgreSQL setting")
    upgrade_database(database_url)
    store = Store.from_url(database_url, DatabaseLimits(statement_timeout=1.5))
    try:
        with store.engine.connect() as connection:
            shown = [
                connection.exec_driver_sql(f"SHOW {name}").scalar_one()
                for name in ("statement_timeout", "TimeZone", "search_path")
            ]
    finally:
        store.dispose()
    assert shown[:2] == ["1500ms", "Asia/Kathmandu"]  # the fixture's URL sets the zone
    assert shown[2].startswith("test_")  # and the schema


def test_the_pool_keeps_a_connection_for_every_thread(database_url):
    # With fewer kept than threads, the threads beyond them opened a connection and
    # closed it again on every request under load (on PostgreSQL a new server process).
    upgrade_database(database_url)
    store = Store.from_url(database_url, DatabaseLimits(pool_size=6))
    opened = []
    event.listen(store.engine, "connect", lambda *_: opened.append(1))

    def read(all_in: threading.Barrier) -> None:
        with store.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            all_in.wait(timeout=10)  # six connections out at once

    try:
        for _ in range(3):
            all_in = threading.Barrier(6)
            with ThreadPoolExecutor(6) as pool:
                list(pool.map(read, [all_in] * 6))
    finally:
        store.dispose()
    assert len(opened) == 6


def test_the_service_keeps_a_connection_for_each_of_its_threads(app):
    assert get_store(app).engine.pool.size() == app.config["THREADS"] == 4


def test_unknown_user_has_no_treatments(store):
    assert store.latest_treatment(PATIENT) is None
    assert store.treatment_count(PATIENT) == 0


def test_recorded_treatment_is_the_latest_and_counted(store):
    store.record_treatment(PATIENT, TREATED, RECORDED)

    assert store.latest_treatment(PATIENT) == TREATED
    assert store.treatment_count(PATIENT) == 1


def test_latest_is_the_most_recent_treatment_not_the_last_reported(store):
    first = TREATED - timedelta(weeks=6)
    second = TREATED
    store.record_treatment(PATIENT, second, RECORDED)
    store.record_treatment(PATIENT, first, RECORDED + timedelta(minutes=1))

    assert store.latest_treatment(PATIENT) == second
    assert store.treatment_count(PATIENT) == 2


def test_reporting_the_same_instant_twice_keeps_one_row(store):
    store.record_treatment(PATIENT, TREATED, RECORDED)
    # the same instant, said in another zone and reported later
    store.record_treatment(PATIENT, TREATED.astimezone(NEW_YORK), RECORDED + timedelta(hours=1))

    assert store.treatment_count(PATIENT) == 1


def test_concurrent_reports_of_the_same_instant_keep_one_row(store):
    # Alexa can deliver a retried request while the first is still running.
    reporters = 8
    start_together = threading.Barrier(reporters)

    def report():
        start_together.wait()
        store.record_treatment(PATIENT, TREATED, RECORDED)

    with ThreadPoolExecutor(max_workers=reporters) as pool:
        for outcome in [pool.submit(report) for _ in range(reporters)]:
            outcome.result()

    assert store.treatment_count(PATIENT) == 1


def test_instants_come_back_in_utc_whatever_zone_they_went_in_with(store):
    treated_in_new_york = datetime(2026, 11, 26, 10, 0, tzinfo=NEW_YORK)
    store.record_treatment(PATIENT, treated_in_new_york, RECORDED)

    latest = store.latest_treatment(PATIENT)

    assert latest == treated_in_new_york
    assert latest.tzinfo is UTC
    assert latest == datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("treated_at", "recorded_at"),
    [
        (TREATED.replace(tzinfo=None), RECORDED),
        (TREATED, RECORDED.replace(tzinfo=None)),
    ],
    ids=["naive treated_at", "naive recorded_at"],
)
def test_naive_datetimes_are_refused_and_nothing_is_written(store, treated_at, recorded_at):
    store.record_treatment(PATIENT, TREATED - timedelta(weeks=6), RECORDED)

    with pytest.raises(ValueError, match="timezone-aware"):
        store.record_treatment(PATIENT, treated_at, recorded_at)

    assert store.treatment_count(PATIENT) == 1
    assert store.latest_treatment(PATIENT) == TREATED - timedelta(weeks=6)


def test_a_transaction_failing_on_a_naive_datetime_writes_none_of_its_rows(store):
    # The column type guards writes that bypass the repositories, and the
    # transaction takes the valid row down with the invalid one.
    with pytest.raises(StatementError) as failure:
        with store.store.session() as session, session.begin():
            patient = Patient(alexa_user_id=PATIENT, created_at=RECORDED)
            session.add(patient)
            session.flush()
            session.add(Treatment(patient_id=patient.id, treated_at=TREATED, recorded_at=RECORDED))
            session.add(
                Treatment(
                    patient_id=patient.id,
                    treated_at=TREATED.replace(tzinfo=None) + timedelta(days=1),
                    recorded_at=RECORDED,
                )
            )

    assert isinstance(failure.value.orig, ValueError)
    assert store.treatment_count(PATIENT) == 0
    assert store.latest_treatment(PATIENT) is None


def test_one_users_treatments_are_never_anothers(store):
    store.record_treatment(PATIENT, TREATED, RECORDED)
    store.record_treatment(OTHER_PATIENT, TREATED + timedelta(days=2), RECORDED)
    store.record_treatment(OTHER_PATIENT, TREATED + timedelta(days=40), RECORDED)

    assert store.latest_treatment(PATIENT) == TREATED
    assert store.treatment_count(PATIENT) == 1
    assert store.latest_treatment(OTHER_PATIENT) == TREATED + timedelta(days=40)
    assert store.treatment_count(OTHER_PATIENT) == 2


def test_forgetting_a_user_deletes_only_their_rows(store):
    store.record_treatment(PATIENT, TREATED - timedelta(weeks=6), RECORDED)
    store.record_treatment(PATIENT, TREATED, RECORDED)
    store.record_treatment(OTHER_PATIENT, TREATED, RECORDED)

    assert store.forget_user(PATIENT) == 2

    assert store.latest_treatment(PATIENT) is None
    assert store.treatment_count(PATIENT) == 0
    assert store.latest_treatment(OTHER_PATIENT) == TREATED
    assert store.treatment_count(OTHER_PATIENT) == 1
    assert store.forget_user(PATIENT) == 0


def test_database_errors_do_not_quote_user_ids(store):
    # Error messages end up in logs; by default SQLAlchemy appends the parameters.
    with pytest.raises(DBAPIError) as failure:
        with store.engine.connect() as connection:
            connection.execute(
                text("SELECT * FROM no_such_table WHERE alexa_user_id = :user_id"),
                {"user_id": PATIENT},
            )

    assert PATIENT not in str(failure.value)
