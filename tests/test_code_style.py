"""The code stays as ruff formats and checks it (settings in pyproject.toml)."""

import shutil
import subprocess
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).parents[1]
SOURCES = ["skill", "tests", "bench"]


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=" ".join)
def test_ruff(command):
    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed; pip install -e '.[test]' brings it")
    result = subprocess.run(
        [ruff, *command, *SOURCES], cwd=REPOSITORY, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
