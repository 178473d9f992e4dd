"""Patients and treatments through the portal's forms, and the timeline the page shows."""

import html
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from skill.aftercare import (
    Aftercare,
    Listener,
    answer_status,
    default_sheet,
    timeline_card,
    written_timeline,
)
from skill.store import ClinicPatients, Treatments, get_store
from tests.portal.conftest import NOW, post_form, sign_in

LONDON = ZoneInfo("Europe/London")


def patients_of(app, clinic_id):
    with get_store(app).session() as session:
        return {p.name: p for p in ClinicPatients(session, clinic_id).search()}


def treatments_of(app, patient_id):
    with get_store(app).session() as session:
        return Treatments(session).of_patient(patient_id)


def text_of(page: str) -> str:
    """What a reader sees: the page's text with tags dropped and spaces collapsed."""
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    return re.sub(r" ([.,;:])", r"\1", text)


def input_value(page: str, field: str) -> str:
    found = re.search(rf'<input [^>]*id="{field}"[^>]*value="([^"]*)"', page)
    assert found, field
    return found.group(1)


def test_add_a_patient_then_find_her_by_name_or_reference(signed_in, portal_app, bright_skin):
    response = post_form(
        signed_in,
        "/portal/patients/new",
        {"name": " Priya Patel ", "clinic_reference": "BS-77", "date_of_birth": "1988-02-29"},
    )

    priya = patients_of(portal_app, bright_skin.clinic_id)["Priya Patel"]
    assert response.status_code == 303
    assert response.location == f"/portal/patients/{priya.id}"
    assert (priya.clinic_reference, priya.date_of_birth.isoformat()) == ("BS-77", "1988-02-29")
    for query in ("patel", "PRIYA", "bs-77"):
        found = text_of(signed_in.get("/portal/patients", query_string={"q": query}).text)
        assert "Priya Patel BS-77 1988-02-29" in found
        assert "Jane Doe" not in found


def test_a_search_with_wildcards_matches_them_literally(signed_in):
    found = text_of(signed_in.get("/portal/patients", query_string={"q": "%"}).text)

    assert "Jane Doe" not in found
    assert "No patient's name or reference contains “%”." in found


def test_edit_a_patient_and_a_reference_must_stay_unique_in_the_clinic(
    signed_in, portal_app, bright_skin
):
    post_form(signed_in, "/portal/patients/new", {"name": "Priya Patel", "clinic_reference": "P1"})
    edit = f"/portal/patients/{bright_skin.patient_id}/edit"

    refused = post_form(signed_in, edit, {"name": "Jane Smith", "clinic_reference": "P1"})
    saved = post_form(signed_in, edit, {"name": "Jane Smith", "clinic_reference": "BS-1"})

    assert refused.status_code == 200
    assert "Another patient already has this reference." in refused.text
    assert saved.status_code == 303
    assert set(patients_of(portal_app, bright_skin.clinic_id)) == {"Jane Smith", "Priya Patel"}


def test_a_patient_needs_a_name(signed_in, portal_app, bright_skin):
    response = post_form(signed_in, "/portal/patients/new", {"name": "  "})

    assert response.status_code == 200
    assert "This field is required." in response.text
    assert set(patients_of(portal_app, bright_skin.clinic_id)) == {"Jane Doe"}


def treatment_form(**changes):
    form = {
        "treated_on": "2026-11-26",
        "treated_at": "14:30",
        "timezone": "Europe/London",
        "treated_areas": ["wrinkles", "scars"],
        "session_number": "2",
    }
    return {**form, **changes}


def test_the_treatment_form_starts_from_the_clinics_zone_and_her_next_session_number(
    signed_in, bright_skin
):
    page = signed_in.get(f"/portal/patients/{bright_skin.patient_id}/treatments/new").text

    assert '<option selected value="Europe/London">Europe/London</option>' in page
    assert input_value(page, "session_number") == "2"
    # The sheet's targeted areas, each a labelled checkbox.
    for area in default_sheet().targets.listed:
        assert f'value="{area.id}"> {area.label}</label>' in page


