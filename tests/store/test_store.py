"""The patient store and its migrations, on SQLite and (when available) PostgreSQL."""

import logging
import os
import shutil
import subprocess
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import flask
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect, make_url, text
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import Session

from skill.cli import main as aftercare_command
from skill.store import (
    MIGRATIONS_DIRECTORY,
    Base,
    Treatment,
    TreatmentStore,
    get_store,
    init_app,
    make_engine,
    upgrade_database,
)

REPOSITORY = Path(__file__).resolve().parents[2]
NEW_YORK = ZoneInfo("America/New_York")
# Amazon's ids are long and opaque; this one is as long as they come.
PATIENT = "amzn1.ask.account." + "AF" + "X" * 280
OTHER_PATIENT = "amzn1.ask.account.AFOTHERPATIENT"
TREATED = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
RECORDED = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """An empty database: a fresh SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        # A missing parent directory is part of the test: the store creates it.
        yield f"sqlite:///{tmp_path / 'instance' / 'aftercare.sqlite3'}"
        return
    server_url = os.environ.get("AFTERCARE_TEST_POSTGRES_URL")
    if not server_url:
        pytest.skip("AFTERCARE_TEST_POSTGRES_URL not set; PostgreSQL tests need a server")
    # A schema per test keeps tests (and other people's runs on the same
    # server) apart; a non-UTC session time zone proves results are normalised.
    schema = f"test_store_{uuid.uuid4().hex}"
    admin = create_engine(server_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield (
        make_url(server_url)
        .update_query_dict({"options": f"-c search_path={schema} -c timezone=Asia/Kathmandu"})
        .render_as_string(hide_password=False)
    )
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def store(database_url):
    upgrade_database(database_url)
    store = TreatmentStore.from_url(database_url)
    yield store
    store.dispose()


@contextmanager
def connection_to(url):
    """A connection on an engine of its own, disposed afterwards (a test looking in)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def table_names(url):
    with connection_to(url) as connection:
        return set(inspect(connection).get_table_names())


def current_revision(url):
    with connection_to(url) as connection:
        return MigrationContext.configure(connection).get_current_revision()


def schema_differences(url):
    with connection_to(url) as connection:
        return compare_metadata(MigrationContext.configure(connection), Base.metadata)


def test_upgrade_creates_the_schema_from_empty_and_can_run_again(database_url):
    assert table_names(database_url) == set()

    upgrade_database(database_url)
    upgrade_database(database_url)

    assert table_names(database_url) == {"treatments", "alembic_version"}
    assert current_revision(database_url) == "0001"


def test_model_and_migration_agree(database_url):
    upgrade_database(database_url)

    assert schema_differences(database_url) == []


def test_upgrade_leaves_the_apps_logging_alone(database_url):
    app_logger = logging.getLogger("aftercare.test_store")
    root_handlers = list(logging.root.handlers)
    root_level = logging.root.level

    upgrade_database(database_url)

    assert logging.root.handlers == root_handlers
    assert logging.root.level == root_level
    assert not app_logger.disabled


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
    # The column type guards writes that bypass TreatmentStore, and the
    # transaction takes the valid row down with the invalid one.
    with pytest.raises(StatementError) as failure:
        with Session(store.engine) as session, session.begin():
            session.add(Treatment(alexa_user_id=PATIENT, treated_at=TREATED, recorded_at=RECORDED))
            session.add(
                Treatment(
                    alexa_user_id=PATIENT,
                    treated_at=TREATED.replace(tzinfo=None) + timedelta(days=1),
                    recorded_at=RECORDED,
                )
            )

    assert isinstance(failure.value.orig, ValueError)
    assert store.treatment_count(PATIENT) == 0


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


def flask_app(database_url, migrate_on_start):
    app = flask.Flask("aftercare_test")
    app.config.update(DATABASE_URL=database_url, MIGRATE_ON_START=migrate_on_start)
    init_app(app)
    return app


def test_init_app_migrates_and_provides_the_store(database_url):
    app = flask_app(database_url, migrate_on_start=True)
    store = get_store(app)
    try:
        store.record_treatment(PATIENT, TREATED, RECORDED)
        assert store.treatment_count(PATIENT) == 1
    finally:
        store.dispose()


def test_aftercare_db_upgrade_migrates_when_start_up_does_not(database_url):
    assert table_names(database_url) == set()

    result = CliRunner().invoke(
        aftercare_command,
        ["db", "upgrade"],
        env={"AFTERCARE_DATABASE_URL": database_url, "AFTERCARE_VERIFY_SIGNATURES": "0"},
    )

    assert result.exit_code == 0, result.output
    assert current_revision(database_url) == "0001"


def run_alembic_command_line(*arguments, cwd, database_url=None):
    environment = {k: v for k, v in os.environ.items() if k != "AFTERCARE_DATABASE_URL"}
    if database_url is not None:
        environment["AFTERCARE_DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-W", "error", "-m", "alembic", "-c", str(REPOSITORY / "alembic.ini")]
        + list(arguments),
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )


def test_alembic_command_line_takes_the_url_from_the_environment(database_url, tmp_path):
    run_alembic_command_line("upgrade", "head", cwd=tmp_path, database_url=database_url)

    assert current_revision(database_url) == "0001"
    assert schema_differences(database_url) == []


def test_alembic_command_line_defaults_to_the_instance_folder(tmp_path):
    run_alembic_command_line("upgrade", "head", cwd=tmp_path)

    default_url = f"sqlite:///{tmp_path / 'instance' / 'aftercare.sqlite3'}"
    assert current_revision(default_url) == "0001"


def test_alembic_command_line_writes_sql_offline(tmp_path):
    result = run_alembic_command_line(
        "upgrade", "head", "--sql", cwd=tmp_path, database_url="postgresql+psycopg://"
    )

    assert "CREATE TABLE treatments" in result.stdout
    assert "TIMESTAMP WITH TIME ZONE" in result.stdout


def test_autogenerated_revisions_spell_out_the_column_types(tmp_path):
    # Autogenerate against an empty history, in a copy of the migrations
    # folder, to see what a developer's first revision would contain.
    script_location = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIRECTORY, script_location, ignore=shutil.ignore_patterns("0*.py"))
    url = f"sqlite:///{tmp_path / 'autogenerate.sqlite3'}"
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("sqlalchemy.url", url)

    command.revision(config, message="treatments", autogenerate=True, rev_id="0001")
    command.upgrade(config, "head")

    (revision,) = (script_location / "versions").glob("0001_*.py")
    source = revision.read_text()
    assert "sa.DateTime(timezone=True)" in source
    assert "skill.store" not in source
    assert schema_differences(url) == []
