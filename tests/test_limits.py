"""Every timeout and limit: read from its AFTERCARE_* variable, refused when wrong,
and listed with its default in the README's "Operating" section."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from skill.config import LIMITS, ConfigError, from_environment

README = Path(__file__).resolve().parent.parent / "README.md"


def _operating_rows() -> dict[str, str]:
    section = README.read_text("utf-8").split("\n## Operating\n", 1)[1].split("\n## ", 1)[0]
    return dict(re.findall(r"^\| `(AFTERCARE_\w+)` \| ([^|]+) \|", section, flags=re.MULTILINE))


def test_the_readme_lists_every_limit_with_its_default():
    rows = _operating_rows()
    assert set(rows) == {limit.variable for limit in LIMITS}
    for limit in LIMITS:
        unit = " s" if limit.unit == "seconds" else ""
        assert rows[limit.variable].strip().startswith(f"{limit.default:g}{unit}"), limit.key


def test_unset_limits_take_their_defaults():
    settings = from_environment({}, "/instance")
    assert {limit.key: settings[limit.key] for limit in LIMITS} == {
        limit.key: limit.default for limit in LIMITS
    }


def test_limits_are_read_from_their_variables():
    settings = from_environment(
        {"AFTERCARE_IDLE_TIMEOUT": "2.5", "AFTERCARE_CONNECTION_LIMIT": "40"}, "/instance"
    )
    assert settings["IDLE_TIMEOUT"] == 2.5
    assert settings["CONNECTION_LIMIT"] == 40


@pytest.mark.parametrize(
    ("variable", "value", "kind"),
    [
        ("AFTERCARE_IDLE_TIMEOUT", "soon", "a positive number of seconds"),
        ("AFTERCARE_DB_STATEMENT_TIMEOUT", "0", "a positive number of seconds"),
        ("AFTERCARE_ALEXA_API_TIMEOUT", "-1", "a positive number of seconds"),
        ("AFTERCARE_SHUTDOWN_TIMEOUT", "nan", "a positive number of seconds"),
        ("AFTERCARE_CERT_FETCH_TIMEOUT", "inf", "a positive number of seconds"),
        ("AFTERCARE_THREADS", "1.5", "a whole number"),
        ("AFTERCARE_MAX_JSON_DEPTH", "0", "a whole number"),
    ],
)
def test_a_wrong_limit_is_one_sentence_naming_its_variable(variable, value, kind):
    with pytest.raises(ConfigError) as refused:
        from_environment({variable: value}, "/instance")
    assert str(refused.value).startswith(f"{variable} must be {kind} above 0, not {value!r};")
