"""The ``aftercare`` command: a wrong setting is one line and a non-zero exit, never a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from skill.app import create_app
from skill.cli import main as aftercare
from skill.config import ConfigError

EXAMPLES = "sqlite:///path/aftercare.sqlite3 or postgresql+psycopg://user@host/db"
# What a migration does not need, unset, so that nothing else is asked for.
ONLY_THE_DATABASE = {"AFTERCARE_SKILL_ID": None, "AFTERCARE_VERIFY_SIGNATURES": None}

BAD_DATABASE_URLS = [
    pytest.param(
        "nonsense",
        f"not a database URL; give one such as {EXAMPLES}",
        id="not a URL",
    ),
    pytest.param(
        "mysql://user@host/db",
        f"the store runs on SQLite or PostgreSQL, not 'mysql'; give a URL such as {EXAMPLES}",
        id="another database",
    ),
    pytest.param(
        "postgresql+nodriver://user@host/db",
        f"SQLAlchemy has no driver 'postgresql+nodriver'; give a URL such as {EXAMPLES}",
        id="unknown driver",
    ),
    pytest.param(
        "postgresql+psycopg2://user@host/db",
        "its driver psycopg2 is not installed; "
        "for PostgreSQL give postgresql+psycopg://… and pip install -e '.[postgres]'",
        id="driver not installed",
    ),
    pytest.param(
        "postgresql+psycopg://nobody:secret@127.0.0.1:1/db",
        "cannot use the database at postgresql+psycopg://nobody:***@127.0.0.1:1/db "
        '(connection failed: connection to server at "127.0.0.1", port 1 failed: '
        "Connection refused); check the URL and that the database is running and lets this user in",
        id="nothing listening",
    ),
    pytest.param(
        "sqlite:////dev/null/aftercare.sqlite3",
        "cannot create the folder /dev/null (File exists); give a path this user may write to",
        id="folder that cannot be made",
    ),
]


def invoke(*arguments: str, env: dict[str, str | None]):
    return CliRunner().invoke(aftercare, list(arguments), env=env)


@pytest.mark.parametrize(("url", "problem"), BAD_DATABASE_URLS)
def test_db_upgrade_names_a_bad_database_url_in_one_line(url, problem):
    result = invoke("db", "upgrade", env={**ONLY_THE_DATABASE, "AFTERCARE_DATABASE_URL": url})
    assert result.exit_code == 1
    assert result.output == f"Error: AFTERCARE_DATABASE_URL: {problem}\n"


@pytest.mark.parametrize(("url", "problem"), BAD_DATABASE_URLS)
def test_start_up_names_a_bad_database_url(monkeypatch, url, problem):
    monkeypatch.setenv("AFTERCARE_DATABASE_URL", url)
    with pytest.raises(ConfigError) as refused:
        create_app({"VERIFY_SIGNATURES": False})
    assert str(refused.value) == f"AFTERCARE_DATABASE_URL: {problem}"


def test_serve_stops_on_a_bad_database_url_with_one_line():
    result = invoke(
        "serve",
        env={"AFTERCARE_DATABASE_URL": "nonsense", "AFTERCARE_VERIFY_SIGNATURES": "0"},
    )
    assert result.exit_code == 1
    assert result.output == (
        f"Error: AFTERCARE_DATABASE_URL: not a database URL; give one such as {EXAMPLES}\n"
    )


def test_db_upgrade_needs_no_skill_id(tmp_path):
    url = f"sqlite:///{tmp_path / 'aftercare.sqlite3'}"
    result = invoke("db", "upgrade", env={**ONLY_THE_DATABASE, "AFTERCARE_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    assert result.output == "The database is at the latest revision.\n"
    assert (tmp_path / "aftercare.sqlite3").exists()


# The web stack, the database layer and the HTTP client: what made `aftercare` take a second.
HEAVY_MODULES = ("flask", "sqlalchemy", "alembic", "waitress", "requests", "cryptography")


def heavy_modules_loaded_by(code: str) -> list[str]:
    """The heavy modules a fresh interpreter has imported after running ``code``."""
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {HEAVY_MODULES!r} if m in sys.modules))"
    finished = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    return finished.stdout.splitlines()[-1].split()  # after whatever the command printed


def test_the_command_imports_no_heavy_part_to_start():
    assert heavy_modules_loaded_by("import skill.cli") == []


def test_model_check_imports_only_the_handlers_it_checks_against():
    run = "from skill.cli import main\nmain(['model', 'check'], standalone_mode=False)"
    assert heavy_modules_loaded_by(run) == []
