"""Account linking in process, with a clock the tests move, on SQLite and PostgreSQL:
staff issue, revoke and unlink in the portal; codes and tokens expire; guessing
is throttled per address. The whole dance over HTTP is tests/oauth/."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest

from skill.oauth.blueprint import NO_MATCH
from skill.store import LinkingCodes, get_store
from tests.oauth.linking import (
    BIRTH_DATE,
    CSRF_FIELD,
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
from tests.portal.conftest import NOW, post_form

CODE_ON_PAGE = re.compile(r'<code id="linking-code">([^<]+)</code>')


class Alexa:
    """Alexa's side, in process: the patient's browser, the token endpoint, the skill."""

    def __init__(self, app, clock) -> None:
        self.app = app
        self.clock = clock
        self.registered = register_alexa(app.config["DATABASE_URL"])
        self.browser = app.test_client()
        self.page = ""
        self.url = ""

    def open(self, **changes):
        self.challenge = pkce()
        self.url = "/oauth/authorize?" + authorize_query(
            self.registered.client_id, self.challenge.challenge, **changes
        )
        response = self.browser.get(self.url)
        self.page = response.text
        return response

    def post(self, data: dict, address: str = "127.0.0.1"):
        token = CSRF_FIELD.search(self.page).group(1)
        response = self.browser.post(
            self.url,
            data={"csrf_token": token, **data},
            environ_base={"REMOTE_ADDR": address},
        )
        self.page = response.text if response.status_code == 200 else self.page
        return response

    def enter(self, code: str, birth_date: str = BIRTH_DATE.isoformat(), address="127.0.0.1"):
        return self.post({"code": code, "date_of_birth": birth_date}, address)

    def link(self, code: str) -> dict:
        """The browser part; returns the tokens Alexa gets for the code."""
        self.open()
        self.enter(code)
        verified = unescape(VERIFIED_FIELD.search(self.page).group(1))
        redirect = self.post({"verified": verified, "link": "yes"})
        back = redirect_params(redirect.headers["Location"])
        return self.exchange(back["code"]).get_json()

    def exchange(self, code: str):
        return self.app.test_client().post(
            "/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT_URI,
                "code_verifier": self.challenge.verifier,
            },
            headers={"Authorization": self.registered.basic()},
        )

    def ask(self, access_token: str) -> dict:
        envelope = skill_request(intent("TreatmentDateIntent"), access_token, self.clock())
        return self.app.test_client().post("/alexa", json=envelope).get_json()


def answered_from_the_record(response: dict) -> bool:
    return response["response"].get("card", {}).get("type") != "LinkAccount"


@pytest.fixture
def alexa(portal_app, clock):
    return Alexa(portal_app, clock)


@pytest.fixture
def patient(portal_app, clock):
    return clinic_patient(
        get_store(portal_app),
        NOW - timedelta(days=2),
        NOW,
        clinic="Glow Clinic",
        secret_key=portal_app.config["SECRET_KEY"],
    )


def test_staff_issue_a_code_that_is_shown_once_and_links_her(
    portal_app, signed_in, bright_skin, alexa
):
    patient_page = f"/portal/patients/{bright_skin.patient_id}"
    assert "Not linked" in signed_in.get(patient_page).text

    issued = post_form(signed_in, f"{patient_page}/linking-code", {}, form_page=patient_page)

    assert issued.status_code == 200
    code = CODE_ON_PAGE.search(issued.text).group(1)
    assert re.fullmatch(r"[2-9A-HJKMNP-TV-Z]{5}-[2-9A-HJKMNP-TV-Z]{5}", code)
    page = signed_in.get(patient_page).text
    assert code not in page
    assert "Her linking code is valid until Saturday, December 5" in page
    tokens = alexa.link(code)
    assert "access_token" in tokens
    assert (
        "Linked since <strong>Saturday, November 28, 10 AM</strong>"
        in signed_in.get(patient_page).text
    )


def test_a_code_needs_her_date_of_birth_on_record(portal_app, signed_in, bright_skin):
    patient_page = f"/portal/patients/{bright_skin.patient_id}"
    post_form(
        signed_in,
        f"{patient_page}/edit",
        {"name": bright_skin.patient_name, "clinic_reference": "BS-1", "date_of_birth": ""},
    )

    refused = post_form(signed_in, f"{patient_page}/linking-code", {}, form_page=patient_page)

    assert "Her date of birth is needed first" in refused.text
    assert not CODE_ON_PAGE.search(refused.text)


def test_a_new_code_or_a_revoked_one_no_longer_links(portal_app, signed_in, bright_skin, alexa):
    patient_page = f"/portal/patients/{bright_skin.patient_id}"
    first = CODE_ON_PAGE.search(
        post_form(signed_in, f"{patient_page}/linking-code", {}, form_page=patient_page).text
    ).group(1)
    second = CODE_ON_PAGE.search(
        post_form(signed_in, f"{patient_page}/linking-code", {}, form_page=patient_page).text
    ).group(1)
    post_form(signed_in, f"{patient_page}/linking-code/revoke", {}, form_page=patient_page)

    alexa.open()
    for code in (first, second):
        assert unescape(NO_MATCH) in unescape(alexa.enter(code).text)
    assert "valid until" not in signed_in.get(patient_page).text


def test_staff_unlink_her_and_the_skill_stops_answering_from_the_record(
    portal_app, signed_in, bright_skin, alexa
):
    patient_page = f"/portal/patients/{bright_skin.patient_id}"
    code = CODE_ON_PAGE.search(
        post_form(signed_in, f"{patient_page}/linking-code", {}, form_page=patient_page).text
    ).group(1)
    tokens = alexa.link(code)
    assert answered_from_the_record(alexa.ask(tokens["access_token"]))

    unlinked = post_form(signed_in, f"{patient_page}/unlink", {})

    assert unlinked.status_code == 303
    assert not answered_from_the_record(alexa.ask(tokens["access_token"]))
    assert "Not linked" in signed_in.get(patient_page).text


def test_the_access_token_expires_after_an_hour_and_refreshing_renews_it(
    portal_app, clock, patient, alexa
):
    tokens = alexa.link(patient.code)
    clock.advance(timedelta(minutes=59))
    assert answered_from_the_record(alexa.ask(tokens["access_token"]))

    clock.advance(timedelta(minutes=1))

    assert not answered_from_the_record(alexa.ask(tokens["access_token"]))
    refreshed = portal_app.test_client().post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        headers={"Authorization": alexa.registered.basic()},
    )
    assert answered_from_the_record(alexa.ask(refreshed.get_json()["access_token"]))


def test_an_authorization_code_expires_within_minutes(portal_app, clock, patient, alexa):
    alexa.open()
    alexa.enter(patient.code)
    verified = unescape(VERIFIED_FIELD.search(alexa.page).group(1))
    back = redirect_params(alexa.post({"verified": verified, "link": "yes"}).headers["Location"])

    clock.advance(timedelta(minutes=5))

    refused = alexa.exchange(back["code"])
    assert (refused.status_code, refused.get_json()["error"]) == (400, "invalid_grant")


def test_a_linking_code_expires_in_a_week(portal_app, clock, patient, alexa):
    clock.advance(timedelta(days=7))
    alexa.open()

    assert unescape(NO_MATCH) in unescape(alexa.enter(patient.code).text)


def test_the_confirmation_page_expires_and_a_code_spent_meanwhile_cannot_link(
    portal_app, clock, patient, alexa
):
    alexa.open()
    alexa.enter(patient.code)
    verified = unescape(VERIFIED_FIELD.search(alexa.page).group(1))
    with get_store(portal_app).session() as session:
        LinkingCodes(session).revoke_outstanding(patient.patient_id, clock())
        session.commit()

    spent = alexa.post({"verified": verified, "link": "yes"})
    clock.advance(timedelta(minutes=11))
    forged = alexa.post({"verified": verified + "x", "link": "yes"})

    assert spent.status_code == 400 and "Location" not in spent.headers
    assert "no longer valid" in spent.text
    assert forged.status_code == 400 and "expired" in forged.text


def test_guessing_is_throttled_per_address(portal_app, clock, patient, alexa):
    alexa.open()
    for guess in range(10):
        assert alexa.enter(f"AAAAA-{guess:05d}", address="203.0.113.9").status_code == 200

    throttled = alexa.enter(patient.code, address="203.0.113.9")

    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "900"
    assert "Too many tries" in throttled.text
    assert alexa.enter("AAAAA-BBBBB", address="203.0.113.10").status_code == 200
    clock.advance(timedelta(minutes=15))
    assert alexa.enter("AAAAA-CCCCC", address="203.0.113.9").status_code == 200


def test_a_form_without_this_sessions_csrf_token_links_nothing(portal_app, patient, alexa):
    alexa.open()
    alexa.page = alexa.page.replace('value="', 'value="x', 1)  # a token from elsewhere

    refused = alexa.enter(patient.code)

    assert refused.status_code == 200
    assert "The page had expired" in refused.text
    assert not VERIFIED_FIELD.search(refused.text)
