"""The options replay and say share: a wrong one is a usage error in one line, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from skill.cli import main as aftercare

STOP = str(Path(__file__).parents[1] / "requests" / "builtin_stop.json")
COMMANDS = [pytest.param(["replay", STOP], id="replay"), pytest.param(["say", "stop"], id="say")]
NOWHERE = "http://127.0.0.1:9/alexa"


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(
    ("options", "error"),
    [
        pytest.param(
            ["--timezone", "Mars/Olympus"],
            "Error: Invalid value for '--timezone': "
            "'Mars/Olympus' is not an IANA zone such as America/New_York",
            id="unknown zone",
        ),
        pytest.param(
            ["--at", "tomorrow"],
            "Error: Invalid value for '--at': give an ISO instant such as 2026-11-27T15:00:00Z",
            id="not an instant",
        ),
        pytest.param(
            ["--database-url", "nonsense"],
            "Error: Invalid value for '--database-url': not a database URL; give one such as "
            "sqlite:///path/aftercare.sqlite3 or postgresql+psycopg://user@host/db",
            id="not a database URL",
        ),
        pytest.param(
            ["--database-url", "postgresql+nodriver://host/db"],
            "Error: Invalid value for '--database-url': SQLAlchemy has no driver "
            "'postgresql+nodriver'; give a URL such as sqlite:///path/aftercare.sqlite3 "
            "or postgresql+psycopg://user@host/db",
            id="unknown driver",
        ),
        pytest.param(
            ["--url", NOWHERE, "--timezone", "Europe/London"],
            "Error: --timezone works in process only; a server behind --url asks the Settings "
            "API for the device's zone, else its AFTERCARE_DEFAULT_TIMEZONE",
            id="zone with --url",
        ),
        pytest.param(
            ["--url", NOWHERE, "--database-url", "sqlite://"],
            "Error: --database-url works in process only; "
            "a server behind --url uses its own AFTERCARE_DATABASE_URL",
            id="database with --url",
        ),
    ],
)
def test_a_wrong_option_is_a_usage_error_in_one_line(command, options, error):
    name, argument = command
    result = CliRunner().invoke(aftercare, [name, *options, argument])
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == error
    assert "Traceback" not in result.output
