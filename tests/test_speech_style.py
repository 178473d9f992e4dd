"""The speech style, over every answer the tests record: the answer first, then
at most two sentences before the follow-up question (lists and timelines go on
the card)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

HERE = Path(__file__).parent
# A verdict opens the answer and is not a sentence of its own: "Not yet. Makeup is fine ..."
VERDICT = re.compile(
    r"(Yes|No|Not yet|Not for long|Maybe not|Now|Any time|Sure|Okay"
    r"|No, not [^.]+|Not until later [^.]+)\."
)


def _recorded_speech() -> list[tuple[str, str]]:
    spoken = []
    for path in sorted((HERE / "conversations").rglob("*.json")):
        for number, turn in enumerate(json.loads(path.read_text("utf-8"))["turns"], 1):
            spoken.append((f"{path.stem} turn {number}", turn["expect"].get("speech", "")))
    for path in sorted((HERE / "requests").glob("*.expected.json")):
        ssml = json.loads(path.read_text("utf-8"))["response"].get("outputSpeech", {})
        spoken.append((path.stem, re.sub(r"<[^>]+>", "", ssml.get("ssml", ""))))
    return [(name, text) for name, text in spoken if text]


def sentences_before_the_question(speech: str) -> list[str]:
    # Canada's "2 p.m." ends no sentence unless a capital follows it.
    sentences = re.split(
        r"(?<=[.?!])(?<!\b[ap]\.m\.)\s+|(?<=\b[ap]\.m\.)\s+(?=[A-Z])", speech.strip()
    )
    if len(sentences) > 1 and sentences[-1].startswith("For example") and "?" in sentences[-2]:
        sentences.pop()  # the question's example
    if sentences and sentences[-1].endswith("?"):
        sentences.pop()  # the follow-up question
    if len(sentences) > 1 and VERDICT.fullmatch(sentences[0]):
        sentences[:2] = [f"{sentences[0]} {sentences[1]}"]
    return sentences


def test_the_counting_itself():
    assert sentences_before_the_question("Not yet. Makeup is fine from 3 PM. What else?") == [
        "Not yet. Makeup is fine from 3 PM."
    ]
    assert len(sentences_before_the_question("One. Two. Three. What else?")) == 3
    assert sentences_before_the_question(
        "Not yet. Makeup is fine from 3 p.m. tomorrow. Until 2 p.m. Is that right?"
    ) == ["Not yet. Makeup is fine from 3 p.m. tomorrow.", "Until 2 p.m."]


@pytest.mark.parametrize(("where", "speech"), _recorded_speech())
def test_at_most_two_sentences_before_the_follow_up_question(where, speech):
    assert len(sentences_before_the_question(speech)) <= 2, speech
