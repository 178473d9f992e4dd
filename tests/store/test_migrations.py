"""The store's migrations, on SQLite and (when available) PostgreSQL: from
empty, from the previous schema with data in it, and from the command lines."""

import logging
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import flask
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from click.testing import CliRunner
from sqlalchemy import select

from skill.cli import main as aftercare_command
from skill.store import (
    MIGRATIONS_DIRECTORY,
    CheckIns,
    NewCheckIn,
    Patient,
    SelfReportedPatients,
    Store,
    Treatment,
    Treatments,
    UTCDateTime,
    get_store,
    init_app,
    make_engine,
    migration_config,
    upgrade_database,
)
from tests.store.looking_in import current_revision, schema_differences, table_names

REPOSITORY = Path(__file__).resolve().parents[2]
HEAD = "0006"
TABLES = {
    "clinics",
    "staff_accounts",
    "staff_sessions",
    "sign_in_failures",
    "reminders",
    "check_ins",
    "clinic_webhooks",
    "webhook_deliveries",
    "patients",
    "treatments",
    "oauth_clients",
    "linking_codes",
    "account_links",
    "authorization_codes",
    "issued_tokens",
}
PATIENT = "amzn1.ask.account." + "AF" + "X" * 280
TREATED = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
RECORDED = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)

# The treatments table as revision 0001 made it, to fill the previous schema
# the way the skill then did (instants in UTC through the same column type).
TREATMENTS_AT_0001 = sa.Table(
    "treatments",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("alexa_user_id", sa.String(512)),
    sa.Column("treated_at", UTCDateTime()),
    sa.Column("recorded_at", UTCDateTime()),
)
ALICE = "amzn1.ask.account.ALICE"
BEA = "amzn1.ask.account.BEA"
ROWS_AT_0001 = [
    # Alice: two sessions six weeks apart, the later reported first
    (ALICE, TREATED, RECORDED),
    (ALICE, TREATED - timedelta(weeks=6), RECORDED + timedelta(hours=1)),
    # Bea: one session, in the same instant as Alice's latest
    (BEA, TREATED, RECORDED - timedelta(days=1)),
]


def fill_revision_0001(url):
    command.upgrade(migration_config(url), "0001")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                TREATMENTS_AT_0001.insert(),
                [
                    {"alexa_user_id": user, "treated_at": treated, "recorded_at": recorded}
                    for user, treated, recorded in ROWS_AT_0001
                ],
            )
    finally:
        engine.dispose()


def test_upgrade_from_0001_carries_every_treatment_over_to_its_patient(database_url):
    fill_revision_0001(database_url)

    upgrade_database(database_url)

    assert current_revision(database_url) == HEAD
    assert schema_differences(database_url) == []
    store = Store.from_url(database_url)
    try:
        with store.session() as session:
            patients = {p.alexa_user_id: p for p in session.scalars(select(Patient))}
            assert set(patients) == {ALICE, BEA}
            assert all(p.clinic_id is None and p.name is None for p in patients.values())
            # She became a patient when her first treatment was recorded.
            assert patients[ALICE].created_at == RECORDED
            assert patients[BEA].created_at == RECORDED - timedelta(days=1)
            carried = {
                (t.patient_id, t.treated_at, t.recorded_at)
                for t in session.scalars(select(Treatment))
            }
            assert carried == {
                (patients[user].id, treated, recorded) for user, treated, recorded in ROWS_AT_0001
            }
            # ...and the skill's own reads find them.
            alice = SelfReportedPatients(session).find(ALICE)
            assert alice.latest_treatment == TREATED
            assert Treatments(session).count(alice.id) == 2
            assert Treatments(session).count(SelfReportedPatients(session).find(BEA).id) == 1
            # A repeated report still keeps one row, now per patient.
            SelfReportedPatients(session).record_treatment(ALICE, TREATED, RECORDED)
            session.commit()
            assert Treatments(session).count(alice.id) == 2
    finally:
        store.dispose()


def test_downgrade_to_0001_gives_the_self_reported_treatments_back(database_url):
    fill_revision_0001(database_url)
    upgrade_database(database_url)

    command.downgrade(migration_config(database_url), "0001")

    assert table_names(database_url) == {"treatments", "alembic_version"}
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(
                    TREATMENTS_AT_0001.c.alexa_user_id,
                    TREATMENTS_AT_0001.c.treated_at,
                    TREATMENTS_AT_0001.c.recorded_at,
                )
            ).all()
    finally:
        engine.dispose()
    assert sorted(rows) == sorted(ROWS_AT_0001)
    upgrade_database(database_url)
    assert schema_differences(database_url) == []


