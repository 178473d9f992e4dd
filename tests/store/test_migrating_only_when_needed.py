"""Start-up reads the schema's revision and imports Alembic only when there is
something to migrate; instances starting at once on PostgreSQL migrate one at a time."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from skill.store import migration_config, upgrade_database
from skill.store.database import _newest_revision
from tests.conftest import fresh_database
from tests.store.looking_in import current_revision, table_names

REPOSITORY = Path(__file__).resolve().parents[2]


def test_the_newest_revision_read_from_the_files_is_alembics_head():
    script = ScriptDirectory.from_config(migration_config("sqlite://"))
    assert _newest_revision() == script.get_current_head()


def test_serving_an_up_to_date_database_never_imports_alembic(tmp_path):
    url = f"sqlite:///{tmp_path / 'ready.sqlite3'}"
    upgrade_database(url)
    probe = (
        "import sys\n"
        "from skill.app import create_app\n"
        f"create_app({{'DATABASE_URL': {url!r}, 'VERIFY_SIGNATURES': False}})\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'alembic'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPOSITORY, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.fixture
def postgresql_url(tmp_path):
    with fresh_database("postgresql", tmp_path) as url:
        yield url


def test_instances_starting_at_once_on_postgresql_all_find_the_schema(postgresql_url):
    database_url = postgresql_url
    failures: list[BaseException] = []

    def start() -> None:
        try:
            upgrade_database(database_url)
        except BaseException as error:  # the test reports whatever went wrong
            failures.append(error)

    starters = [threading.Thread(target=start) for _ in range(4)]
    for starter in starters:
        starter.start()
    for starter in starters:
        starter.join(60)
    assert failures == []
    assert "patients" in table_names(database_url)
    assert current_revision(database_url) == _newest_revision()
