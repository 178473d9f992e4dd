"""Every statement of the clinic's sheet is reached by something a patient says,
and docs/sheet-coverage.md shows it: the statement, the utterance, the answer.

The document is generated here, so it cannot drift; after a deliberate change,
rewrite it with ``AFTERCARE_UPDATE_GOLDEN=1 pytest tests/test_sheet_coverage.py``
and read the diff. The test fails when a statement of the sheet has no utterance.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from skill.tools.replay import spoken_text
from skill.tools.transport import InProcess
from skill.tools.utterances import Heard, InteractionModel, Session, envelope

REPOSITORY = Path(__file__).parents[1]
DOCUMENT = REPOSITORY / "docs" / "sheet-coverage.md"
SHEET_NAME = "microneedling-patient-sheet.txt"
PATIENT = "amzn1.ask.account.COVERAGE"
ZONE = "America/New_York"
TREATED = "2026-11-26T15:00:00-05:00"  # Thursday 26 November 2026, 3 PM in New York
ASKED = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # the next morning, 10 AM

# Each statement of the sheet, in its order, with what a patient says to reach it
# and words of the statement the answer must carry.
COVERAGE: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "Micro needling is a minimally invasive cosmetic procedure that uses small sterilized "
        "needles to prick the skin.",
        [("what is microneedling", "minimally invasive cosmetic procedure")],
    ),
    (
        "It generates new collagen and skin tissue for smoother, firmer and more toned skin.",
        [("tell me about microneedling", "new collagen and skin tissue")],
    ),
    (
        "Micro needling is mostly used on the face, it reduces the appearance of acne and treats "
        "various scars, stretch marks, wrinkles, and large pores.",
        [("what does microneedling treat", "used on the face")],
    ),
    (
        "It's also used in certain anti-aging procedures, such as eyelid surgery and sun spots.",
        [("is microneedling good for anti aging", "anti-aging procedures")],
    ),
    ("It encourages your skin to make more collagen.", [("how does it work", "more collagen")]),
    (
        "The pinpricks from the procedure cause slight injury to the skin and the skin responds "
        "by making new collagen-rich tissue.",
        [("how does microneedling work", "slight injury")],
    ),
    (
        "The new skin tissue is more in tone and texture.",
        [("does it improve skin texture", "tone and texture")],
    ),
    ("Small pricks under the skin with a pen-like tool.", [("what tool do they use", "pen-like")]),
    (
        "The pinpricks are so small that you likely won't notice them after the procedure.",
        [("will I have needle marks", "won't notice them")],
    ),
    (
        "Before getting started by 15-20 minutes, a topical anesthetic will be applied to reduce "
        "the chances of pain.",
        [("does it hurt", "topical anesthetic")],
    ),
    (
        "After the procedure, a serum or calming treatment might also be applied.",
        [("will the treatment hurt", "serum or calming treatment")],
    ),
    (
        "Micro needling is most often used on your face to target: acne scars or other type of "
        "scars",
        [("does it help with acne scars", "scarring related to acne")],
    ),
    (
        "Micro needling is most often used on your face to target: age spots (sun spots)",
        [("does it help with sun spots", "age spots")],
    ),
    (
        "Micro needling is most often used on your face to target: Dark spots or patches "
        "(hyperpigmentation)",
        [("does it treat hyperpigmentation", "dark spots or patches")],
    ),
    (
        "Micro needling is most often used on your face to target: fine lines and wrinkles",
        [("does it help with wrinkles", "fine lines and wrinkles")],
    ),
    (
        "Micro needling is most often used on your face to target: large pores",
        [("will it reduce my pores", "large pores")],
    ),
    (
        "Micro needling is most often used on your face to target: reduced skin elasticity",
        [("can it help with sagging skin", "reduced skin elasticity")],
    ),
    (
        "Micro needling is most often used on your face to target: uneven skin tone",
        [("does it help with uneven skin tone", "uneven skin tone")],
    ),
    (
        "Micro needling is most often used on your face to target: stretch marks",
        [("does it work on stretch marks", "stretch marks")],
    ),
    (
        "Micro needling is safe, minimally invasive, requiring no downtime.",
        [
            ("is microneedling safe", "safe and minimally invasive"),
            ("is there any downtime", "no downtime"),
        ],
    ),
    (
        "You may not be an ideal candidate for micro needling if: pregnant",
        [("can I have microneedling if I'm pregnant", "if you're pregnant")],
    ),
    (
        "You may not be an ideal candidate for micro needling if: have certain skin diseases, "
        "such as psoriasis or eczema",
        [("can I have microneedling with eczema", "psoriasis or eczema")],
    ),
    (
        "You may not be an ideal candidate for micro needling if: have open wounds",
        [("is it safe with an open wound", "open wounds")],
    ),
    (
        "You may not be an ideal candidate for micro needling if: have had radiation therapy "
        "recently",
        [("I had radiation therapy can I have microneedling", "radiation therapy recently")],
    ),
    (
        "You may not be an ideal candidate for micro needling if: have a history of significant "
        "skin scars (keloids)",
        [("can I have microneedling if I have keloids", "keloid scars")],
    ),
    (
        "You may not be an ideal candidate for micro needling if: using certain acne medications",
        [("can I have microneedling while on acne medication", "certain acne medications")],
    ),
    (
        "Total preparation and procedure time is maximum 30-45 minutes.",
        [("how long does the treatment take", "30 to 45 minutes")],
    ),
    (
        "Results start to show after four to six weeks of treatment, but you may need at least "
        "four sessions for the best results.",
        [
            ("when will I see results", "four to six weeks"),
            ("is one session enough", "at least four sessions"),
        ],
    ),
    (
        "Each session must be spaced between four and six weeks apart.",
        [("when is my next session", "4 to 6 weeks")],
    ),
    (
        "Minor redness and irritation for a few days after the procedure.",
        [("is redness normal", "for a few days"), ("how long will the redness last", "A few days")],
    ),
    (
        "You can go back to work after the procedure if you're comfortable.",
        [("can I go back to work", "if you're comfortable")],
    ),
    (
        "Avoid sun tanning and prolonged exposure to direct sunlight for at least 1 week.",
        [
            ("can I go tanning", "no sun tanning until"),
            ("can I go in the sun", "prolonged direct sunlight"),
        ],
    ),
    (
        "After 24 hours, always use sunblock (30 SPF or higher) and wear a hat if you're outside.",
        [("can I wear sunscreen", "SPF 30 or higher"), ("should I wear a hat", "wear a hat")],
    ),
    (
        "Use a painkiller if you experience any soreness.",
        [("can I take a painkiller", "use a painkiller"), ("can I take ibuprofen", "painkiller")],
    ),
    (
        "You will need to wait at least 48 hours before any makeup products can be applied to "
        "the skin.",
        [("can I wear makeup", "Makeup is fine from"), ("can I wear mascara yet", "makeup")],
    ),
    (
        "Wash your hands before you touch your face.",
        [("can I touch my face", "Wash your hands")],
    ),
    (
        "In the first 72 hours, you need to avoid swimming pools, saunas, and situations where "
        "you might sweat heavily, including intense workouts at the gym.",
        [
            ("can I go swimming", "Swimming pools are fine"),
            ("when can I use the sauna", "Saunas are fine"),
            ("can I go to the gym", "Intense workouts and heavy sweating"),
        ],
    ),
    (
        "The overall cost depends on the size of the area being worked on.",
        [("how much does it cost", "size of the area")],
    ),
    (
        "It's considered effective in treating minor scarring related to acne, wounds, and aging.",
        [("does it work on scars", "minor scarring")],
    ),
    (
        "You'll notice brighter and firmer skin.",
        [("will my skin look brighter", "brighter and firmer")],
    ),
    (
        "Ideal results are achieved after multiple sessions.",
        [("what results can I expect", "multiple sessions")],
    ),
    (
        "Micro needling is far more effective than at-home rollers.",
        [
            ("is microneedling better than a derma roller", "far more effective"),
            ("can I use a derma roller", "far more effective"),
        ],
    ),
]


def sheet_statements(text: str) -> list[str]:
    """The sheet's statements, in order: each sentence of a paragraph or bullet, and
    each item of a list as its introduction plus the item; headings left out."""
    statements: list[str] = []
    intro, items = None, 0
    for line in text.replace("\u2019", "'").splitlines():
        stripped = line.strip()
        if not stripped:
            if items:  # a blank line ends a list, not the gap after its introduction
                intro, items = None, 0
            continue
        bullet = stripped.startswith("•")
        body = stripped.lstrip("•").strip()
        if intro is not None and bullet:
            statements.append(f"{intro} {body}")
            items += 1
        elif body.endswith(":"):
            intro, items = body, 0
        elif bullet or body.endswith("."):  # anything else is a heading
            statements += re.split(r"(?<=\.)\s+(?=[A-Z])", body)
    return statements


def _clinic_sheet() -> Path | None:
    """The clinic's sheet, in a shared folder beside the repository or a folder above it."""
    for folder in REPOSITORY.parents:
        candidate = folder / "shared" / SHEET_NAME
        if candidate.exists():
            return candidate
    return None


