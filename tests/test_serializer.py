"""skill/alexa/serializer.py: ask-sdk's serializer with its two slow steps replaced,
reading what ask-sdk's own reads, and still called by ask-sdk's code."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import IntentRequest, RequestEnvelope
from dateutil.tz import tzutc

from skill.alexa.serializer import AlexaSerializer, _model_class

REQUEST = Path(__file__).parent / "requests" / "can_i_makeup_a_minute_before.json"


def _envelope_dict(timestamp: str = "2026-11-28T19:59:00Z") -> dict:
    envelope = json.loads(REQUEST.read_text("utf-8"))
    envelope["request"]["timestamp"] = timestamp
    return envelope


def test_an_envelope_reads_as_ask_sdks_own_serializer_reads_it():
    parsed = _envelope_dict()
    ours = AlexaSerializer().envelope(parsed)
    theirs = DefaultSerializer().deserialize(json.dumps(parsed), RequestEnvelope)
    assert isinstance(ours.request, IntentRequest)
    assert ours == theirs
    assert ours.request.intent.slots["activity"].resolutions.resolutions_per_authority[0].values[
        0
    ].value.id == ("makeup")


def test_an_iso_timestamp_is_read_without_dateutil():
    # dateutil would say tzutc(); datetime.fromisoformat says UTC: the fast path ran.
    timestamp = AlexaSerializer().envelope(_envelope_dict()).request.timestamp
    assert timestamp == datetime(2026, 11, 28, 19, 59, tzinfo=UTC)
    assert timestamp.tzinfo is UTC


def test_a_timestamp_iso_8601_cannot_read_still_goes_to_dateutil():
    timestamp = (
        AlexaSerializer().envelope(_envelope_dict("Nov 28 2026 19:59 GMT")).request.timestamp
    )
    assert timestamp == datetime(2026, 11, 28, 19, 59, tzinfo=UTC)
    assert isinstance(timestamp.tzinfo, tzutc)  # dateutil's own, not datetime.UTC


def test_a_timestamp_nobody_can_read_is_ask_sdks_error():
    with pytest.raises(SerializationException):
        AlexaSerializer().envelope(_envelope_dict("not a time"))


def test_model_classes_are_found_once():
    _model_class.cache_clear()
    AlexaSerializer().envelope(_envelope_dict())
    first = _model_class.cache_info()
    AlexaSerializer().envelope(_envelope_dict())
    second = _model_class.cache_info()
    assert first.misses > 0
    assert second.misses == first.misses  # every class of the second read was remembered
    assert second.hits > first.hits
