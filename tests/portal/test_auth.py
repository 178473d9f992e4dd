"""Signing in and out: cookies, rotation, CSRF, throttling, one-time links, the secret key."""

import logging
from datetime import timedelta

import pytest
import requests
from argon2 import PasswordHasher, profiles

from skill.app import create_app
from skill.config import ConfigError
from skill.portal.auth import WRONG_CREDENTIALS
from skill.portal.blueprint import EXTENSION_KEY
from skill.store import ClinicPatients, StaffAccounts, get_store
from tests.portal.conftest import PASSWORD, csrf_token, post_form, sign_in

SIGNED_IN_PAGE = "/portal/patients"


def is_signed_in(client) -> bool:
    response = client.get(SIGNED_IN_PAGE)
    if response.status_code == 302:
        assert response.location.startswith("/portal/sign-in")
        return False
    assert response.status_code == 200
    return True


def client_from(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def session_cookie(client) -> str:
    return client.get_cookie("aftercare_portal").value


def test_staff_sign_in_and_see_their_clinic(portal_app, bright_skin):
    client = portal_app.test_client()

    response = sign_in(client, bright_skin.admin_email.upper())

    assert response.status_code == 303
    assert response.location == SIGNED_IN_PAGE
    page = client.get(SIGNED_IN_PAGE).text
    assert "Bright Skin · signed in as ann@bright.example" in page
    assert "Jane Doe" in page


@pytest.mark.parametrize("email", ["ann@bright.example", "nobody@bright.example"])
def test_a_wrong_password_or_unknown_email_get_the_same_answer(portal_app, bright_skin, email):
    client = portal_app.test_client()

    response = sign_in(client, email, "not the password")

    assert response.status_code == 200
    assert WRONG_CREDENTIALS in response.text
    assert not is_signed_in(client)


def test_the_session_cookie_is_secure_http_only_and_same_site_lax(portal_app):
    response = portal_app.test_client().get("/portal/sign-in")

    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("aftercare_portal=")
    assert "; Secure" in cookie
    assert "; HttpOnly" in cookie
    assert "; SameSite=Lax" in cookie


def test_signing_in_rotates_the_session(portal_app, bright_skin):
    client = portal_app.test_client()
    token_before = csrf_token(client, "/portal/sign-in")
    cookie_before = session_cookie(client)
    # Someone who planted or copied the cookie before sign-in...
    planted = portal_app.test_client()
    planted.set_cookie("aftercare_portal", cookie_before)

    client.post(
        "/portal/sign-in",
        data={"csrf_token": token_before, "email": bright_skin.admin_email, "password": PASSWORD},
    )

    assert session_cookie(client) != cookie_before
    assert is_signed_in(client)
    # ...is not signed in by it, and its old form token no longer counts.
    assert not is_signed_in(planted)
    response = client.post("/portal/patients/new", data={"csrf_token": token_before, "name": "X"})
    assert response.status_code == 400


def test_signing_out_ends_the_session_everywhere(signed_in, portal_app):
    copied = portal_app.test_client()
    copied.set_cookie("aftercare_portal", session_cookie(signed_in))
    assert is_signed_in(copied)

    response = post_form(signed_in, "/portal/sign-out", {}, form_page=SIGNED_IN_PAGE)

    assert response.status_code == 303
    assert response.location == "/portal/sign-in?signed_out=1"
    assert not is_signed_in(signed_in)
    assert not is_signed_in(copied)


@pytest.mark.parametrize(
    "token", [None, "forged", "other session"], ids=["missing", "forged", "another session's"]
)
def test_a_form_without_this_sessions_csrf_token_is_refused_and_changes_nothing(
    signed_in, portal_app, bright_skin, token
):
    if token == "other session":
        token = csrf_token(portal_app.test_client(), "/portal/sign-in")
    data = {"name": "Mallory", "clinic_reference": "EVIL"}
    if token:
        data["csrf_token"] = token

    response = signed_in.post("/portal/patients/new", data=data)

    assert response.status_code == 400
    assert response.content_type.startswith("text/html")
    assert "Nothing was saved" in response.text
    with get_store(portal_app).session() as session:
        names = [p.name for p in ClinicPatients(session, bright_skin.clinic_id).search()]
    assert names == ["Jane Doe"]


def test_sign_in_itself_needs_the_csrf_token(portal_app, bright_skin):
    client = portal_app.test_client()
    client.get("/portal/sign-in")

    response = client.post(
        "/portal/sign-in", data={"email": bright_skin.admin_email, "password": PASSWORD}
    )

    assert response.status_code == 400
    assert not is_signed_in(client)


def test_repeated_failures_for_an_account_are_throttled_even_with_the_right_password(
    portal_app, bright_skin, glow, clock
):
    attacker = portal_app.test_client()
    for _ in range(5):
        assert sign_in(attacker, bright_skin.admin_email, "guess").status_code == 200

    # From another address too: the account is what is protected.
    elsewhere = client_from(portal_app, "127.0.0.2")
    throttled = sign_in(elsewhere, bright_skin.admin_email)

    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "900"
    assert "Too many failed sign-ins" in throttled.text
    assert not is_signed_in(elsewhere)
    # Other accounts are not held up...
    assert sign_in(attacker, glow.admin_email).status_code == 303
    # ...and the account opens again once the window has passed.
    clock.advance(timedelta(minutes=15))
    assert sign_in(elsewhere, bright_skin.admin_email).status_code == 303


def test_repeated_failures_from_an_address_are_throttled_across_accounts(
    portal_app, bright_skin, clock
):
    attacker = client_from(portal_app, "127.0.0.9")
    for number in range(20):
        assert sign_in(attacker, f"guess{number}@bright.example", "guess").status_code == 200

    assert sign_in(attacker, bright_skin.admin_email).status_code == 429
    colleague = client_from(portal_app, "127.0.0.10")
    assert sign_in(colleague, bright_skin.admin_email).status_code == 303


def test_a_successful_sign_in_starts_the_accounts_count_afresh(portal_app, bright_skin):
    client = portal_app.test_client()
    for _ in range(4):
        sign_in(client, bright_skin.admin_email, "typo")
    assert sign_in(client, bright_skin.admin_email).status_code == 303

    other = portal_app.test_client()
    for _ in range(4):
        sign_in(other, bright_skin.admin_email, "typo")
    assert sign_in(other, bright_skin.admin_email).status_code == 303


def issue_link(app, email, clock_now):
    with get_store(app).session() as session:
        accounts = StaffAccounts(session)
        token = accounts.issue_setup_link(accounts.by_email(email), clock_now, timedelta(days=7))
        session.commit()
    return f"/portal/welcome/{token}"


def test_a_one_time_link_sets_the_password_signs_in_and_works_once(portal_app, bright_skin, clock):
    link = issue_link(portal_app, bright_skin.admin_email, clock.now)
    client = portal_app.test_client()
    assert bright_skin.admin_email in client.get(link).text

    new_password = "a brand new passphrase"
    response = post_form(client, link, {"password": new_password, "repeated": new_password})

    assert response.status_code == 303
    assert is_signed_in(client)
    spent = portal_app.test_client().get(link)
    assert spent.status_code == 404
    assert "expired or was already used" in spent.text
    assert sign_in(portal_app.test_client(), bright_skin.admin_email).status_code == 200
    assert (
        sign_in(portal_app.test_client(), bright_skin.admin_email, new_password).status_code == 303
    )


def test_a_one_time_link_expires(portal_app, bright_skin, clock):
    link = issue_link(portal_app, bright_skin.admin_email, clock.now)
    clock.advance(timedelta(days=7))

    assert portal_app.test_client().get(link).status_code == 404


def test_a_short_password_is_refused(portal_app, bright_skin, clock):
    link = issue_link(portal_app, bright_skin.admin_email, clock.now)

    response = post_form(portal_app.test_client(), link, {"password": "short", "repeated": "short"})

    assert response.status_code == 200
    assert "Field must be between 12 and 256 characters long." in response.text


@pytest.mark.parametrize(
    ("next_page", "lands_on"),
    [
        ("/portal/patients/new", "/portal/patients/new"),
        ("https://evil.example/portal/", "/portal/patients"),
        ("//evil.example/portal/x", "/portal/patients"),
        ("/alexa", "/portal/patients"),
    ],
)
def test_after_sign_in_only_a_portal_page_is_a_destination(
    portal_app, bright_skin, next_page, lands_on
):
    client = portal_app.test_client()
    token = csrf_token(client, "/portal/sign-in")

    response = client.post(
        "/portal/sign-in",
        query_string={"next": next_page},
        data={"csrf_token": token, "email": bright_skin.admin_email, "password": PASSWORD},
    )

    assert response.location == lands_on


def test_a_page_that_needs_signing_in_sends_there_and_back(portal_app):
    response = portal_app.test_client().get("/portal/patients?q=doe")

    assert response.status_code == 302
    assert response.location == "/portal/sign-in?next=/portal/patients?q%3Ddoe"


def test_logs_carry_ids_not_emails_names_or_passwords(portal_app, bright_skin, caplog):
    caplog.set_level(logging.INFO)
    client = portal_app.test_client()
    sign_in(client, bright_skin.admin_email, "wrong password")
    sign_in(client, bright_skin.admin_email)
    post_form(client, "/portal/patients/new", {"name": "Priya Patel", "clinic_reference": "P9"})

    logged = caplog.text
    assert f"staff {bright_skin.staff_id} signed in" in logged
    assert f"sign-in failed (staff {bright_skin.staff_id})" in logged
    for secret in ("ann@bright", "wrong password", PASSWORD, "Priya", "P9"):
        assert secret not in logged


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (None, "AFTERCARE_SECRET_KEY is required"),
        ("short", "AFTERCARE_SECRET_KEY is too short to be safe"),
    ],
)
def test_outside_local_testing_the_portal_needs_a_strong_secret_key(tmp_path, key, message):
    config = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "SKILL_ID": "amzn1.ask.skill.x",
        "VERIFY_SIGNATURES": True,
        "SECRET_KEY": key,
    }

    with pytest.raises(ConfigError, match=message):
        create_app(config)


