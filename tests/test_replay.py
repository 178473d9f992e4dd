"""``aftercare replay``: recorded requests give the same answers every time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from skill.cli import main as aftercare

HERE = Path(__file__).parent
CONVERSATIONS = HERE / "conversations"
REQUESTS = HERE / "requests"


def replay(*arguments: str):
    return CliRunner().invoke(aftercare, ["replay", *arguments], catch_exceptions=False)


def test_the_recorded_conversations_replay_green():
    result = replay("--expect", str(CONVERSATIONS))
    assert result.exit_code == 0, result.output
    cases = sorted(CONVERSATIONS.glob("*.json"))
    assert len(cases) >= 20
    assert result.output.splitlines()[-1] == f"{len(cases)} passed, 0 failed, 0 unchecked"


def test_every_recorded_conversation_has_several_turns_and_expectations():
    for path in CONVERSATIONS.glob("*.json"):
        turns = json.loads(path.read_text("utf-8"))["turns"]
        assert len(turns) >= 2, path.name
        assert all("expect" in turn for turn in turns), path.name


def test_replay_prints_what_alexa_would_say():
    result = replay(str(REQUESTS / "launch_new_patient.json"))
    assert result.exit_code == 0
    assert result.output.splitlines()[1].startswith(
        "  1. LaunchRequest: Welcome to Skin Aftercare."
    )


def test_replay_json_prints_the_whole_response():
    result = replay("--json", str(REQUESTS / "builtin_stop.json"))
    response = json.loads(result.output)
    assert response["response"]["shouldEndSession"] is True


def _case(tmp_path: Path, turns: list[dict], given: dict | None = None) -> Path:
    path = tmp_path / "case.json"
    path.write_text(json.dumps({"given": given or {}, "turns": turns}), "utf-8")
    return path


def _request(name: str) -> dict:
    return json.loads((REQUESTS / f"{name}.json").read_text("utf-8"))


THURSDAY = {"amzn1.ask.account.PATIENT-THURSDAY": ["2026-11-26T20:00:00Z"]}


@pytest.mark.parametrize(
    ("options", "speech"),
    [
        ([], "Not yet. Makeup is fine from 3 PM tomorrow."),
        # what would she hear the next afternoon?
        (["--at", "2026-11-28T20:30:00Z"], "Yes. Makeup has been fine since 3 PM today."),
        (["--timezone", "Europe/London"], "Not yet. Makeup is fine from 8 PM tomorrow."),
        (["--timezone", "Asia/Kolkata"], "Not yet. Makeup is fine from 1:30 AM on Sunday."),
        (
            ["--user", "amzn1.ask.account.SOMEONE-ELSE"],
            "I don't know when your treatment was yet. "
            "When was your treatment? For example, yesterday at 2 PM.",
        ),
    ],
)
def test_overrides(tmp_path, options, speech):
    request = _request("can_i_makeup_a_minute_before")
    request["request"]["timestamp"] = "2026-11-27T15:00:00Z"
    case = _case(
        tmp_path, [{"request": request, "expect": {"speech": speech}}], {"treatments": THURSDAY}
    )
    result = replay("--expect", *options, str(case))
    assert result.exit_code == 0, result.output


def test_a_wrong_expectation_fails_with_a_diff(tmp_path):
    case = _case(
        tmp_path, [{"request": _request("builtin_stop"), "expect": {"speech": "Bye now."}}]
    )
    result = replay("--expect", str(case))
    assert result.exit_code == 1
    assert "- expected: Bye now.\n" in result.output
    assert "+ heard:    Take care of your skin. Goodbye." in result.output
    assert result.output.splitlines()[-1] == "0 passed, 1 failed, 0 unchecked"


def test_a_pattern_expectation_matches_in_full(tmp_path):
    turns = [
        {
            "request": _request("builtin_stop"),
            "expect": {"speechPattern": r"Take care.*\.", "shouldEndSession": True},
        }
    ]
    assert replay("--expect", str(_case(tmp_path, turns))).exit_code == 0
    turns[0]["expect"]["speechPattern"] = "Take care"
    assert replay("--expect", str(_case(tmp_path, turns))).exit_code == 1


def test_a_list_of_requests_is_one_session_with_expectations_beside_it(tmp_path):
    launch = _request("launch_new_patient")
    record = _request("record_plain_date")
    (tmp_path / "talk.json").write_text(json.dumps([launch, record]), "utf-8")
    (tmp_path / "talk.expected.json").write_text(
        json.dumps(
            [
                {"speechPattern": "Welcome to Skin Aftercare.*"},
                {
                    "speech": "You had your treatment last Wednesday, November 25, at 2 PM. Is that right?"
                },
            ]
        ),
        "utf-8",
    )
    result = replay("--expect", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "PASS" in result.output


def test_a_file_without_expectations_is_reported_unchecked(tmp_path):
    (tmp_path / "one.json").write_text(json.dumps(_request("builtin_help")), "utf-8")
    result = replay("--expect", str(tmp_path))
    assert result.exit_code == 0
    assert result.output.splitlines()[-1] == "0 passed, 0 failed, 1 unchecked"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not readable JSON"),
        ('{"hello": 1}', "not an Alexa request envelope"),
        ('{"turns": []}', "'turns' must be a non-empty list"),
    ],
)
def test_unusable_files_fail_with_a_reason(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content, "utf-8")
    result = replay("--expect", str(path))
    assert result.exit_code == 1
    assert message in result.output


def test_a_missing_path_is_a_usage_error():
    result = replay("no/such/file.json")
    assert result.exit_code == 2
    assert "no such file or directory" in result.output


def test_replay_against_a_running_server(serve, alexa_api):
    base = serve(AFTERCARE_VERIFY_SIGNATURES="0")
    result = replay(
        "--expect", "--url", f"{base}/alexa", str(CONVERSATIONS / "12_before_booking.json")
    )
    assert result.exit_code == 0, result.output


def test_replay_reports_a_server_that_refuses(serve, alexa_api):
    base = serve()  # verifying signatures: replayed requests are refused
    result = replay(
        "--expect", "--url", f"{base}/alexa", str(CONVERSATIONS / "12_before_booking.json")
    )
    assert result.exit_code == 1
    assert "HTTP 400" in result.output
