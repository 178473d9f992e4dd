"""Staff of one clinic never see, change or learn of another clinic's patients:
every portal URL, with another clinic's ids, is a 404 like an id that does not exist."""

from datetime import timedelta

import pytest

from skill.portal.patients import NOT_FOUND
from skill.store import (
    AccountLinks,
    ClinicCheckIns,
    ClinicPatients,
    LinkingCodes,
    StaffAccounts,
    Treatments,
    get_store,
)
from tests.portal.conftest import NOW, add_check_in, csrf_token, sign_in

TREATMENT_FORM = {
    "treated_on": "2026-11-20",
    "treated_at": "10:00",
    "timezone": "Europe/London",
    "treated_areas": "scars",
    "session_number": "2",
    "confirm_unusual": "y",
}
# Every portal URL that takes an id, and what a POST to it would carry.
URLS_WITH_IDS = {
    "/portal/patients/<int:patient_id>": ("GET",),
    "/portal/patients/<int:patient_id>/edit": ("GET", "POST"),
    "/portal/patients/<int:patient_id>/treatments/new": ("GET", "POST"),
    "/portal/patients/<int:patient_id>/treatments/<int:treatment_id>/edit": ("GET", "POST"),
    "/portal/patients/<int:patient_id>/treatments/<int:treatment_id>/delete": ("GET", "POST"),
    "/portal/patients/<int:patient_id>/linking-code": ("POST",),
    "/portal/patients/<int:patient_id>/linking-code/revoke": ("POST",),
    "/portal/patients/<int:patient_id>/unlink": ("GET", "POST"),
    "/portal/staff/<int:staff_id>/link": ("POST",),
    "/portal/staff/<int:staff_id>/remove": ("GET", "POST"),
    "/portal/check-ins/<int:check_in_id>": ("GET",),
    "/portal/check-ins/<int:check_in_id>/review": ("POST",),
}
POSTED = {"name": "Changed", "clinic_reference": "X", "email": "x@glow.example", **TREATMENT_FORM}


def test_every_portal_url_with_an_id_is_in_the_table(portal_app):
    rules = {
        rule.rule: tuple(sorted(rule.methods - {"HEAD", "OPTIONS"}))
        for rule in portal_app.url_map.iter_rules()
        if rule.endpoint.startswith("portal.")
        and any(
            rule.arguments & {a} for a in ("patient_id", "treatment_id", "staff_id", "check_in_id")
        )
    }

    assert rules == {url: tuple(sorted(methods)) for url, methods in URLS_WITH_IDS.items()}


def bright_skin_as_it_stands(app, bright_skin):
    with get_store(app).session() as session:
        patients = ClinicPatients(session, bright_skin.clinic_id)
        return (
            [(p.id, p.name, p.clinic_reference) for p in patients.search()],
            [
                (t.id, t.treated_at, t.session_number, tuple(t.treated_areas))
                for t in Treatments(session).of_patient(bright_skin.patient_id)
            ],
            [
                (a.id, a.email, a.password_hash)
                for a in StaffAccounts(session).of_clinic(bright_skin.clinic_id)
            ],
            [link.id for link in AccountLinks(session).active_of_patient(bright_skin.patient_id)],
            LinkingCodes(session).outstanding(bright_skin.patient_id, NOW) is not None,
            [
                (c.id, c.reviewed_at, c.reviewed_by)
                for c in ClinicCheckIns(session, bright_skin.clinic_id).of_patient(
                    bright_skin.patient_id
                )
            ],
        )


def cases():
    for url, methods in URLS_WITH_IDS.items():
        for method in methods:
            yield pytest.param(url, method, id=f"{method} {url}")


@pytest.mark.parametrize(("url", "method"), list(cases()))
def test_another_clinics_ids_are_not_found_and_nothing_changes(
    portal_app, bright_skin, glow, url, method
):
    # Something an unlink could revoke, and a check-in a review could mark.
    with get_store(portal_app).session() as session:
        LinkingCodes(session).issue(
            patient_id=bright_skin.patient_id,
            code_hash="0" * 64,
            staff_id=None,
            now=NOW,
            valid_for=timedelta(days=7),
        )
        check_in = add_check_in(session, bright_skin.patient_id)
        session.commit()
    before = bright_skin_as_it_stands(portal_app, bright_skin)
    assert before[-2], "her linking code is outstanding"
    assert before[-1] == [(check_in, None, None)], "her check-in is not reviewed"
    client = portal_app.test_client()
    assert sign_in(client, glow.admin_email).status_code == 303
    path = (
        url.replace("<int:patient_id>", str(bright_skin.patient_id))
        .replace("<int:treatment_id>", str(bright_skin.treatment_id))
        .replace("<int:staff_id>", str(bright_skin.staff_id))
        .replace("<int:check_in_id>", str(check_in))
    )

    if method == "GET":
        response = client.get(path)
    else:
        token = csrf_token(client, "/portal/patients/new")
        response = client.post(path, data={"csrf_token": token, **POSTED})

    assert response.status_code == 404
    assert response.content_type.startswith("text/html")
    assert "Page not found" in response.text
    assert bright_skin.patient_name not in response.text
    assert bright_skin.admin_email not in response.text
    assert bright_skin_as_it_stands(portal_app, bright_skin) == before


@pytest.mark.parametrize("action", ["edit", "delete"])
def test_her_own_patient_with_another_clinics_treatment_id_is_not_found(
    portal_app, bright_skin, glow, action
):
    client = portal_app.test_client()
    sign_in(client, glow.admin_email)

    response = client.get(
        f"/portal/patients/{glow.patient_id}/treatments/{bright_skin.treatment_id}/{action}"
    )

    assert response.status_code == 404
    assert NOT_FOUND in response.text


def test_an_id_that_exists_nowhere_gets_the_same_answer(portal_app, bright_skin, glow):
    client = portal_app.test_client()
    sign_in(client, glow.admin_email)

    elsewhere = client.get(f"/portal/patients/{bright_skin.patient_id}")
    nowhere = client.get("/portal/patients/999999")

    assert (elsewhere.status_code, elsewhere.text) == (nowhere.status_code, nowhere.text)


def test_search_and_lists_show_only_the_clinics_own_patients_and_staff(
    portal_app, bright_skin, glow
):
    client = portal_app.test_client()
    sign_in(client, glow.admin_email)

    listed = client.get("/portal/patients").text
    searched = client.get("/portal/patients", query_string={"q": "jane"}).text
    by_reference = client.get("/portal/patients", query_string={"q": "BS-1"}).text
    staff = client.get("/portal/staff").text

    assert "Greta Glow" in listed and "Jane Doe" not in listed
    assert "Jane Doe" not in searched and "No patient's name or reference contains" in searched
    assert "Jane Doe" not in by_reference
    assert glow.admin_email in staff and bright_skin.admin_email not in staff


def test_a_patient_reference_may_repeat_across_clinics(portal_app, bright_skin, glow):
    client = portal_app.test_client()
    sign_in(client, glow.admin_email)
    token = csrf_token(client, "/portal/patients/new")

    response = client.post(
        "/portal/patients/new",
        data={"csrf_token": token, "name": "Gina Glow", "clinic_reference": "BS-1"},
    )

    # Saved, and nothing tells Glow that Bright Skin uses the same reference.
    assert response.status_code == 303