def test_local_testing_makes_up_a_secret_key_and_passwords_are_argon2id(tmp_path):
    config = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "VERIFY_SIGNATURES": False}

    app = create_app(config)

    assert len(app.config["SECRET_KEY"]) == 64
    hashed = app.extensions[EXTENSION_KEY].passwords.hash(PASSWORD)
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    get_store(app).dispose()


def test_behind_a_trusted_proxy_throttling_counts_the_forwarded_address(database_url, clock):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "VERIFY_SIGNATURES": False,
            "CLOCK": clock,
            "PASSWORD_HASHER": PasswordHasher.from_parameters(profiles.CHEAPEST),
            "TRUSTED_PROXIES": 1,
        }
    )
    try:
        # Every request arrives from the proxy at 127.0.0.1; the client is in the header.
        attacker = app.test_client()
        attacker.environ_base["HTTP_X_FORWARDED_FOR"] = "127.0.0.77"
        for number in range(20):
            assert sign_in(attacker, f"guess{number}@bright.example", "guess").status_code == 200
        colleague = app.test_client()
        colleague.environ_base["HTTP_X_FORWARDED_FOR"] = "127.0.0.78"

        assert sign_in(attacker, "someone@bright.example", "guess").status_code == 429
        assert sign_in(colleague, "someone@bright.example", "guess").status_code == 200
    finally:
        get_store(app).dispose()


