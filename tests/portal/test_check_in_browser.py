"""A check-in from voice to the clinic's inbox to "reviewed", in a real headless
Chromium with JavaScript off, against the production app (signatures verified)
behind waitress on 127.0.0.1, on SQLite and PostgreSQL.

The clinic records her and her treatment and issues a linking code; she links in
the Alexa app's browser (Alexa's site stood in for by the browser's routing); Alexa
exchanges the code for a token and sends her words, signed as Alexa signs them
(the test CA of tests/alexa_test_ca.py stands in for Amazon's); the clinic finds
the check-in flagged in its inbox, with her timeline, and marks it reviewed.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests

from skill.store import ClinicPatients, StaffAccounts, Treatment, Treatments, get_store
from skill.tools.utterances import InteractionModel
from tests import alexa_test_ca
from tests.conftest import fresh_database
from tests.oauth.linking import (
    REDIRECT_URI,
    authorize_query,
    intent,
    pkce,
    redirect_params,
    register_alexa,
    skill_request,
)
from tests.portal.conftest import add_check_in
from tests.portal.test_browser import (  # noqa: F401  (fixtures and the skip)
    Served,
    browser,
    choose_password,
    pytestmark,
    staff_page,
)

# The served app's clock while she talks: the requests carry this timestamp and the
# test CA's certificates are valid around it.
NOW = alexa_test_ca.ISSUED_AT
# Its clock for the inbox's screenshot, so the picture is the same on every run.
SCREENSHOT_AT = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
SCREENSHOT = Path(__file__).parents[2] / "docs" / "portal-check-ins.png"
LONDON = ZoneInfo("Europe/London")
IDENTITY = alexa_test_ca.valid_identity()
BIRTH_DATE = "1990-04-02"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


CLOCK = Clock()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(request, tmp_path_factory):
    with fresh_database(request.param, tmp_path_factory.mktemp("check-ins")) as url:
        served = Served(
            url,
            CLOCK=CLOCK,
            TRUST_STORE=alexa_test_ca.trust_store,
            FETCH_CERT_CHAIN=lambda _chain_url: IDENTITY.chain_pem,
        )
        yield served
        served.close()


def alexa_says(served: Served, request: dict, token: str, attributes: dict | None = None) -> dict:
    """A request from her Echo, signed as Alexa signs it."""
    envelope = skill_request(request, token, NOW)
    if attributes is not None:
        envelope["session"].update(new=False, attributes=attributes)
    body = json.dumps(envelope).encode()
    headers = {"Content-Type": "application/json", **IDENTITY.sign_request(body)}
    response = requests.post(f"{served.base}/alexa", data=body, headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def spoken(response: dict) -> str:
    return re.sub(r"<[^>]+>", "", response["response"]["outputSpeech"]["ssml"])


def she_links(chromium, served: Served, code: str) -> str:
    """Her part of account linking, then Alexa's code exchange; returns her access token."""
    alexa = register_alexa(served.database_url)
    challenge = pkce()
    context = chromium.new_context(java_script_enabled=False)
    reached_alexa = []

    def alexa_site(route):
        reached_alexa.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<h1>Back in the Alexa app</h1>")

    context.route("https://pitangui.amazon.com/**", alexa_site)
    page = context.new_page()
    page.goto(
        f"{served.base}/oauth/authorize?{authorize_query(alexa.client_id, challenge.challenge)}"
    )
    page.get_by_label("Linking code").fill(code)
    page.get_by_label("Your date of birth").fill(BIRTH_DATE)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Link my account").click()
    page.wait_for_url("https://pitangui.amazon.com/**")
    context.close()
    (landed,) = reached_alexa
    exchanged = requests.post(
        f"{served.base}/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": redirect_params(landed)["code"],
            "redirect_uri": REDIRECT_URI,
            "code_verifier": challenge.verifier,
        },
        headers={"Authorization": alexa.basic()},
        timeout=10,
    )
    assert exchanged.status_code == 200, exchanged.text
    return exchanged.json()["access_token"]


def unreviewed_in_header(page) -> str:
    return page.get_by_role("navigation", name="Portal").locator(".count").text_content()


