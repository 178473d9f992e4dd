"""Bad input gets a 400 with a reason, or a spoken apology: never a 500 or a traceback."""

from __future__ import annotations

import copy
import json
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
