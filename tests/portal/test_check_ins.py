"""The clinic's inbox of check-ins, in process, on SQLite and (when available) PostgreSQL:
newest first, unexpected ones flagged, each with the patient, the time since her
treatment and her timeline; marking one reviewed keeps who and when; every page
counts those not reviewed yet. The pages themselves are golden files under
tests/portal/golden/ (rewrite them with ``AFTERCARE_UPDATE_GOLDEN=1`` and read the diff)."""

from __future__ import annotations

import logging
import os
import re
from datetime import timedelta
from pathlib import Path

import pytest

from skill.portal.blueprint import EXTENSION_KEY
from skill.portal.check_ins import PAGE_SIZE
from skill.store import ClinicCheckIns, StaffAccounts, get_store
from tests.portal.conftest import NOW, PASSWORD, add_check_in, post_form, sign_in

GOLDEN = Path(__file__).parent / "golden"
CSRF_VALUE = re.compile(r'(name="csrf_token" type="hidden" value=")[^"]+')
ARTICLE = re.compile(r'<article class="check-in[^"]*" id="check-in-(\d+)"')


def page_as_golden(text: str) -> str:
    return CSRF_VALUE.sub(r"\1(csrf token)", text)


def assert_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("AFTERCARE_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(page_as_golden(text), "utf-8")
    assert page_as_golden(text) == path.read_text("utf-8")


def unreviewed_in_header(page: str) -> int:
    found = re.search(r'<span class="count[^"]*">(\d+)<span class="visually-hidden"> not', page)
    assert found, "no count of unreviewed check-ins in the header"
    return int(found.group(1))


@pytest.fixture
def inbox(portal_app, bright_skin, glow):
    """Bright Skin's Jane Doe sent three check-ins; Glow's patient sent one."""
    with get_store(portal_app).session() as session:
        ids = {
            "swelling": add_check_in(session, bright_skin.patient_id),
            "fine": add_check_in(
                session,
                bright_skin.patient_id,
                heard="feeling fine",
                symptom_id="fine",
                unexpected=False,
                reported_at=NOW - timedelta(days=1),
                answer="Glad to hear it.",
            ),
            "redness": add_check_in(
                session,
                bright_skin.patient_id,
                heard="red",
                symptom_id="redness",
                unexpected=False,
                reported_at=NOW - timedelta(hours=30),
                answer="That's expected if it's minor: the sheet expects minor redness and "
                "irritation for a few days after the procedure, and it's been 18 hours since yours.",
            ),
            "glow": add_check_in(
                session, glow.patient_id, heard="blistered", symptom_id="blisters"
            ),
        }
        session.commit()
    return ids


def test_the_inbox_lists_the_clinics_check_ins_newest_first(signed_in, inbox):
    page = signed_in.get("/portal/check-ins")

    assert page.status_code == 200
    shown = [int(found) for found in ARTICLE.findall(page.text)]
    assert shown == [inbox["swelling"], inbox["fine"], inbox["redness"]]
    assert "Greta Glow" not in page.text and "blistered" not in page.text
    assert unreviewed_in_header(page.text) == 3
    assert_golden("check_ins.html", page.text)


def test_an_unexpected_check_in_is_flagged_with_her_timeline_then(signed_in, inbox):
    page = signed_in.get(f"/portal/check-ins/{inbox['swelling']}")

    assert page.status_code == 200
    assert '<span class="badge flag">Unexpected</span>' in page.text
    assert "Swelling (she said “really swollen”)" in page.text
    assert "<dd>47 hours after her treatment</dd>" in page.text
    # Two days after her treatment at 10 AM on Thursday, an hour before now: the
    # timeline as it stood then, makeup still to come at 10 AM on Saturday.
    assert "Avoid makeup until Saturday, November 28, 10 AM" in page.text
    assert "Not something the aftercare sheet expects." in page.text
    assert_golden("check_in.html", page.text)


def test_expected_and_fine_check_ins_are_not_flagged(signed_in, inbox):
    for name in ("fine", "redness"):
        page = signed_in.get(f"/portal/check-ins/{inbox[name]}").text
        assert "badge flag" not in page
    assert "Feeling fine." in signed_in.get(f"/portal/check-ins/{inbox['fine']}").text


def test_marking_one_reviewed_keeps_who_and_when_and_the_count_falls(
    portal_app, signed_in, inbox, clock, bright_skin
):
    clock.advance(timedelta(minutes=5))
    back = f"/portal/check-ins#check-in-{inbox['swelling']}"

    response = post_form(
        signed_in,
        f"/portal/check-ins/{inbox['swelling']}/review?next=/portal/check-ins%23check-in-{inbox['swelling']}",
        {},
        form_page="/portal/check-ins",
    )

    assert response.status_code == 303
    assert response.headers["Location"] == back
    with get_store(portal_app).session() as session:
        (check_in, _patient) = ClinicCheckIns(session, bright_skin.clinic_id).get(inbox["swelling"])
        assert (check_in.reviewed_by, check_in.reviewed_at) == (
            "ann@bright.example",
            NOW + timedelta(minutes=5),
        )
    page = signed_in.get(f"/portal/check-ins/{inbox['swelling']}").text
    assert "Reviewed by ann@bright.example, Saturday, November 28, 10:05 AM." in page
    assert "Mark reviewed" not in page
    assert unreviewed_in_header(page) == 2
    assert_golden("check_in_reviewed.html", page)


def test_a_second_review_keeps_the_first_reviewer(portal_app, signed_in, inbox, bright_skin):
    path = f"/portal/check-ins/{inbox['fine']}/review"
    post_form(signed_in, path, {}, form_page="/portal/check-ins")
    with get_store(portal_app).session() as session:
        accounts = StaffAccounts(session)
        bob = accounts.add(
            clinic_id=bright_skin.clinic_id, email="bob@bright.example", is_admin=False, now=NOW
        )
        accounts.set_password(bob, portal_app.extensions[EXTENSION_KEY].passwords.hash(PASSWORD))
        session.commit()
    bob_client = portal_app.test_client()
    assert sign_in(bob_client, "bob@bright.example").status_code == 303

    response = post_form(bob_client, path, {}, form_page="/portal/check-ins")

    assert response.status_code == 303
    assert "Reviewed by ann@bright.example" in bob_client.get(path.removesuffix("/review")).text


def test_a_review_without_the_forms_token_changes_nothing(portal_app, signed_in, inbox):
    response = signed_in.post(f"/portal/check-ins/{inbox['swelling']}/review")

    assert response.status_code == 400
    assert "Nothing was saved" in response.text
    assert unreviewed_in_header(signed_in.get("/portal/check-ins").text) == 3


def test_a_review_never_sends_the_browser_to_another_site(signed_in, inbox):
    response = post_form(
        signed_in,
        f"/portal/check-ins/{inbox['fine']}/review?next=https://evil.example/portal/",
        {},
        form_page="/portal/check-ins",
    )

    assert response.status_code == 303
    assert response.headers["Location"] == "/portal/patients"


def test_only_those_not_reviewed_yet(signed_in, inbox):
    post_form(
        signed_in, f"/portal/check-ins/{inbox['redness']}/review", {}, form_page="/portal/check-ins"
    )

    page = signed_in.get("/portal/check-ins?show=unreviewed").text

    assert [int(found) for found in ARTICLE.findall(page)] == [inbox["swelling"], inbox["fine"]]
    for check_in in (inbox["swelling"], inbox["fine"]):
        post_form(
            signed_in, f"/portal/check-ins/{check_in}/review", {}, form_page="/portal/check-ins"
        )
    emptied = signed_in.get("/portal/check-ins?show=unreviewed").text
    assert "Every check-in has been reviewed." in emptied
    assert unreviewed_in_header(emptied) == 0


def test_the_inbox_pages_older_check_ins(portal_app, signed_in, bright_skin):
    with get_store(portal_app).session() as session:
        ids = [
            add_check_in(session, bright_skin.patient_id, reported_at=NOW - timedelta(minutes=n))
            for n in range(PAGE_SIZE + 2)
        ]
        session.commit()

    first = signed_in.get("/portal/check-ins").text
    second = signed_in.get("/portal/check-ins?page=2").text

    assert [int(found) for found in ARTICLE.findall(first)] == ids[:PAGE_SIZE]
    assert [int(found) for found in ARTICLE.findall(second)] == ids[PAGE_SIZE:]
    assert "Older check-ins" in first and "Newer check-ins" not in first
    assert "Newer check-ins" in second and "Older check-ins" not in second
    for odd in ("page=abc", "page=-3", "page=0"):
        assert ARTICLE.findall(signed_in.get(f"/portal/check-ins?{odd}").text) == ARTICLE.findall(
            first
        )


@pytest.mark.parametrize(
    "path",
    [
        "/portal/patients",
        "/portal/patients/new",
        "/portal/staff",
        "/portal/check-ins",
        "/portal/no-such-page",
    ],
)
def test_every_page_counts_the_check_ins_not_reviewed_yet(signed_in, inbox, bright_skin, path):
    assert unreviewed_in_header(signed_in.get(path).text) == 3


def test_a_form_shown_again_with_its_errors_counts_them_too(signed_in, inbox):
    page = post_form(signed_in, "/portal/patients/new", {"name": ""})

    assert page.status_code == 200
    assert unreviewed_in_header(page.text) == 3


def test_her_page_lists_her_check_ins(signed_in, inbox, bright_skin):
    page = signed_in.get(f"/portal/patients/{bright_skin.patient_id}").text

    section = page[page.index('<h2 id="check-ins">') : page.index('<h2 id="alexa">')]
    assert [int(found) for found in re.findall(r"/portal/check-ins/(\d+)", section)] == [
        inbox["swelling"],
        inbox["fine"],
        inbox["redness"],
    ]
    assert section.count("Unexpected") == 1


def test_signed_out_the_inbox_asks_to_sign_in(portal_app, inbox):
    response = portal_app.test_client().get("/portal/check-ins")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/portal/sign-in")


def test_reviewing_logs_ids_only(signed_in, inbox, caplog, bright_skin):
    caplog.set_level(logging.INFO, logger="skill.portal")

    post_form(
        signed_in,
        f"/portal/check-ins/{inbox['swelling']}/review",
        {},
        form_page="/portal/check-ins",
    )

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert f"staff {bright_skin.staff_id} reviewed check-in {inbox['swelling']}" in logged
    for private in ("swollen", "swelling", "Jane Doe", "ann@bright.example"):
        assert private not in logged


def test_an_empty_inbox_says_so(signed_in):
    page = signed_in.get("/portal/check-ins").text

    assert "No check-ins yet." in page
    assert unreviewed_in_header(page) == 0
