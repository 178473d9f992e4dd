"""Account linking end to end, as Alexa performs it, through ``aftercare serve``
over a real socket, on SQLite and PostgreSQL: the Alexa app's browser on the
authorize page, Alexa's token endpoint calls, and skill requests with the token.

One server per database for the module; each test has its own patient. (Guessing
is throttled per address, and every request here comes from 127.0.0.1: the
throttle itself is tested in process, in test_linking_in_process.py.)
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
import requests

from skill.store import Store
from tests.conftest import AFTERCARE, fresh_database, served_environment, start_server
from tests.oauth.linking import (
    ALEXA_USER,
    BIRTH_DATE,
    CSRF_FIELD,
    PATIENT_NAME,
    REDIRECT_URI,
    VERIFIED_FIELD,
    authorize_query,
    clinic_patient,
    intent,
    pkce,
    redirect_params,
    register_alexa,
    skill_request,
)

COOKIE = "aftercare_portal"
# Alexa gives a token endpoint 4.5 seconds; ours must answer well within that.
TOKEN_ENDPOINT_BUDGET_SECONDS = 4.5
# Measured here, reported by the last test of the module (never asserted).
TIMINGS: list[float] = []


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request, tmp_path_factory, alexa_api):
    if not AFTERCARE.exists():
        pytest.skip("the aftercare console script is not installed")
    with fresh_database(request.param, tmp_path_factory.mktemp("linking")) as url:
        environment = served_environment(url, alexa_api, AFTERCARE_VERIFY_SIGNATURES="0")
        process, base = start_server(environment)
        store = Store.from_url(url)
        try:
            yield Served(base, store, register_alexa(url))
        finally:
            store.dispose()
            process.terminate()
            output, _ = process.communicate(timeout=10)
            # Logs carry ids only: no name, no date of birth, no code or token.
            assert PATIENT_NAME not in output
            assert BIRTH_DATE.isoformat() not in output
            assert "alexa-state" not in output
            assert not re.search(r"[A-Za-z0-9]{40,}", output.replace(ALEXA_USER, "")), output


class Served:
    def __init__(self, base: str, store: Store, alexa) -> None:
        self.base = base
        self.store = store
        self.alexa = alexa

    def patient(self, treated_days_ago: float | None = 2):
        now = datetime.now(UTC).replace(microsecond=0)
        treated = None if treated_days_ago is None else now - timedelta(days=treated_days_ago)
        return clinic_patient(self.store, treated, now)

    def browser(self) -> PatientsBrowser:
        return PatientsBrowser(self.base)

    def token(self, data: dict, basic: bool = True) -> requests.Response:
        headers = {"Authorization": self.alexa.basic()} if basic else {}
        started = time.perf_counter()
        response = requests.post(f"{self.base}/oauth/token", data=data, headers=headers, timeout=10)
        TIMINGS.append(time.perf_counter() - started)
        return response

    def exchange(self, code: str, verifier: str) -> requests.Response:
        return self.token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT_URI,
                "code_verifier": verifier,
            }
        )

    def refresh(self, refresh_token: str) -> requests.Response:
        return self.token({"grant_type": "refresh_token", "refresh_token": refresh_token})

    def ask(self, request: dict, access_token: str | None) -> dict:
        envelope = skill_request(request, access_token, datetime.now(UTC))
        response = requests.post(f"{self.base}/alexa", json=envelope, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def link(self, patient) -> tuple[dict, str]:
        """The whole browser part; returns the redirect's parameters and the PKCE verifier."""
        challenge = pkce()
        browser = self.browser()
        browser.open(authorize_query(self.alexa.client_id, challenge.challenge))
        browser.enter(patient.code, BIRTH_DATE.isoformat())
        return redirect_params(browser.confirm().headers["Location"]), challenge.verifier


