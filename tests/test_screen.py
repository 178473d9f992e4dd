"""The timeline on Echo Show screens: the APL document uses only documented
components and properties, and laid out (tests/apl/render.py, the same layout as
HTML) in headless Chromium it reads whole on a small round Echo Spot and a large
Echo Show 15. The picture goes to docs/screen-timeline.png for the README."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import sync_playwright

from skill.aftercare import Aftercare, Listener, default_sheet
from skill.aftercare.screen import timeline_screen
from skill.intents.screen import timeline_document
from tests.apl.render import render
from tests.portal.test_browser import CHROMIUM, CHROMIUM_FLAGS

SCHEMA = json.loads((Path(__file__).parent / "apl" / "components.json").read_text("utf-8"))
PICTURE = Path(__file__).parents[1] / "docs" / "screen-timeline.png"
# Sunday 29 November 2026, 7 AM in New York: two days after a Thursday 3 PM treatment,
# with some limits over and some still in force.
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
TREATED = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)
LISTENER = Listener(ZoneInfo("America/New_York"))
# Viewports in dp, as Amazon lists them: Echo Spot, Echo Show 8, Echo Show 15.
DEVICES = {
    "Echo Spot": (480, 480, "round"),
    "Echo Show 8": (1280, 800, "rectangle"),
    "Echo Show 15": (1920, 1080, "rectangle"),
}
RESOURCE = re.compile(r"^@(\w+)$")


def datasources() -> dict:
    return timeline_screen(Aftercare(default_sheet(), TREATED, NOW), LISTENER)


def components(item: dict):
    yield item
    for child in item.get("items", []):
        yield from components(child)


def test_the_document_uses_only_documented_properties():
    document = timeline_document()
    assert set(document) <= set(SCHEMA["document"]["properties"])
    assert set(document["mainTemplate"]) <= set(SCHEMA["mainTemplate"]["properties"])
    resources = {}
    for block in document["resources"]:
        assert set(block) <= set(SCHEMA["resources"]["properties"]), block
        for kind in ("colors", "dimensions", "strings"):
            resources.update(block.get(kind, {}))
    found = list(c for top in document["mainTemplate"]["items"] for c in components(top))
    assert {c["type"] for c in found} == {"Frame", "Container", "Sequence", "Text"}
    common = set(SCHEMA["components"]["*"]["properties"])
    for component in found:
        allowed = common | set(SCHEMA["components"][component["type"]]["properties"])
        assert set(component) <= allowed, (component["type"], set(component) - allowed)
        for name, value in component.items():
            if name in SCHEMA["values"] and not str(value).startswith(("@", "${")):
                assert value in SCHEMA["values"][name], (name, value)
            if isinstance(value, str) and (match := RESOURCE.match(value)):
                assert match[1] in resources, f"{value} is not a resource"
    # Viewport conditions name only documented viewport properties.
    conditions = [b["when"] for b in document["resources"] if "when" in b]
    conditions += [c["when"] for c in found if "when" in c]
    viewport_properties = set(re.findall(r"viewport\.(\w+)", " ".join(conditions)))
    assert viewport_properties <= set(SCHEMA["viewport_properties"]["properties"])


def test_the_datasource_is_the_cards_timeline():
    care = Aftercare(default_sheet(), TREATED, NOW)
    rows = datasources()["timeline"]["rows"]
    card = __import__("skill.aftercare", fromlist=["timeline_card"]).timeline_card(care, LISTENER)
    assert [row["text"] for row in rows] == card.splitlines()[1 : 1 + len(rows)]
    assert [row["mark"] for row in rows] == ["✓", "✓", "•", "•"]


def test_a_round_screen_leaves_out_what_does_not_fit():
    spot = render(timeline_document(), datasources(), *DEVICES["Echo Spot"])
    show = render(timeline_document(), datasources(), *DEVICES["Echo Show 15"])
    assert "Treatment: Thursday, November 26, 3 PM" in show
    assert "Treatment: Thursday, November 26, 3 PM" not in spot
    assert "font-size:64px" in show and "font-size:30px" in spot


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed (.ci/run installs it)")
def test_every_row_reads_whole_on_each_screen():
    document, data = timeline_document(), datasources()
    rows = [row["text"] for row in data["timeline"]["rows"]]
    boxes = "".join(
        f'<figure><div class="screen {shape}" style="width:{width}px;height:{height}px" '
        f'data-device="{name}">{render(document, data, width, height, shape)}</div>'
        f"<figcaption>{name}</figcaption></figure>"
        for name, (width, height, shape) in DEVICES.items()
    )
    page_html = (
        "<!doctype html><html><head><meta charset='utf-8'><style>"
        "body{margin:0;font-family:'DejaVu Sans',sans-serif}"
        "main{display:inline-flex;align-items:flex-end;gap:24px;padding:24px;background:#e8edf0}"
        "figure{margin:0;display:flex;flex-direction:column;align-items:center}"
        "figcaption{margin-top:10px;color:#33444d;font-size:28px}"
        ".screen{overflow:hidden;border:12px solid #1b1f22;box-sizing:content-box}"
        ".screen.round{border-radius:50%}.screen.rectangle{border-radius:18px}"
        "</style></head><body><main>" + boxes + "</main></body></html>"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 3900, "height": 1200})
            page.set_content(page_html)
            for name, (_, _, shape) in DEVICES.items():
                screen = page.locator(f'[data-device="{name}"]').bounding_box()
                shown = rows if shape == "rectangle" else rows[2:]  # a round one: what's to come
                for text in shown:
                    line = page.locator(f'[data-device="{name}"]').get_by_text(text, exact=True)
                    box = line.bounding_box()
                    # Each row is on the screen, whole: not cut off at the side or the bottom.
                    assert screen["x"] <= box["x"], (name, text)
                    assert box["x"] + box["width"] <= screen["x"] + screen["width"], (name, text)
                    assert box["y"] + box["height"] <= screen["y"] + screen["height"], (name, text)
            PICTURE.parent.mkdir(exist_ok=True)
            # The picture at 45%, so it reads in a README beside the others.
            small = browser.new_page(viewport={"width": 2000, "height": 700})
            small.set_content(page_html.replace("<body>", "<body style='zoom:0.45'>"))
            small.locator("main").screenshot(path=str(PICTURE))
        finally:
            browser.close()
