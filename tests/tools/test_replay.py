"""``aftercare replay``: recorded requests give the same answers every time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from skill.cli import main as aftercare
from skill.tools.replay import Overrides, Turn, give_fresh_identities, prepare_turns

TESTS = Path(__file__).parents[1]
CONVERSATIONS = TESTS / "conversations"
REQUESTS = TESTS / "requests"


def replay(*arguments: str):
    return CliRunner().invoke(aftercare, ["replay", *arguments], catch_exceptions=False)


def test_the_recorded_conversations_replay_green():
    result = replay("--expect", str(CONVERSATIONS))
    assert result.exit_code == 0, result.output
    cases = sorted(CONVERSATIONS.rglob("*.json"))  # en-US, and each other locale's folder
    assert len(cases) >= 20
    assert result.output.splitlines()[-1] == f"{len(cases)} passed, 0 failed, 0 unchecked"


def test_every_recorded_conversation_has_several_turns_and_expectations():
    for path in CONVERSATIONS.rglob("*.json"):
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
        # what would a British listener hear, or an Australian one (in Sydney, her locale's
        # zone, since the recorded token gets no answer from the Settings API)?
        (
            ["--locale", "en-GB", "--timezone", "Europe/London"],
            "Not yet. Make-up is fine from 8 pm tomorrow.",
        ),
        (["--locale", "en-AU"], "Not yet. Make-up is fine from 7 am tomorrow."),
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


def test_a_file_without_expectations_is_reported_unchecked_beside_one_that_passes(tmp_path):
    (tmp_path / "one.json").write_text(json.dumps(_request("builtin_help")), "utf-8")
    _case(tmp_path, [{"request": _request("builtin_stop"), "expect": {"speechPattern": ".+"}}])
    result = replay("--expect", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"PASS {tmp_path / 'case.json'} (1 turns)",
        f"UNCHECKED {tmp_path / 'one.json'} (no expectations)",
        "1 passed, 0 failed, 1 unchecked",
    ]


def test_expect_with_nothing_to_check_fails(tmp_path):
    (tmp_path / "one.json").write_text(json.dumps(_request("builtin_help")), "utf-8")
    result = replay("--expect", str(tmp_path))
    assert result.exit_code == 1
    assert result.output.splitlines()[-2:] == [
        "0 passed, 0 failed, 1 unchecked",
        "Error: nothing was checked: no file has expectations "
        "(inline 'expect', or NAME.expected.json beside it)",
    ]


UNUSABLE_FILES = [
    pytest.param(
        "{not json",
        "not readable JSON (Expecting property name enclosed in double quotes: "
        "line 1 column 2 (char 1))",
        id="garbage",
    ),
    pytest.param(
        '{"hello": 1}', "not an Alexa request envelope (no 'request' object)", id="no request"
    ),
    pytest.param("[]", "an empty list: no requests to replay", id="empty list"),
    pytest.param(
        '[{"request": {}}, 5]',
        "request 2: not an Alexa request envelope (no 'request' object)",
        id="not a request in a list",
    ),
    pytest.param('{"turns": []}', "'turns' must be a non-empty list", id="no turns"),
    pytest.param(
        json.dumps(
            {
                "given": {"timezone": "Mars/Olympus"},
                "turns": [{"request": _request("builtin_stop")}],
            }
        ),
        "given.timezone: 'Mars/Olympus' is not an IANA zone such as America/New_York",
        id="given zone",
    ),
]


@pytest.mark.parametrize(("content", "reason"), UNUSABLE_FILES)
def test_an_unusable_file_is_one_line_naming_it_once_and_fails(tmp_path, content, reason):
    path = tmp_path / "bad.json"
    path.write_text(content, "utf-8")
    result = replay(str(path))
    assert result.exit_code == 1
    assert result.output == f"{path}: {reason}\n"


@pytest.mark.parametrize(("content", "reason"), UNUSABLE_FILES)
def test_an_unusable_file_fails_the_expectations(tmp_path, content, reason):
    path = tmp_path / "bad.json"
    path.write_text(content, "utf-8")
    result = replay("--expect", str(path))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"FAIL {path}: {reason}",
        "0 passed, 1 failed, 0 unchecked",
    ]


def test_an_unreadable_expectation_file_is_named(tmp_path):
    (tmp_path / "stop.json").write_text(json.dumps(_request("builtin_stop")), "utf-8")
    (tmp_path / "stop.expected.json").write_text("{", "utf-8")
    result = replay(str(tmp_path / "stop.json"))
    assert result.exit_code == 1
    assert result.output.startswith(
        f"{tmp_path / 'stop.json'}: stop.expected.json: not readable JSON ("
    )


def test_a_missing_path_is_a_usage_error():
    result = replay("no/such/file.json")
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == "Error: no/such/file.json: no such file or directory"


def test_an_empty_directory_is_a_usage_error(tmp_path):
    result = replay("--expect", str(tmp_path))
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        f"Error: {tmp_path}: no replay files (*.json) in this directory"
    )


STOP = str(REQUESTS / "builtin_stop.json")


@pytest.mark.parametrize(
    ("variable", "value", "error"),
    [
        (
            "AFTERCARE_DEFAULT_TIMEZONE",
            "Mars/Olympus",
            "Error: AFTERCARE_DEFAULT_TIMEZONE must be an IANA zone such as America/New_York, "
            "not 'Mars/Olympus'",
        ),
        (
            "AFTERCARE_VERIFY_SIGNATURES",
            "maybe",
            "Error: AFTERCARE_VERIFY_SIGNATURES must be 1 or 0, not 'maybe'",
        ),
    ],
)
def test_a_wrong_setting_stops_the_replay_in_one_line(variable, value, error):
    result = CliRunner().invoke(aftercare, ["replay", STOP, STOP], env={variable: value})
    assert result.exit_code == 1
    assert result.output == error + "\n"


def test_a_named_database_is_migrated_and_used(tmp_path):
    url = f"sqlite:///{tmp_path / 'tester.sqlite3'}"
    record = _conversation("01_new_patient_records_then_asks")
    ask = _conversation("08_question_before_the_treatment_is_known")
    result = replay("--database-url", url, str(record))
    assert result.exit_code == 0, result.output
    # The same user asks a month later, in another run: the named database remembers her
    # (a fresh one would not know her treatment).
    result = replay("--database-url", url, "--at", "2026-12-25T15:00:00Z", str(ask))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1].startswith("  1. ActivityPermissionIntent: Yes. ")


def _conversation(name: str) -> Path:
    return CONVERSATIONS / f"{name}.json"


def test_every_conversation_that_can_runs_against_a_running_server(serve, alexa_api):
    """Each file talks as a user and device of its own, so no file sees another's treatment."""
    base = serve(AFTERCARE_VERIFY_SIGNATURES="0")
    result = replay("--expect", "--url", f"{base}/alexa", str(CONVERSATIONS))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    cases = sorted(CONVERSATIONS.rglob("*.json"))
    needing_in_process = [
        path for path in cases if json.loads(path.read_text("utf-8")).get("given")
    ]
    assert lines[-1] == (
        f"{len(cases) - len(needing_in_process)} passed, 0 failed, 0 unchecked, "
        f"{len(needing_in_process)} skipped"
    )
    for path in needing_in_process:
        assert f"SKIP {path}: " in result.output