def test_a_treatment_is_saved_as_the_instant_it_was_where_it_was(
    signed_in, portal_app, bright_skin
):
    new = f"/portal/patients/{bright_skin.patient_id}/treatments/new"
    # The fixture's treatment was two days before NOW; this one is five weeks earlier.
    response = post_form(
        signed_in,
        new,
        treatment_form(treated_on="2026-10-20", treated_at="09:15", timezone="America/New_York"),
    )

    assert response.status_code == 303
    earlier = treatments_of(portal_app, bright_skin.patient_id)[-1]
    assert earlier.treated_at == datetime(2026, 10, 20, 13, 15, tzinfo=UTC)
    assert earlier.timezone == "America/New_York"
    assert earlier.treated_areas == ["wrinkles", "scars"]
    assert (earlier.session_number, earlier.recorded_at) == (2, NOW)
    assert earlier.recorded_by_staff_id == bright_skin.staff_id


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"treated_areas": []}, "Choose at least one area."),
        ({"treated_areas": ["elbows"]}, "'elbows' is not a valid choice for this field."),
        ({"timezone": "Mars/Olympus"}, "Not a valid choice."),
        ({"treated_on": "26/11/2026"}, "Not a valid date value."),
        ({"session_number": "0"}, "Number must be between 1 and 99."),
    ],
)
def test_a_treatment_form_with_a_mistake_says_which_and_saves_nothing(
    signed_in, portal_app, bright_skin, changes, error
):
    new = f"/portal/patients/{bright_skin.patient_id}/treatments/new"

    response = post_form(signed_in, new, treatment_form(**changes))

    assert response.status_code == 200
    assert error in html.unescape(response.text)
    assert len(treatments_of(portal_app, bright_skin.patient_id)) == 1


@pytest.mark.parametrize(
    ("when", "concern"),
    [
        (
            {"treated_on": "2026-11-29", "treated_at": "09:00"},
            "Sunday, November 29, 9 AM is in the future: it is now Saturday, November 28, 10 AM.",
        ),
        (
            {"treated_on": "2026-12-20", "treated_at": "09:00"},
            "That is 23 days after her previous treatment (Thursday, November 26, 10 AM); "
            "the aftercare sheet spaces sessions 4 to 6 weeks apart.",
        ),
    ],
    ids=["in the future", "three weeks after the previous one"],
)
def test_a_future_or_too_early_treatment_is_questioned_before_it_is_saved(
    signed_in, portal_app, bright_skin, clock, when, concern
):
    if when["treated_on"] == "2026-12-20":
        clock.advance(timedelta(days=30))
        sign_in(signed_in, bright_skin.admin_email)  # a day's session has long ended
    new = f"/portal/patients/{bright_skin.patient_id}/treatments/new"

    questioned = post_form(signed_in, new, treatment_form(**when))

    assert questioned.status_code == 200
    assert concern in text_of(questioned.text)
    assert "Yes, record it as entered" in questioned.text
    assert len(treatments_of(portal_app, bright_skin.patient_id)) == 1

    confirmed = post_form(signed_in, new, treatment_form(**when, confirm_unusual="y"))

    assert confirmed.status_code == 303
    assert len(treatments_of(portal_app, bright_skin.patient_id)) == 2


def test_four_weeks_after_the_previous_treatment_is_not_questioned(
    signed_in, portal_app, bright_skin, clock
):
    clock.advance(timedelta(days=30))
    sign_in(signed_in, bright_skin.admin_email)
    new = f"/portal/patients/{bright_skin.patient_id}/treatments/new"

    # The previous one was Thursday 26 November, 10 AM in London.
    response = post_form(
        signed_in, new, treatment_form(treated_on="2026-12-24", treated_at="10:00")
    )

    assert response.status_code == 303


def test_the_same_instant_twice_is_refused(signed_in, portal_app, bright_skin):
    new = f"/portal/patients/{bright_skin.patient_id}/treatments/new"

    response = post_form(
        signed_in, new, treatment_form(treated_on="2026-11-26", treated_at="10:00")
    )

    assert "She already has a treatment at this date and time." in response.text
    assert len(treatments_of(portal_app, bright_skin.patient_id)) == 1


