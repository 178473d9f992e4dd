"""The code stays as ruff formats and checks it (settings in pyproject.toml)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).parents[1]
SOURCES = ["skill", "tests", "bench"]


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=" ".join)
def test_ruff(command):
    # Beside this interpreter first: CI runs the venv's python without the venv on PATH.
    beside = Path(sys.executable).with_name("ruff")
    ruff = str(beside) if beside.exists() else shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed; pip install -e '.[test]' brings it")
    result = subprocess.run(
        [ruff, *command, *SOURCES], cwd=REPOSITORY, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
