"""Bad input gets a 400 with a reason, or a spoken apology: never a 500 or a traceback."""

from __future__ import annotations

import copy
import json
import logging
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skill.app import create_app
from skill.store import get_store
from tests.conftest import SKILL_ID

REQUESTS = Path(__file__).parent / "requests"
ENVELOPES = {
    path.stem: json.loads(path.read_text("utf-8"))
    for path in sorted(REQUESTS.glob("*.json"))
    if not path.name.endswith(".expected.json")
}
APOLOGY = "Sorry, something went wrong on my side."


def envelope(name: str = "can_i_makeup_a_minute_before") -> dict:
    return copy.deepcopy(ENVELOPES[name])


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty body"),
        (b"{not json", "body is not valid JSON"),
        (b"\xff\xfe{}", "body is not UTF-8"),
        (b"[1, 2]", "body is not a JSON object"),
        (b'"hello"', "body is not a JSON object"),
        (b"{}", "missing 'request' object"),
        (b'{"request": []}', "missing 'request' object"),
        (b'{"request": {"type": 7}}', "missing 'request.type'"),
        (b'{"request": {"type": "LaunchRequest"}}', "missing 'context.System' object"),
        (
            b'{"request": {"type": "LaunchRequest"}, "context": {"System": null}}',
            "missing 'context.System' object",
        ),
    ],
)
def test_malformed_bodies_are_400s_with_a_reason(client, body, reason):
    response = client.post("/alexa", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json == {"error": reason}


def _envelope_with(raw_json: str, path: tuple = ("session", "attributes", "deep")) -> bytes:
    """A real request with ``raw_json`` (text json.dumps could not make) placed at ``path``."""
    request = envelope()
    container = request
    for step in path[:-1]:
        container = container.setdefault(step, {})
    container[path[-1]] = "RAW-JSON-GOES-HERE"
    return json.dumps(request).replace('"RAW-JSON-GOES-HERE"', raw_json).encode("utf-8")


def _nested_lists(depth: int) -> str:
    return "[" * depth + "]" * depth


def _nested_objects(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


TOO_DEEP = "body is nested too deeply"
TOO_LONG = "body has a number too long to read"
UNDERSCORE = "body has a key that starts with an underscore"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        pytest.param(_nested_lists(100_000).encode(), TOO_DEEP, id="100000 nested lists"),
        pytest.param(_nested_objects(20_000).encode(), TOO_DEEP, id="20000 nested objects"),
        pytest.param(
            _envelope_with(_nested_objects(5_000)), TOO_DEEP, id="deep session attributes"
        ),
        pytest.param(_envelope_with(_nested_lists(65)), TOO_DEEP, id="just too deep"),
        pytest.param(_envelope_with("9" * 4_301), TOO_LONG, id="a 4301-digit integer"),
        pytest.param(
            _envelope_with("-" + "1" * 50_000, ("request", "timestamp")), TOO_LONG, id="a long one"
        ),
        # The SDK sets unknown keys as attributes: this one would wipe the session's fields.
        pytest.param(_envelope_with("{}", ("session", "__dict__")), UNDERSCORE, id="__dict__"),
        pytest.param(
            _envelope_with('"x"', ("context", "System", "_private")), UNDERSCORE, id="_private"
        ),
        pytest.param(
            _envelope_with("{}", ("session", "KEY")).replace(b'"KEY"', b'"\\u005f_dict__"'),
            UNDERSCORE,
            id="__dict__ spelt with an escape",
        ),
    ],
)
def test_hostile_shapes_are_400s_with_a_reason(client, body, reason, caplog):
    response = client.post("/alexa", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json == {"error": reason}
    assert "Traceback" not in caplog.text


def test_deep_but_reasonable_json_is_still_read(client):
    # 60 levels of session attributes inside the envelope's own few: under the limit.
    body = _envelope_with(_nested_lists(55))
    response = client.post("/alexa", data=body, content_type="application/json")
    assert response.status_code == 200
    assert "Not yet." in _speech(response)


def test_an_oversized_body_is_a_413(client):
    response = client.post("/alexa", data=b" " * (256 * 1024 + 1), content_type="application/json")
    assert response.status_code == 413
    assert "Traceback" not in response.get_data(as_text=True)


def test_a_timestamp_that_is_not_a_date_is_a_400(client):
    request = envelope()
    request["request"]["timestamp"] = "yesterday-ish"
    response = client.post("/alexa", json=request)
    assert response.status_code == 400
    assert response.json == {"error": "not a valid Alexa request"}


def test_only_get_and_post_where_they_belong(client):
    assert client.get("/alexa").status_code == 405
    assert client.get("/nowhere").status_code == 404
    assert client.get("/nowhere").json["error"]


def _speech(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["response"]["outputSpeech"]["ssml"]


ASK_ACTIVITY = (
    "Sorry, I didn't catch the activity. Which activity would you like to ask about? "
    "For example, makeup, swimming, or the gym."
)
NOT_COVERED = "Your aftercare sheet doesn't cover that. Please ask your clinic."
MAKEUP_ANSWER = "Not yet. Makeup is fine from 3 PM today, in 1 minute."


@pytest.mark.parametrize(
    ("mangle", "speech", "ends"),
    [
        pytest.param(
            lambda e: e["request"].pop("intent"),
            f"{APOLOGY} Please try again, or ask your clinic.",
            False,
            id="intent request without intent",
        ),
        pytest.param(
            lambda e: e["request"]["intent"].update(slots=None),
            ASK_ACTIVITY,
            False,
            id="slots null",
        ),
        pytest.param(
            lambda e: e["request"]["intent"].update(slots={}), ASK_ACTIVITY, False, id="no slots"
        ),
        pytest.param(
            lambda e: e["request"]["intent"]["slots"].update(activity=None),
            ASK_ACTIVITY,
            False,
            id="slot null",
        ),
        # Alexa always resolves a custom slot; without it the skill cannot tell
        # which rule was meant, and says so rather than guess.
        pytest.param(
            lambda e: e["request"]["intent"]["slots"]["activity"].update(resolutions=None),
            NOT_COVERED,
            True,
            id="no entity resolution",
        ),
        pytest.param(lambda e: e.pop("session"), MAKEUP_ANSWER, True, id="no session"),
    ],
)
def test_slots_missing_or_null_get_their_own_answer(client, mangle, speech, ends):
    request = envelope()
    mangle(request)
    response = client.post("/alexa", json=request)
    assert _speech(response) == f"<speak>{speech}</speak>"
    assert response.json["response"]["shouldEndSession"] is ends


def test_slot_values_of_the_wrong_shape_are_asked_again(client):
    request = envelope("record_plain_date")
    request["request"]["intent"]["slots"]["date"]["value"] = "the day after the party"
    request["request"]["intent"]["slots"]["time"]["value"] = "25:99"
    assert "Which day was it?" in _speech(client.post("/alexa", json=request))


@pytest.fixture(scope="module")
def fuzz_client(tmp_path_factory):
    database = tmp_path_factory.mktemp("fuzz") / "fuzz.sqlite3"
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{database}",
            "SKILL_ID": SKILL_ID,
            "VERIFY_SIGNATURES": False,
        }
    )
    yield app.test_client()
    get_store(app).dispose()


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


