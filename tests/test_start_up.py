"""Start-up loads what a first Alexa request needs and nothing more: the testers' tools,
the APL models, PostgreSQL's dialect on SQLite and libcurl wait until something uses
them; and the app is built with the garbage collector held off, then frozen."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest

from skill.server import starting_up
from skill.store import Store, upgrade_database
from tests.conftest import record_patients

REPOSITORY = Path(__file__).resolve().parents[1]
LAUNCH = REPOSITORY / "tests" / "requests" / "launch_new_patient.json"
ECHO_SHOW = REPOSITORY / "tests" / "requests" / "avoid_now_echo_show.json"
# What `aftercare serve` must not import to answer a first request on SQLite.
LATER = [
    "ask_smapi_model",  # the interaction model's classes: `aftercare model check`
    "skill.tools.model_check",  # the testers' tools
    "skill.tools.replay",
    "skill.tools.say",
    "ask_sdk_model.interfaces.alexa.presentation.apl",  # only for screens
    "sqlalchemy.dialects.postgresql",
    "pycurl",  # only for calls out (a zone lookup, a certificate chain)
]


def _loaded_after(tmp_path: Path, request: Path) -> tuple[dict, list[str]]:
    """Starts as `aftercare serve` does, answers ``request`` (with no Settings API to
    ask), and returns the answer and which of LATER were imported."""
    url = f"sqlite:///{tmp_path / 'ready.sqlite3'}"
    upgrade_database(url)
    store = Store.from_url(url)
    record_patients(store)  # the golden requests' patients
    store.dispose()
    probe = f"""
import json, sys
import skill.cli
from skill.app import create_app
app = create_app({{"DATABASE_URL": {url!r}, "VERIFY_SIGNATURES": False, "SKILL_ID": None}})
envelope = json.loads(open({str(request)!r}).read())
envelope["context"]["System"].pop("apiAccessToken", None)
answer = app.test_client().post("/alexa", json=envelope).get_json()
loaded = [name for name in {LATER!r} if any(m == name or m.startswith(name + ".") for m in sys.modules)]
print(json.dumps([answer, loaded]))
"""
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPOSITORY, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    answer, loaded = json.loads(result.stdout.splitlines()[-1])
    return answer, loaded


def test_a_first_answer_loads_none_of_what_can_wait(tmp_path):
    answer, loaded = _loaded_after(tmp_path, LAUNCH)
    assert answer["response"]["outputSpeech"]["ssml"].startswith("<speak>Welcome")
    assert loaded == []


def test_a_screen_loads_the_apl_models_when_it_asks(tmp_path):
    answer, loaded = _loaded_after(tmp_path, ECHO_SHOW)
    directives = answer["response"]["directives"]
    assert [d["type"] for d in directives] == ["Alexa.Presentation.APL.RenderDocument"]
    assert loaded == ["ask_sdk_model.interfaces.alexa.presentation.apl"]


def test_every_command_is_still_there():
    from click.testing import CliRunner

    from skill.cli import main

    listed = CliRunner().invoke(main, ["--help"]).output
    for command in ("clinic", "db", "model", "oauth", "replay", "say", "serve"):
        assert f"\n  {command} " in listed
    checked = CliRunner().invoke(main, ["model", "--help"])
    assert checked.exit_code == 0 and "check" in checked.output


def test_what_start_up_builds_is_frozen_and_collection_resumes():
    frozen_before = gc.get_freeze_count()
    try:
        with starting_up():
            assert not gc.isenabled()
            built = [object() for _ in range(100)]
        assert gc.isenabled()
        assert gc.get_freeze_count() >= frozen_before + len(built)
    finally:
        gc.unfreeze()  # the test process's own objects go back to being collected


def test_collection_resumes_when_start_up_fails():
    try:
        with pytest.raises(RuntimeError), starting_up():
            raise RuntimeError("a setting was wrong")
        assert gc.isenabled()
    finally:
        gc.unfreeze()