class PatientsBrowser:
    """The Alexa app's browser tab. It keeps the session cookie itself: the cookie
    is Secure, which ``requests`` withholds from http://127.0.0.1 while browsers
    treat that address as secure."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.headers: dict[str, str] = {}
        self.url = ""
        self.page = ""

    def _keep_cookie(self, response: requests.Response) -> requests.Response:
        if COOKIE in response.cookies:
            self.headers["Cookie"] = f"{COOKIE}={response.cookies[COOKIE]}"
        return response

    def open(self, query: str) -> requests.Response:
        self.url = f"{self.base}/oauth/authorize?{query}"
        response = requests.get(self.url, headers=self.headers, allow_redirects=False, timeout=10)
        self.page = response.text
        return self._keep_cookie(response)

    def post(self, data: dict) -> requests.Response:
        found = CSRF_FIELD.search(self.page)
        form = {"csrf_token": found.group(1) if found else "", **data}
        response = requests.post(
            self.url, data=form, headers=self.headers, allow_redirects=False, timeout=10
        )
        self.page = response.text
        return self._keep_cookie(response)

    def enter(self, code: str, birth_date: str) -> requests.Response:
        return self.post({"code": code, "date_of_birth": birth_date})

    def confirm(self, button: str = "link") -> requests.Response:
        verified = VERIFIED_FIELD.search(self.page)
        assert verified, self.page
        return self.post({"verified": unescape(verified.group(1)), button: "yes"})


def speech(response: dict) -> str:
    return unescape(re.sub(r"<[^>]+>", "", response["response"]["outputSpeech"]["ssml"]))


def card_type(response: dict) -> str | None:
    return (response["response"].get("card") or {}).get("type")


def test_the_whole_dance_as_alexa_performs_it(server):
    patient = server.patient(treated_days_ago=2)
    challenge = pkce()
    browser = server.browser()

    # The Alexa app opens the authorize page, with PKCE.
    page = browser.open(authorize_query(server.alexa.client_id, challenge.challenge))
    assert page.status_code == 200
    assert "Linking code" in page.text and "Your date of birth" in page.text
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"

    # She types the code as she likes it, and her date of birth; the page names her clinic.
    typed = patient.code.lower().replace("-", " ")
    confirm = browser.enter(typed, BIRTH_DATE.isoformat())
    assert confirm.status_code == 200
    assert "Link to Bright Skin?" in confirm.text
    assert PATIENT_NAME not in confirm.text

    # "Link my account": back to Alexa with a code and the state, unchanged.
    redirect = browser.confirm()
    assert redirect.status_code == 302
    back = redirect_params(redirect.headers["Location"])
    assert back["state"] == "alexa-state-Zq8~."
    assert set(back) == {"code", "state"}

    # Alexa exchanges the code, authenticating with HTTP Basic.
    exchanged = server.exchange(back["code"], challenge.verifier)
    assert exchanged.status_code == 200, exchanged.text
    tokens = exchanged.json()
    assert tokens["token_type"].lower() == "bearer"
    assert tokens["expires_in"] == 3600
    assert tokens["scope"] == "treatments"
    assert exchanged.headers["Cache-Control"] == "no-store"

    # Alexa tells the skill, then she opens it: the answer comes from her clinic's record.
    linked_event = {
        "type": "AlexaSkillEvent.SkillAccountLinked",
        "body": {"accessToken": tokens["access_token"]},
    }
    assert server.ask(linked_event, None)["response"] == {}
    launch = server.ask({"type": "LaunchRequest"}, tokens["access_token"])
    assert speech(launch).startswith(
        "You're now linked to your clinic, Bright Skin, so I answer from its record. "
        "It's been 2 days since your treatment."
    )
    when = server.ask(intent("TreatmentDateIntent"), tokens["access_token"])
    assert re.fullmatch(
        r"Your clinic, Bright Skin, recorded your treatment .+\. That's 2 days ago\.", speech(when)
    )
    assert PATIENT_NAME not in str(when)

    # Refresh: a new pair; the old access token no longer works.
    refreshed = server.refresh(tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    fresh = refreshed.json()
    assert fresh["expires_in"] == 3600
    assert fresh["refresh_token"] != tokens["refresh_token"]
    assert fresh["access_token"] != tokens["access_token"]
    assert speech(server.ask(intent("TreatmentDateIntent"), fresh["access_token"])).startswith(
        "Your clinic, Bright Skin, recorded"
    )

    # The old refresh token, replayed: refused, and the whole family revoked.
    replayed = server.refresh(tokens["refresh_token"])
    assert (replayed.status_code, replayed.json()["error"]) == (400, "invalid_grant")
    assert server.refresh(fresh["refresh_token"]).json()["error"] == "invalid_grant"

    # The skill answers the revoked token with a Link Account card, and no patient data.
    ended = server.ask(intent("TreatmentDateIntent"), fresh["access_token"])
    assert card_type(ended) == "LinkAccount"
    assert speech(ended).startswith("Your link to your clinic's records has ended")
    assert ended["response"]["shouldEndSession"] is True
    assert "Bright Skin" not in str(ended)


@pytest.mark.parametrize(
    ("name", "changes"),
    [
        ("an unregistered redirect URI", {"redirect_uri": "https://evil.example/cb"}),
        ("another vendor's", {"redirect_uri": REDIRECT_URI.replace("M2TESTVENDOR", "M2OTHER")}),
        ("a longer path", {"redirect_uri": REDIRECT_URI + "/more"}),
        ("a trailing slash", {"redirect_uri": REDIRECT_URI + "/"}),
        ("plain HTTP", {"redirect_uri": REDIRECT_URI.replace("https:", "http:")}),
        ("no redirect URI", {"redirect_uri": None}),
        ("an unknown client", {"client_id": "aftercare-unknown"}),
        ("no client", {"client_id": None}),
    ],
)
def test_anything_but_alexas_redirect_uris_is_refused_without_a_redirect(server, name, changes):
    challenge = pkce()
    query = authorize_query(server.alexa.client_id, challenge.challenge, **changes)

    page = server.browser().open(query)

    assert page.status_code == 400, name
    assert "Location" not in page.headers
    assert "be used to link an Alexa account" in page.text
    assert "evil.example" not in page.text


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"code_challenge": None, "code_challenge_method": None}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge_method": None}, "invalid_request"),
        ({"scope": "everything"}, "invalid_scope"),
        ({"response_type": "token"}, "unsupported_response_type"),
    ],
)
def test_a_bad_request_from_alexa_goes_back_to_alexa_with_the_error(server, changes, error):
    challenge = pkce()
    page = server.browser().open(
        authorize_query(server.alexa.client_id, challenge.challenge, **changes)
    )

    assert page.status_code == 302
    back = redirect_params(page.headers["Location"])
    assert back["error"] == error
    assert back["state"] == "alexa-state-Zq8~."
    assert "code" not in back


def test_cancel_sends_her_back_to_alexa_with_access_denied(server):
    patient = server.patient()
    browser = server.browser()
    browser.open(authorize_query(server.alexa.client_id, pkce().challenge))
    browser.enter(patient.code, BIRTH_DATE.isoformat())

    back = redirect_params(browser.confirm(button="cancel").headers["Location"])

    assert (back["error"], back["state"]) == ("access_denied", "alexa-state-Zq8~.")
    assert "code" not in back
    # The code was not spent: she can still link.
    linked, _ = server.link(patient)
    assert "code" in linked


def test_a_wrong_code_or_birth_date_is_one_answer_and_five_wrong_birth_dates_burn_the_code(server):
    patient = server.patient()
    browser = server.browser()
    browser.open(authorize_query(server.alexa.client_id, pkce().challenge))

    wrong_code = browser.enter("ABCDE-FGHJK", BIRTH_DATE.isoformat())
    wrong_birth = browser.enter(patient.code, "1991-04-02")

    no_match = "That linking code and date of birth don&#39;t match a record."
    assert no_match in wrong_code.text and no_match in wrong_birth.text
    for _ in range(4):
        browser.enter(patient.code, "1991-04-02")
    assert no_match in browser.enter(patient.code, BIRTH_DATE.isoformat()).text


def test_a_used_code_cannot_link_again(server):
    patient = server.patient()
    server.link(patient)

    browser = server.browser()
    browser.open(authorize_query(server.alexa.client_id, pkce().challenge))
    assert "don&#39;t match a record" in browser.enter(patient.code, BIRTH_DATE.isoformat()).text


def test_a_reused_authorization_code_revokes_the_tokens_it_issued(server):
    back, verifier = server.link(server.patient())
    tokens = server.exchange(back["code"], verifier).json()

    again = server.exchange(back["code"], verifier)

    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")
    assert server.refresh(tokens["refresh_token"]).json()["error"] == "invalid_grant"
    ended = server.ask(intent("TreatmentDateIntent"), tokens["access_token"])
    assert card_type(ended) == "LinkAccount"


@pytest.mark.parametrize(
    ("change", "status", "error"),
    [
        ({"code_verifier": "x" * 50}, 400, "invalid_grant"),
        ({"code_verifier": None}, 400, "invalid_request"),
        ({"redirect_uri": REDIRECT_URI.replace("pitangui", "layla")}, 400, "invalid_grant"),
        ({"code": "not-a-code"}, 400, "invalid_grant"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
    ],
)
def test_a_bad_code_exchange_is_refused(server, change, status, error):
    back, verifier = server.link(server.patient())
    data = {
        "grant_type": "authorization_code",
        "code": back["code"],
        "redirect_uri": REDIRECT_URI,
        "code_verifier": verifier,
        **change,
    }

    refused = server.token({k: v for k, v in data.items() if v is not None})

    assert (refused.status_code, refused.json()["error"]) == (status, error)


def test_the_client_must_authenticate_as_registered(server):
    back, verifier = server.link(server.patient())
    exchange = {
        "grant_type": "authorization_code",
        "code": back["code"],
        "redirect_uri": REDIRECT_URI,
        "code_verifier": verifier,
    }
    wrong_secret = requests.post(
        f"{server.base}/oauth/token",
        data=exchange,
        auth=(server.alexa.client_id, "not-the-secret"),
        timeout=10,
    )
    in_the_body = server.token(
        {**exchange, "client_id": server.alexa.client_id, "client_secret": server.alexa.secret},
        basic=False,
    )
    nothing = server.token(exchange, basic=False)

    for refused in (wrong_secret, in_the_body, nothing):
        assert (refused.status_code, refused.json()["error"]) == (401, "invalid_client")
    assert server.exchange(back["code"], verifier).status_code == 200


def test_without_a_token_link_my_clinic_account_sends_the_card(server):
    answer = server.ask(intent("LinkAccountIntent"), None)

    assert card_type(answer) == "LinkAccount"
    assert speech(answer) == (
        "I've sent a card to your Alexa app to link your clinic account. "
        "You'll need the linking code your clinic gave you."
    )


def test_disabling_the_skill_unlinks_her(server):
    back, verifier = server.link(server.patient())
    tokens = server.exchange(back["code"], verifier).json()
    server.ask({"type": "LaunchRequest"}, tokens["access_token"])  # the skill learns her user id

    server.ask({"type": "AlexaSkillEvent.SkillDisabled"}, None)

    assert server.refresh(tokens["refresh_token"]).json()["error"] == "invalid_grant"
    assert card_type(server.ask({"type": "LaunchRequest"}, tokens["access_token"])) == "LinkAccount"


def test_the_token_endpoint_answers_well_within_alexas_limit(server):
    assert TIMINGS, "the tests above called the token endpoint"
    slowest = max(TIMINGS)
    print(f"\ntoken endpoint: {len(TIMINGS)} calls, slowest {slowest * 1000:.0f} ms")
    assert slowest < TOKEN_ENDPOINT_BUDGET_SECONDS
