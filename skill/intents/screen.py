"""The aftercare timeline on a screen: an APL document for devices that announce APL.

The document (``skill/alexa/apl/timeline-1.0.json``, versioned with the package)
is plain APL that lays the rows out; the words come from the core
(:func:`skill.aftercare.screen.timeline_screen`) as its datasource. A device that
did not announce ``Alexa.Presentation.APL`` gets voice only.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from ask_sdk_core.handler_input import HandlerInput

from skill.aftercare import Aftercare, Listener
from skill.aftercare.screen import timeline_screen

TIMELINE_DOCUMENT = "timeline-1.0.json"
TIMELINE_TOKEN = "aftercare-timeline"


@cache
def timeline_document() -> dict:
    """The APL document, read once from the package."""
    text = resources.files("skill.alexa").joinpath("apl", TIMELINE_DOCUMENT).read_text("utf-8")
    return json.loads(text)


def supports_apl(handler_input: HandlerInput) -> bool:
    device = handler_input.request_envelope.context.system.device
    interfaces = getattr(device, "supported_interfaces", None)
    return getattr(interfaces, "alexa_presentation_apl", None) is not None


def show_timeline(handler_input: HandlerInput, care: Aftercare, listener: Listener) -> None:
    """Puts the timeline on the device's screen, if it announced one."""
    if not supports_apl(handler_input):
        return
    # ask_sdk_model's APL package is some 150 modules: loaded by the first screen that
    # asks, not by every start.
    from ask_sdk_model.interfaces.alexa.presentation.apl import RenderDocumentDirective

    handler_input.response_builder.add_directive(
        RenderDocumentDirective(
            token=TIMELINE_TOKEN,
            document=timeline_document(),
            datasources=timeline_screen(care, listener),
        )
    )