def test_correct_a_treatment_without_it_questioning_itself(signed_in, portal_app, bright_skin):
    edit = f"/portal/patients/{bright_skin.patient_id}/treatments/{bright_skin.treatment_id}/edit"
    page = signed_in.get(edit).text
    assert input_value(page, "treated_on") == "2026-11-26"
    assert input_value(page, "treated_at") == "10:00"

    response = post_form(
        signed_in, edit, treatment_form(treated_on="2026-11-26", treated_at="11:00")
    )

    assert response.status_code == 303
    (corrected,) = treatments_of(portal_app, bright_skin.patient_id)
    assert corrected.id == bright_skin.treatment_id
    assert corrected.treated_at == datetime(2026, 11, 26, 11, 0, tzinfo=UTC)
    assert corrected.treated_areas == ["wrinkles", "scars"]


def test_delete_a_treatment_after_confirming(signed_in, portal_app, bright_skin):
    delete = (
        f"/portal/patients/{bright_skin.patient_id}/treatments/{bright_skin.treatment_id}/delete"
    )
    confirm_page = text_of(signed_in.get(delete).text)
    assert "Jane Doe's treatment of Thursday, November 26, 10 AM will be deleted" in confirm_page
    assert len(treatments_of(portal_app, bright_skin.patient_id)) == 1

    response = post_form(signed_in, delete, {})

    assert response.status_code == 303
    assert treatments_of(portal_app, bright_skin.patient_id) == []
    assert "No treatment recorded yet." in signed_in.get(response.location).text


def test_the_patient_page_shows_the_timeline_the_skill_speaks_and_cards(
    signed_in, portal_app, bright_skin
):
    page = text_of(signed_in.get(f"/portal/patients/{bright_skin.patient_id}").text)

    # The same core, the same instant, the treatment's own zone: the card's lines...
    care = Aftercare(default_sheet(), datetime(2026, 11, 26, 10, 0, tzinfo=UTC), NOW)
    listener = Listener(LONDON)
    card = timeline_card(care, listener).splitlines()
    assert card[0] == "Treatment: Thursday, November 26, 10 AM"
    assert f"Latest treatment: {card[0].removeprefix('Treatment: ')}." in page
    entries = written_timeline(care, listener)
    assert [entry.text for entry in entries] == card[1 : 1 + len(entries)]
    assert [entry.state for entry in entries] == ["Started", "Over", "In force", "In force"]
    for entry in entries:
        assert f"{entry.text} {entry.state}" in page
    next_session, *any_time = card[1 + len(entries) :]
    assert f"{next_session}." in page  # "Next session: between … and …."
    assert any_time and all(line in page for line in any_time)
    # ...and what she hears now.
    spoken = answer_status(care, listener).text
    assert spoken.startswith("It's been 2 days since your treatment.")
    assert f"What the skill tells her if she asks now {spoken}" in page


def test_unknown_portal_pages_are_html_404s_and_the_alexa_endpoint_keeps_json(
    signed_in, portal_app
):
    missing = signed_in.get("/portal/nowhere")
    wrong_method = signed_in.get("/portal/sign-out")
    alexa = portal_app.test_client().post("/alexa", data="nope")

    for response in (missing, wrong_method):
        assert response.status_code == 404
        assert response.content_type.startswith("text/html")
        assert "<h1>Page not found</h1>" in response.text
    assert alexa.status_code == 400
    assert alexa.get_json() == {"error": "body is not valid JSON"}


def test_portal_pages_are_not_cached_framed_or_scripted(signed_in, bright_skin):
    headers = signed_in.get(f"/portal/patients/{bright_skin.patient_id}").headers

    assert headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "script-src" not in headers["Content-Security-Policy"]  # default-src 'none' covers it
    assert headers["Referrer-Policy"] == "no-referrer"


def test_a_fault_is_an_html_apology_and_the_log_names_no_patient(
    signed_in, bright_skin, monkeypatch, caplog
):
    def broken(self, text="", limit=100):
        raise RuntimeError(f"lost while searching for {text}")

    monkeypatch.setattr(ClinicPatients, "search", broken)

    response = signed_in.get("/portal/patients", query_string={"q": "Jane Doe"})

    assert response.status_code == 500
    assert response.content_type.startswith("text/html")
    assert "<h1>Something went wrong</h1>" in response.text
    assert "portal request failed: RuntimeError" in caplog.text
    assert "in patients" in caplog.text  # where it happened
    assert "Jane" not in caplog.text
