"""The portal in a real headless Chromium, as a clinic's staff use it, with JavaScript off.

The served app is the production one (signature checks on, a secret key, Secure
cookies) behind waitress on 127.0.0.1, started once per database; the browser
starts once for the module. The patient page's screenshot goes to docs/ for the
README.
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
import waitress
from click.testing import CliRunner
from playwright.sync_api import sync_playwright

from skill.app import create_app
from skill.cli import main as aftercare_command
from skill.store import get_store
from tests.conftest import SECRET_KEY, SKILL_ID, fresh_database

CHROMIUM = Path("/usr/bin/chromium")
# The flags that run Debian's Chromium headless in a container, with nothing fetched.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = Path(__file__).parents[2] / "docs" / "portal-patient.png"
# Saturday 28 November 2026, 10 AM in London: the served app's clock, so the
# page (and the screenshot) are the same on every run.
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"
LINK = re.compile(r"^https?://\S+/portal/welcome/\S+$", re.MULTILINE)

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Chromium is not installed: apt-get install chromium chromium-driver (.ci/run does)",
)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        # Playwright gives every launch a fresh temporary profile (user data dir).
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


class Served:
    def __init__(self, database_url: str, **config) -> None:
        """``config`` changes the app's settings (a clock, a trust store for signatures)."""
        self.database_url = database_url
        self.app = create_app(
            {
                "DATABASE_URL": database_url,
                "SKILL_ID": SKILL_ID,
                "VERIFY_SIGNATURES": True,
                "SECRET_KEY": SECRET_KEY,
                "CLOCK": lambda: NOW,
                **config,
            }
        )
        self.sockets: dict = {}  # waitress's socket map: the listener and every connection
        self.server = waitress.create_server(
            self.app, map=self.sockets, host="127.0.0.1", port=0, threads=4
        )
        self.base = f"http://127.0.0.1:{self.server.effective_port}"
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()

    def create_clinic(self, name: str, email: str) -> str:
        """Runs `aftercare clinic create` as a clinic's operator would; returns the link."""
        result = CliRunner().invoke(
            aftercare_command,
            ["clinic", "create", "--name", name, "--timezone", "Europe/London"]
            + ["--admin-email", email, "--base-url", self.base],
            env={
                "AFTERCARE_DATABASE_URL": self.database_url,
                "AFTERCARE_SKILL_ID": SKILL_ID,
                "AFTERCARE_SECRET_KEY": SECRET_KEY,
            },
        )
        assert result.exit_code == 0, result.output
        return LINK.search(result.output).group(0)

    def close(self) -> None:
        # Closed from inside waitress's own loop (closing its sockets from this
        # thread races with its select); with nothing left to watch the loop ends.
        def close_every_socket():
            for dispatcher in list(self.sockets.values()):
                dispatcher.close()

        self.server.trigger.pull_trigger(close_every_socket)
        self.thread.join(timeout=10)
        self.server.task_dispatcher.shutdown()
        get_store(self.app).dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(request, tmp_path_factory):
    with fresh_database(request.param, tmp_path_factory.mktemp("served")) as url:
        served = Served(url)
        yield served
        served.close()


def staff_page(browser, viewport=None):
    context = browser.new_context(
        java_script_enabled=False, viewport=viewport or {"width": 1000, "height": 800}
    )
    return context, context.new_page()


def choose_password(page, link):
    page.goto(link)
    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_label("The same password again").fill(PASSWORD)
    page.get_by_role("button", name="Save and sign in").click()


def test_a_clinic_records_a_treatment_and_sees_the_timeline(browser, served):
    context, page = staff_page(browser)
    choose_password(page, served.create_clinic("Bright Skin", "ann@bright.example"))
    assert page.url == f"{served.base}/portal/patients"

    # Sign out, and back in with the keyboard alone.
    page.get_by_role("button", name="Sign out").click()
    assert page.get_by_role("status").inner_text() == "You have signed out."
    assert page.get_by_label("Email").evaluate("field => field === document.activeElement")
    page.keyboard.type("ann@bright.example")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{served.base}/portal/patients")
    assert "Bright Skin · signed in as ann@bright.example" in page.inner_text("header")

    page.get_by_role("link", name="Add a patient").click()
    page.get_by_label("Full name").fill("Jane Doe")
    page.get_by_label("Clinic reference").fill("BS-0042")
    page.get_by_label("Date of birth").fill("1990-04-02")
    page.get_by_role("button", name="Add patient").click()
    patient_url = page.url
    assert re.fullmatch(rf"{served.base}/portal/patients/\d+", patient_url)

    page.get_by_role("link", name="Record a treatment").click()
    assert page.get_by_label("Time zone").input_value() == "Europe/London"
    assert page.get_by_label("Session number").input_value() == "1"
    page.get_by_label("Date").fill("2026-11-26")
    page.get_by_label("Time", exact=True).fill("14:30")
    page.get_by_label("Acne scars or other scars").check()
    page.get_by_label("Fine lines and wrinkles").check()
    page.get_by_role("button", name="Record treatment").click()

    assert page.url == patient_url
    timeline = page.get_by_role("table", name="Her aftercare timeline")
    rows = [row.inner_text().split("\t") for row in timeline.locator("tbody tr").all()]
    assert rows == [
        [
            "From Friday, November 27, 2:30 PM: always use sunblock of SPF 30 or higher, "
            "and wear a hat when you're outside.",
            "Started",
        ],
        ["Avoid makeup until Saturday, November 28, 2:30 PM", "In force"],
        [
            "Avoid swimming pools, saunas, and intense workouts until Sunday, November 29, 2:30 PM",
            "In force",
        ],
        [
            "Avoid sun tanning and prolonged direct sunlight until Thursday, December 3, 2:30 PM",
            "In force",
        ],
    ]
    assert page.get_by_text("Next session: between Thursday, December 24").is_visible()
    assert (
        page.locator("blockquote")
        .inner_text()
        .startswith(
            "It's been 43 hours since your treatment. Next, makeup is fine from 2:30 PM today"
        )
    )
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    # On a phone the same page reads without sideways scrolling.
    phone, phone_page = staff_page(browser, {"width": 390, "height": 844})
    phone.add_cookies(context.cookies())
    phone_page.goto(patient_url)
    assert phone_page.get_by_role("heading", name="Jane Doe").is_visible()
    assert phone_page.get_by_text("Sun tanning").first.bounding_box()["x"] < 390
    phone.close()

    # Another clinic's admin cannot reach her, not even by her address.
    other, other_page = staff_page(browser)
    choose_password(other_page, served.create_clinic("Glow Clinic", "gus@glow.example"))
    assert "Jane Doe" not in other_page.content()
    response = other_page.goto(patient_url)
    assert response.status == 404
    assert other_page.get_by_role("heading").first.inner_text() == "Page not found"
    assert "Jane Doe" not in other_page.content()
    other_page.goto(f"{served.base}/portal/patients?q=jane")
    assert "Jane Doe" not in other_page.content()
    other.close()
    context.close()
