"""skill/alexa/serializer.py: requests read by readers made once per type, into exactly
the model objects ask-sdk's own serializer makes; anything unfamiliar read by ask-sdk."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path

import pytest
from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import IntentRequest, RequestEnvelope, ResponseEnvelope
from dateutil.tz import tzutc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skill.alexa.serializer import AlexaSerializer, _reader, _Unfamiliar, _writer
from tests.test_golden_requests import CASES, replay

TESTS = Path(__file__).parent
REQUEST = TESTS / "requests" / "can_i_makeup_a_minute_before.json"
ENVELOPE = "ask_sdk_model.request_envelope.RequestEnvelope"


def _recorded_requests() -> list[tuple[str, dict]]:
    """Every request the suite replays: golden requests and conversations' turns."""
    found = []
    for path in sorted(TESTS.glob("requests/**/*.json")):
        if not path.name.endswith(".expected.json"):
            found.append((str(path.relative_to(TESTS)), json.loads(path.read_text("utf-8"))))
    for path in sorted(TESTS.glob("conversations/**/*.json")):
        for number, turn in enumerate(json.loads(path.read_text("utf-8"))["turns"], 1):
            found.append((f"{path.relative_to(TESTS)} turn {number}", turn["request"]))
    return found


RECORDED = _recorded_requests()


def _envelope_dict(timestamp: str = "2026-11-28T19:59:00Z") -> dict:
    envelope = json.loads(REQUEST.read_text("utf-8"))
    envelope["request"]["timestamp"] = timestamp
    return envelope


def _ask_sdks_reading(parsed: dict) -> RequestEnvelope:
    """ask-sdk's own reflective walk (with the serializer's faster timestamps and
    remembered classes, which the readers share)."""
    return AlexaSerializer()._DefaultSerializer__deserialize(copy.deepcopy(parsed), RequestEnvelope)


def _shape(value: object) -> object:
    """Everything about a model object that can differ: each class, each attribute
    (including those ask-sdk sets for keys it does not know), each value's type."""
    if isinstance(value, list):
        return [_shape(item) for item in value]
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, datetime):
        return datetime, value, type(value.tzinfo)
    if hasattr(value, "__dict__") and not isinstance(value, Enum | type):
        return type(value), _shape(vars(value))
    return type(value), value


def test_the_suite_replays_requests_of_every_kind():
    kinds = {request["request"]["type"] for _, request in RECORDED}
    assert len(RECORDED) > 150
    assert {"LaunchRequest", "IntentRequest", "SessionEndedRequest"} <= kinds
    assert "AlexaSkillEvent.SkillDisabled" in kinds


@pytest.mark.parametrize("name, parsed", RECORDED, ids=[name for name, _ in RECORDED])
def test_every_recorded_request_reads_as_ask_sdk_reads_it(name, parsed):
    # The readers themselves: none of these may need ask-sdk's slow path.
    ours = _reader(ENVELOPE)(copy.deepcopy(parsed))
    assert _shape(ours) == _shape(_ask_sdks_reading(parsed))
    # And equal (==, as ask-sdk's models compare) to the stock serializer's reading.
    assert ours == DefaultSerializer().deserialize(json.dumps(parsed), RequestEnvelope)


def test_an_envelope_reads_into_ask_sdks_models():
    envelope = AlexaSerializer().envelope(_envelope_dict())
    assert isinstance(envelope.request, IntentRequest)
    slot = envelope.request.intent.slots["activity"]
    assert slot.resolutions.resolutions_per_authority[0].values[0].value.id == "makeup"


def test_a_key_ask_sdk_does_not_know_is_kept_as_it_is():
    parsed = _envelope_dict()
    parsed["request"]["somethingNew"] = {"nested": [1, 2]}
    envelope = _reader(ENVELOPE)(copy.deepcopy(parsed))
    assert envelope.request.somethingNew == {"nested": [1, 2]}
    assert _shape(envelope) == _shape(_ask_sdks_reading(parsed))


def test_a_whole_number_where_a_float_belongs_is_a_float():
    parsed = json.loads((TESTS / "requests" / "avoid_now_echo_show.json").read_text("utf-8"))
    parsed["context"]["Viewport"]["dpi"] = 213
    viewport = _reader(ENVELOPE)(copy.deepcopy(parsed)).context.viewport
    assert viewport.dpi == 213.0 and type(viewport.dpi) is float
    assert _shape(viewport) == _shape(_ask_sdks_reading(parsed).context.viewport)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda e: e["request"].update(type="Nobody.Knows"), id="unknown type"),
        pytest.param(lambda e: e["request"].pop("type"), id="no type"),
        pytest.param(lambda e: e["request"].update(type=["IntentRequest"]), id="list type"),
        pytest.param(lambda e: e["context"].update(System="text"), id="text for an object"),
        pytest.param(lambda e: e["request"].update(timestamp="not a time"), id="bad timestamp"),
        pytest.param(lambda e: e["request"]["intent"].update(slots=[1]), id="list for a dict"),
        pytest.param(lambda e: e["request"].update(dialogState="HALFWAY"), id="unknown enum"),
    ],
)
def test_an_unfamiliar_request_gets_ask_sdks_own_error(change):
    parsed = _envelope_dict()
    change(parsed)
    with pytest.raises(_Unfamiliar):
        _reader(ENVELOPE)(copy.deepcopy(parsed))
    with pytest.raises(SerializationException):
        _ask_sdks_reading(parsed)
    with pytest.raises(SerializationException):
        AlexaSerializer().envelope(parsed)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda e: e["request"].update(locale=5), id="number for text"),
        pytest.param(lambda e: e["session"].update(new="yes"), id="text for a boolean"),
        pytest.param(lambda e: e["request"].update(_private=1), id="underscore key"),
    ],
)
def test_an_unfamiliar_request_ask_sdk_can_read_is_read_by_ask_sdk(change):
    parsed = _envelope_dict()
    change(parsed)
    with pytest.raises(_Unfamiliar):
        _reader(ENVELOPE)(copy.deepcopy(parsed))
    ours = AlexaSerializer().envelope(copy.deepcopy(parsed))
    assert _shape(ours) == _shape(_ask_sdks_reading(parsed))


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)