class ServedPortal:
    """A browser's view of a portal served by `aftercare serve`, behind a proxy that
    says the browser is at ``forwarded_for``; enough for sign_in()."""

    def __init__(self, base: str, forwarded_for: str) -> None:
        self.base = base
        self.forwarded_for = forwarded_for
        self.cookies: dict[str, str] = {}

    def _send(self, method: str, path: str, **options) -> requests.Response:
        # Browsers send Secure cookies to http://127.0.0.1 (a secure context); requests
        # would not, so the cookies are carried by hand.
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        headers = {"X-Forwarded-For": self.forwarded_for, "Cookie": cookie}
        response = requests.request(
            method, self.base + path, headers=headers, timeout=10, allow_redirects=False, **options
        )
        self.cookies.update(response.cookies.get_dict())
        return response

    def get(self, path: str) -> requests.Response:
        return self._send("GET", path)

    def post(self, path: str, data: dict) -> requests.Response:
        return self._send("POST", path, data=data)


def test_served_behind_a_trusted_proxy_throttling_counts_the_forwarded_address(serve):
    # waitress itself drops X-Forwarded-For from peers it does not trust, unless told.
    base = serve(AFTERCARE_TRUSTED_PROXIES="1")
    attacker = ServedPortal(base, "127.0.0.77")
    for number in range(20):
        assert sign_in(attacker, f"guess{number}@bright.example", "guess").status_code == 200
    colleague = ServedPortal(base, "127.0.0.78")

    assert sign_in(attacker, "someone@bright.example", "guess").status_code == 429
    assert sign_in(colleague, "someone@bright.example", "guess").status_code == 200


def test_a_wrong_number_of_trusted_proxies_stops_start_up(tmp_path, monkeypatch):
    monkeypatch.setenv("AFTERCARE_TRUSTED_PROXIES", "one")

    with pytest.raises(ConfigError, match="AFTERCARE_TRUSTED_PROXIES must be a whole number"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