def test_replay_reports_a_server_that_refuses(serve, alexa_api):
    base = serve()  # verifying signatures: replayed requests are refused
    result = replay(
        "--expect", "--url", f"{base}/alexa", str(CONVERSATIONS / "12_before_booking.json")
    )
    assert result.exit_code == 1
    assert "HTTP 400" in result.output


def _ids(envelope: dict) -> tuple[str, str, str]:
    system = envelope["context"]["System"]
    return (
        envelope["session"]["user"]["userId"],
        system["user"]["userId"],
        system["device"]["deviceId"],
    )


def test_fresh_identities_are_one_per_file_and_leave_named_ones_alone():
    turns = [Turn(_request("launch_new_patient")), Turn(_request("launch_new_patient"))]
    first = prepare_turns(turns, Overrides())
    give_fresh_identities(first, Overrides())
    second = prepare_turns(turns, Overrides())
    give_fresh_identities(second, Overrides())
    user, same_user, device = _ids(first[0])
    assert user == same_user and user.startswith("amzn1.ask.account.REPLAY-")
    assert device.startswith("amzn1.ask.device.REPLAY-")
    assert _ids(first[1]) == (user, user, device)  # one conversation, one patient
    assert _ids(second[0])[0] != user and _ids(second[0])[2] != device

    named = Overrides(user_id="amzn1.ask.account.TESTER", device_id="amzn1.ask.device.TESTER")
    kept = prepare_turns(turns, named)
    give_fresh_identities(kept, named)
    assert _ids(kept[0]) == (named.user_id, named.user_id, named.device_id)


# The recorded requests the README says a fresh server answers as recorded.
FRESH_SERVER_REQUESTS = (
    "launch_new_patient.json",
    "record_*.json",
    "builtin_*.json",
    "session_ended*.json",
    "fact_*.json",
)
# Help answers a patient whose treatment is known with examples, a new one with a question.
FRESH_SERVER_EXCEPTIONS = ("builtin_help.json",)


def test_the_requests_the_readme_names_get_their_recorded_answer_on_a_fresh_database():
    paths = sorted(
        {
            path
            for pattern in FRESH_SERVER_REQUESTS
            for path in REQUESTS.glob(pattern)
            if not path.name.endswith(".expected.json") and path.name not in FRESH_SERVER_EXCEPTIONS
        }
    )
    result = replay("--expect", *map(str, paths))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == f"{len(paths)} passed, 0 failed, 0 unchecked"


def test_access_token_sends_every_request_as_a_linked_patient(tmp_path):
    linked = {"linked-token": {"clinic": "Bright Skin", "treatments": ["2026-11-26T20:00:00Z"]}}
    envelope = _request("when_can_i_makeup")
    path = _case(tmp_path, [{"request": envelope}], given={"linked": linked})

    result = replay("--access-token", "linked-token", str(path))

    assert result.exit_code == 0, result.output
    assert "Makeup is fine from 3 PM tomorrow" in result.output
    unknown = replay("--access-token", "another-token", str(path))
    assert "Your link to your clinic's records has ended" in unknown.output


def test_given_linked_needs_an_in_process_replay(tmp_path):
    linked = {"linked-token": {"clinic": "Bright Skin"}}
    path = _case(tmp_path, [{"request": _request("builtin_stop")}], given={"linked": linked})

    result = replay("--url", "http://127.0.0.1:9/alexa", str(path))

    assert "SKIP" in result.output and "linked patients need an in-process replay" in result.output