def test_a_check_in_goes_from_her_voice_to_the_inbox_to_reviewed(browser, served, caplog):  # noqa: F811
    context, page = staff_page(browser)
    choose_password(page, served.create_clinic("Bright Skin", "ann@bright.example"))
    assert unreviewed_in_header(page) == "0 not reviewed yet"

    # The clinic records her, her treatment 30 hours ago, and issues her a linking code.
    page.get_by_role("link", name="Add a patient").click()
    page.get_by_label("Full name").fill("Jane Doe")
    page.get_by_label("Date of birth").fill(BIRTH_DATE)
    page.get_by_role("button", name="Add patient").click()
    patient_url = page.url
    treated = (NOW - timedelta(hours=30)).astimezone(LONDON)
    page.get_by_role("link", name="Record a treatment").click()
    page.get_by_label("Date").fill(treated.date().isoformat())
    page.get_by_label("Time", exact=True).fill(treated.strftime("%H:%M"))
    page.get_by_label("Fine lines and wrinkles").check()
    page.get_by_role("button", name="Record treatment").click()
    page.get_by_role("button", name="Issue a linking code").click()
    code = page.locator("#linking-code").inner_text()

    token = she_links(browser, served, code)
    # (After the commands above, which quieten the root logger to WARNING.)
    caplog.set_level(logging.INFO)

    # "Alexa, tell Skin Aftercare my face is really swollen." ... "Yes."
    swollen = InteractionModel.for_locale("en-US").resolved_slot("symptom", "SYMPTOM", "swollen")
    symptom = intent("SymptomIntent")
    symptom["intent"]["slots"] = {"symptom": swollen}
    offered = alexa_says(served, symptom, token)
    assert spoken(offered).endswith(
        "If it feels severe, get medical help now. Shall I let your clinic know?"
    )
    sent = alexa_says(served, intent("AMAZON.YesIntent"), token, offered["sessionAttributes"])
    assert spoken(sent) == (
        "I've sent it to your clinic. If it feels severe, don't wait — get medical help now."
    )

    # Every page now counts it; the inbox shows it flagged, with her timeline then.
    page.goto(patient_url)
    assert unreviewed_in_header(page) == "1 not reviewed yet"
    page.get_by_role("link", name=re.compile(r"^Check-ins")).click()
    assert page.get_by_role("heading", name="Check-ins", exact=True).is_visible()
    check_in = page.locator("article.check-in")
    assert check_in.count() == 1
    title = check_in.get_by_role("heading")
    assert title.inner_text() == "Unexpected Swelling (she said “swollen”)"
    assert check_in.get_by_role("link", name="Jane Doe").is_visible()
    facts = check_in.locator("dl").inner_text()
    assert "Since her treatment\n30 hours after her treatment" in facts
    assert "Not something the aftercare sheet expects." in check_in.inner_text()
    timeline = check_in.get_by_role("table", name="Her aftercare timeline when she sent it")
    assert not timeline.is_visible()
    check_in.get_by_text("Her aftercare timeline when she sent it").first.click()
    rows = [row.inner_text().split("\t") for row in timeline.locator("tbody tr").all()]
    assert rows[0][1] == "Started"  # sunblock, from 24 hours
    assert rows[1][0].startswith("Avoid makeup until ") and rows[1][1] == "In force"

    # Marked reviewed: who and when, and the count falls, on this page and every other.
    check_in.get_by_role("button", name=re.compile(r"^Mark reviewed")).click()
    assert re.search(r"/portal/check-ins#check-in-\d+$", page.url)
    reviewed = page.locator("article.check-in .review-state").inner_text()
    assert reviewed.startswith("Reviewed by ann@bright.example, ")
    assert unreviewed_in_header(page) == "0 not reviewed yet"
    check_in_url = page.get_by_role("link", name="Swelling (she said “swollen”)").get_attribute(
        "href"
    )
    page.goto(patient_url)
    assert (
        page.get_by_role("table", name=re.compile("What she sent"))
        .inner_text()
        .count("by ann@bright.example")
        == 1
    )

    # Another clinic sees none of it, not even by its address.
    other, other_page = staff_page(browser)
    choose_password(other_page, served.create_clinic("Glow Clinic", "gus@glow.example"))
    other_page.get_by_role("link", name=re.compile(r"^Check-ins")).click()
    assert other_page.get_by_role("status").inner_text() == "No check-ins yet."
    response = other_page.goto(f"{served.base}{check_in_url}")
    assert response.status == 404
    assert "Jane Doe" not in other_page.content() and "swollen" not in other_page.content()
    other.close()
    context.close()

    # What she said and who she is stay out of the logs.
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert re.search(r"check-in \d+ recorded for patient \d+", logged)
    for private in ("swollen", "swelling", "Jane Doe", BIRTH_DATE, token, code):
        assert private not in logged


def test_the_inbox_as_the_readme_shows_it(browser, served):  # noqa: F811
    CLOCK.now = SCREENSHOT_AT
    try:
        link = served.create_clinic("Bright Skin", "reception@bright.example")
        with get_store(served.app).session() as session:
            clinic_id = StaffAccounts(session).by_email("reception@bright.example").clinic_id
            patients = ClinicPatients(session, clinic_id)
            jane = patients.add(
                name="Jane Doe", clinic_reference="BS-0042", date_of_birth=date(1990, 4, 2), now=NOW
            )
            mia = patients.add(
                name="Mia Chen",
                clinic_reference="BS-0051",
                date_of_birth=date(1988, 9, 14),
                now=NOW,
            )
            for patient, days in ((jane, 2), (mia, 1)):
                Treatments(session).add(
                    Treatment(
                        patient_id=patient.id,
                        treated_at=SCREENSHOT_AT - timedelta(days=days, hours=1),
                        recorded_at=SCREENSHOT_AT,
                        timezone="Europe/London",
                        treated_areas=["wrinkles"],
                        session_number=1,
                    )
                )
            add_check_in(
                session,
                jane.id,
                reported_at=SCREENSHOT_AT - timedelta(minutes=20),
                treated_at=SCREENSHOT_AT - timedelta(days=2, hours=1),
            )
            add_check_in(
                session,
                mia.id,
                heard="a bit red",
                symptom_id="redness",
                unexpected=False,
                reported_at=SCREENSHOT_AT - timedelta(hours=3),
                treated_at=SCREENSHOT_AT - timedelta(days=1, hours=1),
                answer="That's expected if it's minor: the sheet expects minor redness and "
                "irritation for a few days after the procedure, and it's been 22 hours since yours.",
            )
            session.commit()
        context, page = staff_page(browser)
        choose_password(page, link)
        page.get_by_role("link", name=re.compile(r"^Check-ins")).click()
        assert unreviewed_in_header(page) == "2 not reviewed yet"
        page.locator("article.check-in summary").first.click()
        SCREENSHOT.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
        context.close()
    finally:
        CLOCK.now = NOW
