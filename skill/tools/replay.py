"""Replaying Alexa requests: the same answer every time, without Amazon.

A replay file is one of:

- one request envelope, as Alexa sends it (copied from the developer console's
  test tab, say); its expectation, if any, is ``NAME.expected.json`` beside it;
- a JSON list of envelopes: a conversation, one session; its expectations are
  a list in ``NAME.expected.json``;
- a test case: ``{"description": …, "given": {"treatments": {userId: [ISO
  instant, …]}, "timezone": IANA zone}, "turns": [{"request": envelope,
  "expect": expectation}, …]}``. ``given`` is optional: the treatments the
  store already holds, and the zone the stand-in Settings API reports. A turn
  may also say what the patient said (``"said"``), for the reader only.
  ``given.linked`` maps an access token to the linked clinic patient it
  stands for: ``{"clinic": "Bright Skin", "treatments": [ISO instant, …],
  "announced": false}`` (``announced``: whether the skill already told her,
  once, that it answers from her clinic's record). Her requests carry that
  token in ``context.System.user.accessToken``, or ``--access-token`` adds it.

An expectation is ``{"speech": "exact text"}``, ``{"speechPattern": "regex"}``
(matched in full), optionally with ``"shouldEndSession": true|false``; or a
whole response envelope, whose speech must match exactly.

In a conversation each turn after the first continues the first one's session,
with the attributes the skill returned, as Alexa does.
"""

from __future__ import annotations

import copy
import json
import re
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skill.tools.options import zone_named
from skill.tools.utterances import TIMESTAMP_FORMAT

if TYPE_CHECKING:
    from skill.tools.transport import Transport

EXPECTED_SUFFIX = ".expected.json"


class ReplayError(Exception):
    """A replay file or a response that cannot be used; the message says why and
    where in the file, and leaves naming the file to the caller."""


def _at(where: str, message: str) -> str:
    return f"{where}: {message}" if where else message


@dataclass(frozen=True)
class Expectation:
    speech: str | None = None
    speech_pattern: str | None = None
    should_end_session: bool | None = None

    @classmethod
    def parse(cls, raw: Any, where: str) -> Expectation:
        if not isinstance(raw, dict):
            raise ReplayError(_at(where, "an expectation must be a JSON object"))
        if "response" in raw:  # a whole recorded response
            return cls(speech=spoken_text(raw))
        known = {"speech", "speechPattern", "shouldEndSession"}
        if not raw.keys() & known or raw.keys() - known:
            raise ReplayError(
                _at(where, "expected 'speech', 'speechPattern' or 'shouldEndSession'")
            )
        pattern = raw.get("speechPattern")
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ReplayError(
                    _at(where, f"speechPattern is not a regular expression: {error}")
                ) from None
        return cls(raw.get("speech"), pattern, raw.get("shouldEndSession"))

    def mismatches(self, response: dict) -> list[str]:
        """What differs, each as a short diff; empty when the response meets it."""
        said = spoken_text(response)
        problems = []
        if self.speech is not None and said != self.speech:
            problems.append(f"- expected: {self.speech}\n+ heard:    {said}")
        if self.speech_pattern is not None and not re.fullmatch(self.speech_pattern, said):
            problems.append(
                f"- expected pattern: {self.speech_pattern}\n+ heard:            {said}"
            )
        ends = response.get("response", {}).get("shouldEndSession")
        if self.should_end_session is not None and ends != self.should_end_session:
            problems.append(
                f"- expected shouldEndSession: {self.should_end_session}\n+ got: {ends}"
            )
        return problems


@dataclass
class Turn:
    request: dict
    expect: Expectation | None = None


@dataclass(frozen=True)
class LinkedGiven:
    """A linked clinic patient a test case stands on, reached by its access token."""

    clinic: str
    treatments: list[datetime]
    announced: bool = False


@dataclass
class Case:
    name: str
    turns: list[Turn]
    treatments: dict[str, list[datetime]] = field(default_factory=dict)
    timezone: str | None = None
    linked: dict[str, LinkedGiven] = field(default_factory=dict)


def spoken_text(response: dict) -> str:
    """What the listener hears, as plain text."""
    speech = (response.get("response") or {}).get("outputSpeech") or {}
    if speech.get("type") == "PlainText":
        return speech.get("text", "")
    ssml = speech.get("ssml", "")
    return unescape(re.sub(r"<[^>]+>", "", ssml))


def replay_files(paths: list[Path]) -> Iterator[Path]:
    """The replay files named, directories searched in name order; a directory
    without any is a mistake, not nothing to do."""
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*.json") if not p.name.endswith(EXPECTED_SUFFIX))
            if not found:
                raise ReplayError(f"{path}: no replay files (*.json) in this directory")
            yield from found
        elif path.exists():
            yield path
        else:
            raise ReplayError(f"{path}: no such file or directory")


