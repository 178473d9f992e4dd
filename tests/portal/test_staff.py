"""An admin adds and removes staff; `aftercare clinic create` makes a clinic and its admin."""

import re

import pytest
from click.testing import CliRunner

from skill.cli import main as aftercare_command
from skill.store import Clinics, StaffAccounts, get_store
from tests.portal.conftest import PASSWORD, post_form, sign_in

LINK = re.compile(r"http://localhost(/portal/welcome/[\w-]+)")


def add_colleague(client, email, is_admin=False):
    data = {"email": email, **({"is_admin": "y"} if is_admin else {})}
    response = post_form(client, "/portal/staff", data)
    assert response.status_code == 200, response.text
    return LINK.search(response.text).group(1)


def choose_password(app, link, password="a colleague's passphrase"):
    client = app.test_client()
    response = post_form(client, link, {"password": password, "repeated": password})
    assert response.status_code == 303
    return client


def test_an_admin_adds_a_colleague_who_signs_in_through_the_one_time_link(
    signed_in, portal_app, bright_skin
):
    link = add_colleague(signed_in, "Cara@Bright.example")

    colleague = choose_password(portal_app, link)

    page = colleague.get("/portal/patients").text
    assert "Bright Skin · signed in as cara@bright.example" in page
    assert "Jane Doe" in page
    # Not an admin: no staff page, and told why.
    assert "/portal/staff" not in page
    refused = colleague.get("/portal/staff")
    assert refused.status_code == 403
    assert "Ask an admin of your clinic to add or remove staff." in refused.text


def test_an_email_can_have_only_one_account(signed_in, glow):
    response = post_form(signed_in, "/portal/staff", {"email": glow.admin_email})

    assert response.status_code == 200
    assert "This email already has an account." in response.text
    assert LINK.search(response.text) is None


def test_removing_a_colleague_signs_them_out_at_once(signed_in, portal_app, bright_skin):
    colleague = choose_password(portal_app, add_colleague(signed_in, "cara@bright.example"))
    with get_store(portal_app).session() as session:
        cara = StaffAccounts(session).by_email("cara@bright.example")

    response = post_form(signed_in, f"/portal/staff/{cara.id}/remove", {})

    assert response.status_code == 200
    assert "cara@bright.example" not in response.text
    assert colleague.get("/portal/patients").status_code == 302
    assert (
        sign_in(
            portal_app.test_client(), "cara@bright.example", "a colleague's passphrase"
        ).status_code
        == 200
    )


def test_an_admin_cannot_remove_themselves(signed_in, bright_skin):
    response = post_form(
        signed_in, f"/portal/staff/{bright_skin.staff_id}/remove", {}, form_page="/portal/staff"
    )

    assert response.status_code == 400
    assert "You cannot remove your own account" in response.text


def test_a_new_sign_in_link_replaces_a_forgotten_password(signed_in, portal_app, bright_skin):
    colleague = choose_password(portal_app, add_colleague(signed_in, "cara@bright.example"))
    with get_store(portal_app).session() as session:
        cara = StaffAccounts(session).by_email("cara@bright.example")

    response = post_form(signed_in, f"/portal/staff/{cara.id}/link", {}, form_page="/portal/staff")

    assert response.status_code == 200
    new_link = LINK.search(response.text).group(1)
    assert colleague.get("/portal/patients").status_code == 302  # signed out everywhere
    assert (
        sign_in(
            portal_app.test_client(), "cara@bright.example", "a colleague's passphrase"
        ).status_code
        == 200
    )
    choose_password(portal_app, new_link, "another passphrase")
    assert (
        sign_in(portal_app.test_client(), "cara@bright.example", "another passphrase").status_code
        == 303
    )


def run_clinic_create(database_url, *arguments):
    return CliRunner().invoke(
        aftercare_command,
        ["clinic", "create", *arguments],
        env={"AFTERCARE_DATABASE_URL": database_url, "AFTERCARE_VERIFY_SIGNATURES": "0"},
    )


def test_clinic_create_makes_a_clinic_and_prints_its_admins_one_time_link(portal_app, database_url):
    result = run_clinic_create(
        database_url,
        "--name",
        "Bright Skin",
        "--timezone",
        "Europe/London",
        "--admin-email",
        "Ann@Bright.example",
        "--base-url",
        "https://portal.example/",
    )

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert (
        lines[0] == "Created clinic 1, Bright Skin (Europe/London), with admin ann@bright.example."
    )
    assert lines[1] == "Their one-time sign-in link, valid for 7 days:"
    link = re.fullmatch(r"https://portal\.example(/portal/welcome/[\w-]+)", lines[2]).group(1)
    with get_store(portal_app).session() as session:
        clinic = Clinics(session).get(1)
        assert (clinic.name, clinic.timezone) == ("Bright Skin", "Europe/London")
        assert StaffAccounts(session).by_email("ann@bright.example").is_admin
    admin = choose_password(portal_app, link, PASSWORD)
    assert "Bright Skin · signed in as ann@bright.example" in admin.get("/portal/patients").text


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["--timezone", "Mars/Olympus", "--admin-email", "a@b.example"],
            "Error: Invalid value for '--timezone': 'Mars/Olympus' is not an IANA zone "
            "such as Europe/London",
        ),
        (
            ["--timezone", "Europe/London", "--admin-email", "not an email"],
            "Error: Invalid value for '--admin-email': An email address must have an @-sign.",
        ),
        (
            ["--timezone", "Europe/London", "--admin-email", "ann@bright.example"],
            "Error: ann@bright.example already has a portal account",
        ),
    ],
    ids=["zone", "email", "taken"],
)
def test_clinic_create_refuses_a_mistake_in_one_line(
    portal_app, bright_skin, database_url, arguments, message
):
    result = run_clinic_create(database_url, "--name", "Second", *arguments)

    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == message
    with get_store(portal_app).session() as session:
        assert Clinics(session).get(bright_skin.clinic_id + 1) is None
