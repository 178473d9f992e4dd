"""The authorize page in a real headless Chromium, JavaScript off, as the Alexa app's
browser shows it: the code and date of birth, her clinic's name, and the redirect
back to Alexa with a code and the state. Alexa's own site is stood in for by the
browser's request routing: nothing leaves the machine."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from skill.store import get_store
from tests.oauth.linking import (
    BIRTH_DATE,
    PATIENT_NAME,
    authorize_query,
    clinic_patient,
    pkce,
    redirect_params,
    register_alexa,
)
from tests.portal.test_browser import NOW, browser, pytestmark, served  # noqa: F401

ALEXA_LANDING = "<html><body><h1>Back in the Alexa app</h1></body></html>"


def test_she_links_her_account_in_the_browser_by_keyboard(browser, served):  # noqa: F811
    alexa = register_alexa(served.database_url)
    patient = clinic_patient(get_store(served.app), NOW - timedelta(days=2), NOW)
    challenge = pkce()
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    reached_alexa = []

    def alexa_site(route):
        reached_alexa.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body=ALEXA_LANDING)

    context.route("https://pitangui.amazon.com/**", alexa_site)
    page = context.new_page()
    page.goto(
        f"{served.base}/oauth/authorize?{authorize_query(alexa.client_id, challenge.challenge)}"
    )

    assert page.get_by_role("heading", name="Link your clinic account").is_visible()
    assert page.get_by_label("Linking code").evaluate("field => field === document.activeElement")
    page.keyboard.type(patient.code.lower())
    page.keyboard.press("Tab")
    page.get_by_label("Your date of birth").fill(BIRTH_DATE.isoformat())
    page.get_by_role("button", name="Continue").click()

    assert page.get_by_role("heading", name="Link to Bright Skin?").is_visible()
    assert PATIENT_NAME not in page.content()
    page.get_by_role("button", name="Link my account").click()

    page.wait_for_url("https://pitangui.amazon.com/**")
    assert page.get_by_role("heading", name="Back in the Alexa app").is_visible()
    (landed,) = reached_alexa
    back = redirect_params(landed)
    assert back["state"] == "alexa-state-Zq8~."
    assert back["code"]
    assert urlsplit(landed).hostname == "pitangui.amazon.com"
    context.close()


def test_a_wrong_code_is_said_on_the_page_and_nothing_leaves_for_alexa(browser, served):  # noqa: F811
    alexa = register_alexa(served.database_url)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{served.base}/oauth/authorize?{authorize_query(alexa.client_id, pkce().challenge)}")

    page.get_by_label("Linking code").fill("ABCDE-FGHJK")
    page.get_by_label("Your date of birth").fill(BIRTH_DATE.isoformat())
    page.get_by_role("button", name="Continue").click()

    assert (
        page.get_by_role("alert")
        .inner_text()
        .startswith("That linking code and date of birth don't match a record.")
    )
    assert urlsplit(page.url).hostname == "127.0.0.1"
    context.close()