def _read_json(path: Path, where: str = "") -> Any:
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ReplayError(_at(where, f"not readable JSON ({error})")) from None


def _envelope(raw: Any, where: str) -> dict:
    if not isinstance(raw, dict) or not isinstance(raw.get("request"), dict):
        raise ReplayError(_at(where, "not an Alexa request envelope (no 'request' object)"))
    return raw


def load_case(path: Path) -> Case:
    raw = _read_json(path)
    expected_path = path.with_name(path.name.removesuffix(".json") + EXPECTED_SUFFIX)
    expected_name = expected_path.name
    expected = _read_json(expected_path, expected_name) if expected_path.exists() else None
    name = str(path)
    if isinstance(raw, dict) and "turns" in raw:
        return _test_case(raw, name)
    if isinstance(raw, list):
        if not raw:
            raise ReplayError("an empty list: no requests to replay")
        if expected is not None and (not isinstance(expected, list) or len(expected) != len(raw)):
            raise ReplayError(f"{expected_name}: needs a list with one expectation per request")
        expectations = expected or [None] * len(raw)
        turns = [
            Turn(
                _envelope(r, f"request {i + 1}"),
                e and Expectation.parse(e, f"{expected_name}[{i}]"),
            )
            for i, (r, e) in enumerate(zip(raw, expectations))
        ]
        return Case(name, turns)
    expectation = expected and Expectation.parse(expected, expected_name)
    return Case(name, [Turn(_envelope(raw, ""), expectation)])


def _test_case(raw: dict, name: str) -> Case:
    turns_raw = raw["turns"]
    if not isinstance(turns_raw, list) or not turns_raw:
        raise ReplayError("'turns' must be a non-empty list")
    turns = []
    for i, turn in enumerate(turns_raw):
        where = f"turn {i + 1}"
        if not isinstance(turn, dict):
            raise ReplayError(f"{where}: must be an object with 'request' and 'expect'")
        expect = turn.get("expect")
        turns.append(
            Turn(_envelope(turn.get("request"), where), expect and Expectation.parse(expect, where))
        )
    given = raw.get("given", {})
    if not isinstance(given, dict) or not isinstance(given.get("timezone", ""), str):
        raise ReplayError("'given' is an object; given.timezone an IANA zone name")
    if "timezone" in given and zone_named(given["timezone"]) is None:
        raise ReplayError(
            f"given.timezone: {given['timezone']!r} is not an IANA zone such as America/New_York"
        )
    try:
        treatments = {
            user: [_aware(datetime.fromisoformat(instant)) for instant in instants]
            for user, instants in given.get("treatments", {}).items()
        }
    except (AttributeError, TypeError, ValueError):
        raise ReplayError("given.treatments maps user ids to lists of ISO instants") from None
    return Case(name, turns, treatments, given.get("timezone"), _linked(given.get("linked", {})))


def _linked(raw: Any) -> dict[str, LinkedGiven]:
    problem = (
        "given.linked maps access tokens to "
        '{"clinic": name, "treatments": [ISO instants], "announced": true|false}'
    )
    try:
        linked = {
            token: LinkedGiven(
                clinic=patient["clinic"],
                treatments=[
                    _aware(datetime.fromisoformat(i)) for i in patient.get("treatments", [])
                ],
                announced=patient.get("announced", False),
            )
            for token, patient in raw.items()
        }
    except (AttributeError, KeyError, TypeError, ValueError):
        raise ReplayError(problem) from None
    if not all(isinstance(p.clinic, str) and p.clinic for p in linked.values()):
        raise ReplayError(problem)
    return linked


