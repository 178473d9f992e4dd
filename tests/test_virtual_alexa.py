"""An outside client against the real server: Bespoken's virtual-alexa (Node),
reading our own interaction model, holds one conversation with ``aftercare serve``
(tests/virtual_alexa/conversation.js says what it expects)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import SKILL_ID

REPOSITORY = Path(__file__).parent.parent
CONVERSATION = Path(__file__).parent / "virtual_alexa" / "conversation.js"
VIRTUAL_ALEXA = REPOSITORY / "node_modules" / "virtual-alexa"
CONVERSATION_SECONDS = 120


@pytest.fixture
def node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not on PATH; virtual-alexa needs Node.js")
    if not VIRTUAL_ALEXA.is_dir():
        pytest.skip("run `npm ci` to install virtual-alexa; .ci/run does")
    return node


def test_virtual_alexa_holds_a_conversation_with_the_served_skill(node, serve):
    base = serve(
        # virtual-alexa cannot sign requests the way Alexa does.
        AFTERCARE_VERIFY_SIGNATURES="0",
        # The conversation's expected times are in UTC, and virtual-alexa sends no
        # device id, so the skill speaks in this default zone.
        AFTERCARE_DEFAULT_TIMEZONE="UTC",
    )
    conversation = subprocess.run(
        [node, str(CONVERSATION)],
        env={**os.environ, "AFTERCARE_SKILL_URL": f"{base}/alexa", "AFTERCARE_SKILL_ID": SKILL_ID},
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=CONVERSATION_SECONDS,
    )
    assert conversation.returncode == 0, (
        f"virtual-alexa's conversation failed (exit {conversation.returncode}):\n"
        f"{conversation.stdout}{conversation.stderr}"
    )