def _paths(value: object, path: tuple = ()) -> list[tuple]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*path, index))
    return found


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_changed_request_reads_exactly_as_ask_sdk_reads_it(data):
    _, original = data.draw(st.sampled_from(RECORDED))
    parsed = copy.deepcopy(original)
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(parsed)[1:]))
        holder = parsed
        for step in path[:-1]:
            holder = holder[step]
        holder[path[-1]] = data.draw(_JSON)
    try:
        theirs = _shape(_ask_sdks_reading(parsed))
    except SerializationException:
        with pytest.raises(SerializationException):
            AlexaSerializer().envelope(parsed)
    else:
        assert _shape(AlexaSerializer().envelope(parsed)) == theirs


def test_an_iso_timestamp_is_read_without_dateutil():
    # dateutil would say tzutc(); datetime.fromisoformat says UTC: the fast path ran.
    timestamp = AlexaSerializer().envelope(_envelope_dict()).request.timestamp
    assert timestamp == datetime(2026, 11, 28, 19, 59, tzinfo=UTC)
    assert timestamp.tzinfo is UTC


def test_a_timestamp_iso_8601_cannot_read_still_goes_to_dateutil():
    # On ask-sdk's path, through the serializer's own private step.
    timestamp = (
        AlexaSerializer().envelope(_envelope_dict("Nov 28 2026 19:59 GMT")).request.timestamp
    )
    assert timestamp == datetime(2026, 11, 28, 19, 59, tzinfo=UTC)
    assert isinstance(timestamp.tzinfo, tzutc)  # dateutil's own, not datetime.UTC


def test_a_timestamp_nobody_can_read_is_ask_sdks_error():
    with pytest.raises(SerializationException):
        AlexaSerializer().envelope(_envelope_dict("not a time"))


def test_readers_are_made_once_per_type():
    AlexaSerializer().envelope(_envelope_dict())
    first = _reader.cache_info()
    AlexaSerializer().envelope(_envelope_dict())
    assert _reader.cache_info().misses == first.misses  # the second read made none


def _typed(value: object) -> object:
    """JSON-ready data with each value's type, so that 1, 1.0 and True differ."""
    if isinstance(value, list | tuple):
        return type(value), [_typed(item) for item in value]
    if isinstance(value, dict):
        return {key: _typed(item) for key, item in value.items()}
    return type(value), value


@pytest.mark.parametrize("name, parsed", RECORDED, ids=[name for name, _ in RECORDED])
def test_every_recorded_request_is_written_as_ask_sdk_writes_it(name, parsed):
    # Requests are the richest model objects there are: dates, enums, unknown keys.
    envelope = _ask_sdks_reading(parsed)
    ours = AlexaSerializer().serialize(envelope)
    assert _typed(ours) == _typed(DefaultSerializer().serialize(envelope))


def test_every_golden_answer_is_written_as_ask_sdk_writes_it(client, alexa_api, monkeypatch):
    written = []
    ours = AlexaSerializer.serialize

    def recording(serializer, obj):
        result = ours(serializer, obj)
        written.append((obj, result))
        return result

    monkeypatch.setattr(AlexaSerializer, "serialize", recording)
    for request_path in CASES:
        replay(client, alexa_api, request_path)
    answers = [obj for obj, _ in written if isinstance(obj, ResponseEnvelope)]
    directives = {
        type(directive).__name__
        for answer in answers
        for directive in answer.response.directives or ()
    }
    # Every answer, and what the skill sent Alexa's APIs (reminders, progress) too.
    assert len(answers) == len(CASES) < len(written)
    assert {"RenderDocumentDirective", "ElicitSlotDirective", "SendRequestDirective"} <= directives
    for response, result in written:
        assert _typed(result) == _typed(DefaultSerializer().serialize(response))


def test_writers_are_made_once_per_class():
    envelope = AlexaSerializer().envelope(_envelope_dict())
    AlexaSerializer().serialize(envelope)
    first = _writer.cache_info()
    AlexaSerializer().serialize(envelope)
    assert _writer.cache_info().misses == first.misses