def _paths(value, prefix=()):
    """Every key path in a JSON value, so a mutation can land anywhere."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, (*prefix, index))


@st.composite
def mutated_envelopes(draw):
    request = copy.deepcopy(ENVELOPES[draw(st.sampled_from(sorted(ENVELOPES)))])
    for _ in range(draw(st.integers(1, 4))):
        paths = [p for p in _paths(request) if p]
        if not paths:
            break
        *parents, last = draw(st.sampled_from(paths))
        container = request
        for step in parents:
            container = container[step]
        if draw(st.booleans()) and isinstance(container, dict):
            del container[last]
        else:
            container[last] = draw(JSON_VALUES)
    return request


# What to put where, kept small: the bodies themselves are too big for Hypothesis to print.
HOSTILE_SHAPES = st.tuples(
    st.sampled_from(sorted(ENVELOPES)),
    st.integers(0, 10_000),  # which key path of the envelope, modulo how many it has
    st.sampled_from(["lists", "objects", "mixed", "integer"]),
    st.integers(70, 20_000),  # nesting depth, or digits (past 4,300); all under 256 KB
)


def _hostile_body(name: str, path_choice: int, kind: str, size: int) -> tuple[bytes, str]:
    request = envelope(name)
    paths = [p for p in _paths(request) if p]
    *parents, last = paths[path_choice % len(paths)]
    container = request
    for step in parents:
        container = container[step]
    container[last] = "RAW-JSON-GOES-HERE"
    if kind == "integer":
        raw, reason = "7" * (4_300 + size), TOO_LONG
    elif kind == "lists":
        raw, reason = _nested_lists(size), TOO_DEEP
    elif kind == "objects":
        raw, reason = _nested_objects(size), TOO_DEEP
    else:
        raw, reason = '[{"k": ' * size + "0" + "}]" * size, TOO_DEEP
    return json.dumps(request).replace('"RAW-JSON-GOES-HERE"', raw, 1).encode("utf-8"), reason


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shape=HOSTILE_SHAPES)
def test_hostile_bodies_anywhere_are_400s_with_their_reason(fuzz_client, shape):
    body, reason = _hostile_body(*shape)
    response = fuzz_client.post("/alexa", data=body, content_type="application/json")
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.json == {"error": reason}


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(request=mutated_envelopes())
def test_mutated_envelopes_never_crash_the_endpoint(fuzz_client, request):
    response = fuzz_client.post("/alexa", json=request)
    assert response.status_code in (200, 400), response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    if response.status_code == 400:
        assert response.json["error"]
    else:
        assert "response" in response.json


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(
            lambda e: (
                e["session"]["application"].update(applicationId="amzn1.ask.skill.other")
                or e["context"]["System"]["application"].update(
                    applicationId="amzn1.ask.skill.other"
                )
            ),
            id="rejected for another skill",
        ),
        pytest.param(
            lambda e: e["request"]["intent"].update(name="Unknown" + "X" * 100_000),
            id="unknown intent",
        ),
        pytest.param(
            lambda e: e["request"].update(type="Alexa.Presentation.APL.UserEvent"),
            id="a request type no handler takes",
        ),
    ],
)
def test_long_request_values_are_cut_short_in_the_log(client, alexa_api, caplog, mangle):
    request = envelope()
    request["context"]["System"]["apiEndpoint"] = alexa_api.url
    request["request"]["requestId"] = "amzn1.echo-api.request." + "R" * 100_000
    mangle(request)
    with caplog.at_level(logging.INFO):
        client.post("/alexa", json=request)
    assert caplog.records  # each of these is logged...
    assert "characters)" in caplog.text  # ...with its long values cut short
    assert len(caplog.text) < 2_000
