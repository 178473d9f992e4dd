"""The aftercare timeline for a screen: the data an APL document shows.

The rows are :func:`written_timeline`'s entries, the same ones the Alexa app's
card and the clinic portal show, so a screen can never say something else.
Everything here is words and flags; how it looks is the APL document's business.
"""

from __future__ import annotations

from .engine import Aftercare
from .phrasing import (
    Listener,
    spoken_elapsed,
    written_any_time,
    written_instant,
    written_next_session,
    written_timeline,
)

TITLE = "Your aftercare"
DONE_MARK = "✓"
WAITING_MARK = "•"


def timeline_screen(care: Aftercare, listener: Listener) -> dict:
    """The APL datasource ``timeline``: a heading, each milestone with its state
    (done ✓, or when it lifts), the next-session window and what holds any time."""
    elapsed = spoken_elapsed(care.elapsed)
    return {
        "timeline": {
            "type": "object",
            "title": TITLE,
            "since": f"{elapsed[:1].upper()}{elapsed[1:]} since your treatment",
            "treated": f"Treatment: {written_instant(care.treated_at, listener)}",
            "rows": [
                {
                    "mark": DONE_MARK if entry.reached else WAITING_MARK,
                    "done": entry.reached,
                    "text": entry.text,
                    "state": entry.state,
                }
                for entry in written_timeline(care, listener)
            ],
            "nextSession": f"Next session: {written_next_session(care, listener)}",
            "anyTime": list(written_any_time(care.sheet)),
        }
    }