@pytest.fixture(scope="module")
def answers(tmp_path_factory) -> dict[str, tuple[str, str]]:
    """Each utterance: the intent it reaches, and the answer spoken (a one-shot question)."""
    model = InteractionModel.load()
    database = tmp_path_factory.mktemp("coverage") / "coverage.sqlite3"
    transport = InProcess(
        f"sqlite:///{database}", ZONE, {PATIENT: [datetime.fromisoformat(TREATED)]}
    )
    heard_answers = {}
    try:
        for number, (utterance, _) in enumerate(
            (pair for _, pairs in COVERAGE for pair in pairs), 1
        ):
            heard = model.understand(utterance, now=ASKED, zone=ZoneInfo(ZONE))
            assert isinstance(heard, Heard), f"{utterance!r} is not understood"
            request = envelope(
                heard,
                now=ASKED,
                session=Session(f"amzn1.echo-api.session.coverage-{number}"),
                user_id=PATIENT,
                device_id="amzn1.ask.device.COVERAGE",
                request_number=number,
            )
            heard_answers[utterance] = (heard.intent, spoken_text(transport.send(request)))
    finally:
        transport.close()
    return heard_answers


def coverage_document(answers: dict[str, tuple[str, str]]) -> str:
    lines = [
        "# The sheet, statement by statement",
        "",
        "Generated by `tests/test_sheet_coverage.py`; do not edit by hand (after a change,",
        "`AFTERCARE_UPDATE_GOLDEN=1 pytest tests/test_sheet_coverage.py` rewrites it).",
        "",
        f"Every statement of the clinic's `{SHEET_NAME}`, in the sheet's order, with",
        "what a patient says to reach it, the intent the interaction model gives it, and",
        "the answer the skill speaks to a one-shot question. Her treatment was on",
        "Thursday, November 26, 2026 at 3 PM in New York; she asks the next morning at",
        "10 AM.",
        "",
        "| # | The sheet says | She says | Intent | The skill answers |",
        "|---|---|---|---|---|",
    ]
    for number, (statement, pairs) in enumerate(COVERAGE, 1):
        for utterance, _ in pairs:
            intent, answer = answers[utterance]
            lines.append(f"| {number} | {statement} | “{utterance}” | {intent} | {answer} |")
            number, statement = "", "〃"
    return "\n".join(lines) + "\n"