def test_upgrade_creates_the_schema_from_empty_and_can_run_again(database_url):
    assert table_names(database_url) == set()

    upgrade_database(database_url)
    upgrade_database(database_url)

    assert table_names(database_url) == TABLES | {"alembic_version"}
    assert current_revision(database_url) == HEAD
    assert schema_differences(database_url) == []


def test_the_migrations_from_empty_build_the_same_schema_as_the_model(database_url):
    # upgrade_database builds an empty database from the model in one go; the
    # migrations, run one by one, must arrive at exactly that schema.
    command.upgrade(migration_config(database_url), "head")

    assert current_revision(database_url) == HEAD
    assert schema_differences(database_url) == []


def test_upgrade_leaves_the_apps_logging_alone(database_url):
    app_logger = logging.getLogger("aftercare.test_store")
    root_handlers = list(logging.root.handlers)
    root_level = logging.root.level

    upgrade_database(database_url)

    assert logging.root.handlers == root_handlers
    assert logging.root.level == root_level
    assert not app_logger.disabled


def flask_app(database_url, migrate_on_start):
    app = flask.Flask("aftercare_test")
    app.config.update(DATABASE_URL=database_url, MIGRATE_ON_START=migrate_on_start)
    init_app(app)
    return app


def test_init_app_migrates_and_gives_each_request_one_session(database_url):
    app = flask_app(database_url, migrate_on_start=True)
    store = get_store(app)
    try:
        with app.app_context():
            session = store.request_session()
            SelfReportedPatients(session).record_treatment(PATIENT, TREATED, RECORDED)
            session.commit()
            assert store.request_session() is session
        with app.app_context():
            patient = SelfReportedPatients(store.request_session()).find(PATIENT)
            assert Treatments(store.request_session()).count(patient.id) == 1
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
    assert current_revision(database_url) == HEAD


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

    assert current_revision(database_url) == HEAD
    assert schema_differences(database_url) == []


def test_alembic_command_line_defaults_to_the_instance_folder(tmp_path):
    run_alembic_command_line("upgrade", "head", cwd=tmp_path)

    default_url = f"sqlite:///{tmp_path / 'instance' / 'aftercare.sqlite3'}"
    assert current_revision(default_url) == HEAD


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

    command.revision(config, message="everything", autogenerate=True, rev_id="0001")
    command.upgrade(config, "head")

    (revision,) = (script_location / "versions").glob("0001_*.py")
    source = revision.read_text()
    assert "sa.DateTime(timezone=True)" in source
    assert "skill.store" not in source
    assert schema_differences(url) == []


def test_0003_adds_account_linking_and_leaves_everything_else_as_it_was(database_url):
    fill_revision_0001(database_url)
    command.upgrade(migration_config(database_url), "0002")
    before = table_names(database_url)

    command.upgrade(migration_config(database_url), "0003")

    linking = {
        "oauth_clients",
        "linking_codes",
        "account_links",
        "authorization_codes",
        "issued_tokens",
    }
    assert table_names(database_url) == before | linking
    store = Store.from_url(database_url)
    try:
        with store.session() as session:
            assert SelfReportedPatients(session).find(ALICE).latest_treatment == TREATED
    finally:
        store.dispose()
    command.downgrade(migration_config(database_url), "0002")
    assert table_names(database_url) == before


def test_0005_adds_check_ins_and_leaves_everything_else_as_it_was(database_url):
    fill_revision_0001(database_url)
    command.upgrade(migration_config(database_url), "0004")
    before = table_names(database_url)

    command.upgrade(migration_config(database_url), "0005")

    assert table_names(database_url) == before | {"check_ins"}
    store = Store.from_url(database_url)
    try:
        with store.session() as session:
            alice = SelfReportedPatients(session).find(ALICE)
            assert alice.latest_treatment == TREATED
            # The table takes a check-in of an existing patient.
            CheckIns(session).record(
                NewCheckIn(
                    patient_id=alice.id,
                    heard="red",
                    symptom_id="redness",
                    symptom_name="redness",
                    unexpected=False,
                    answer="That's expected if it's minor.",
                    reported_at=RECORDED,
                    treated_at=TREATED,
                    request_id="amzn1.echo-api.request.1",
                )
            )
            session.commit()
    finally:
        store.dispose()
    command.downgrade(migration_config(database_url), "0004")
    assert table_names(database_url) == before


def test_0006_adds_webhooks_and_leaves_everything_else_as_it_was(database_url):
    fill_revision_0001(database_url)
    command.upgrade(migration_config(database_url), "0005")
    before = table_names(database_url)

    command.upgrade(migration_config(database_url), "0006")

    assert table_names(database_url) == before | {"clinic_webhooks", "webhook_deliveries"}
    assert schema_differences(database_url) == []
    command.downgrade(migration_config(database_url), "0005")
    assert table_names(database_url) == before