def _aware(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("an instant needs its offset")
    return instant.astimezone(UTC)


@dataclass(frozen=True)
class Overrides:
    """What the tester changes in every request: the time, the user, the device, the locale."""

    at: datetime | None = None
    user_id: str | None = None
    device_id: str | None = None
    locale: str | None = None
    access_token: str | None = None  # as if she had linked her clinic account


def _timestamp(envelope: dict) -> datetime | None:
    try:
        return datetime.fromisoformat(envelope["request"]["timestamp"]).astimezone(UTC)
    except (KeyError, TypeError, ValueError):
        return None


def prepare_turns(turns: list[Turn], overrides: Overrides) -> list[dict]:
    """The envelopes as they will be sent: overrides applied, timestamps moved
    together (a conversation keeps its pace), each later turn in the first one's session."""
    envelopes = [copy.deepcopy(turn.request) for turn in turns]
    first_stamp = _timestamp(envelopes[0])
    for envelope in envelopes:
        request = envelope["request"]
        stamp = _timestamp(envelope)
        if overrides.at is not None:
            moved = (
                overrides.at
                if stamp is None or first_stamp is None
                else overrides.at + (stamp - first_stamp)
            )
            request["timestamp"] = moved.strftime(TIMESTAMP_FORMAT)
        if overrides.locale is not None:
            request["locale"] = overrides.locale
        system = _system(envelope)
        if overrides.user_id is not None:
            for holder in (envelope.get("session"), system):
                if isinstance(holder, dict):
                    holder.setdefault("user", {})["userId"] = overrides.user_id
        if overrides.device_id is not None and system is not None:
            system.setdefault("device", {})["deviceId"] = overrides.device_id
        if overrides.access_token is not None:
            for holder in (envelope.get("session"), system):
                if isinstance(holder, dict):
                    holder.setdefault("user", {})["accessToken"] = overrides.access_token
    return envelopes


def _system(envelope: dict) -> dict | None:
    context = envelope.get("context")
    system = context.get("System") if isinstance(context, dict) else None
    return system if isinstance(system, dict) else None


def give_fresh_identities(envelopes: list[dict], overrides: Overrides) -> None:
    """Each user and device id in one file's envelopes becomes one never used before,
    unless the tester named them: a running server remembers what it hears, so
    without this a file would meet the treatments an earlier file recorded."""
    fresh: dict[tuple[str, str], str] = {}

    def renamed(kind: str, old: str) -> str:
        return fresh.setdefault((kind, old), f"amzn1.ask.{kind}.REPLAY-{uuid.uuid4().hex.upper()}")

    for envelope in envelopes:
        system = _system(envelope)
        if overrides.user_id is None:
            for holder in (envelope.get("session"), system):
                user = holder.get("user") if isinstance(holder, dict) else None
                if isinstance(user, dict) and isinstance(user.get("userId"), str):
                    user["userId"] = renamed("account", user["userId"])
        device = system.get("device") if system is not None else None
        if overrides.device_id is None and isinstance(device, dict):
            if isinstance(device.get("deviceId"), str):
                device["deviceId"] = renamed("device", device["deviceId"])


def needs_in_process(case: Case) -> str | None:
    """Why the case cannot be replayed against a running server, if it cannot."""
    if case.treatments:
        return "'given' treatments need an in-process replay: a running server's store is its own"
    if case.timezone:
        return (
            "given.timezone needs an in-process replay: "
            "a running server asks the Settings API for the device's zone"
        )
    if case.linked:
        return (
            "'given' linked patients need an in-process replay: a running server's store is its own"
        )
    return None


def converse(transport: Transport, envelopes: list[dict]) -> Iterator[dict]:
    """Sends the turns in order, carrying the session forward; yields each response."""
    session = None
    for envelope in envelopes:
        if session is not None and isinstance(envelope.get("session"), dict):
            envelope["session"]["new"] = False
            envelope["session"]["sessionId"] = session["sessionId"]
            envelope["session"]["attributes"] = session["attributes"]
        response = transport.send(envelope)
        if isinstance(envelope.get("session"), dict):
            session = {
                "sessionId": envelope["session"].get("sessionId"),
                "attributes": response.get("sessionAttributes") or {},
            }
        yield response


@dataclass
class TurnResult:
    request: dict
    response: dict
    mismatches: list[str]


def replay_case(
    case: Case,
    overrides: Overrides,
    *,
    url: str | None = None,
    database_url: str | None = None,
    timezone: str | None = None,
) -> Iterator[TurnResult]:
    """Replays one file's turns, each file on a fresh database unless one is named,
    or against the server at ``url`` as a user and device of its own.

    ``timezone`` (the tester's --timezone) wins over the case's own given zone.
    """
    from skill.tools.transport import InProcess, OverHttp  # the web stack, only to send

    envelopes = prepare_turns(case.turns, overrides)
    timezone = timezone or case.timezone
    with tempfile.TemporaryDirectory(prefix="aftercare-replay-") as scratch:
        if url is not None:
            if reason := needs_in_process(case):
                raise ReplayError(reason)
            give_fresh_identities(envelopes, overrides)
            transport: Transport = OverHttp(url)
        else:
            transport = InProcess(
                database_url or f"sqlite:///{scratch}/replay.sqlite3",
                timezone,
                case.treatments,
                case.linked,
            )
        try:
            for turn, envelope, response in zip(
                case.turns, envelopes, converse(transport, envelopes)
            ):
                mismatches = turn.expect.mismatches(response) if turn.expect else []
                yield TurnResult(envelope, response, mismatches)
        finally:
            transport.close()