@pytest.mark.skipif(_clinic_sheet() is None, reason="the clinic's sheet is not beside the repo")
def test_every_statement_of_the_sheet_has_an_utterance():
    statements = sheet_statements(_clinic_sheet().read_text("utf-8"))
    covered = [statement for statement, pairs in COVERAGE if pairs]
    missing = [s for s in statements if s not in covered]
    assert missing == []
    assert covered == statements  # in the sheet's order, and nothing the sheet doesn't say


def test_each_answer_carries_the_statement(answers):
    wrong = [
        f"{utterance!r}: {answers[utterance][1]!r} lacks {shows!r}"
        for _, pairs in COVERAGE
        for utterance, shows in pairs
        if shows not in answers[utterance][1]
    ]
    assert wrong == []


def test_the_coverage_document_is_generated(answers):
    document = coverage_document(answers)
    if os.environ.get("AFTERCARE_UPDATE_GOLDEN") == "1":
        DOCUMENT.write_text(document, "utf-8")
    assert DOCUMENT.exists() and DOCUMENT.read_text("utf-8") == document, (
        "docs/sheet-coverage.md is not what the test generates; "
        "rewrite it with AFTERCARE_UPDATE_GOLDEN=1 and review the diff"
    )


def test_the_statements_are_read_as_the_sheet_writes_them():
    text = (
        "Heading\n\nA first. A second.\n  • A bullet.\nList:\n\n  • one\n  • two\n\n"
        "What to expect?\n  • Intro:\n      • three\n"
    )
    assert sheet_statements(text) == [
        "A first.",
        "A second.",
        "A bullet.",
        "List: one",
        "List: two",
        "Intro: three",
    ]
