"""How she is: "my face is swollen", "is redness normal?", "how long will the redness last?".

Every report of how she is lands here, expected, unexpected or fine; the core
classifies it against the sheet.
"""

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import request_util
from ask_sdk_model import Response

from skill.aftercare import answer_symptom

from .base import IntentHandler, answer, resolved_value

HOW_LONG_INTENT = "SymptomDurationIntent"


class SymptomHandler(IntentHandler):
    intents = ("SymptomIntent", HOW_LONG_INTENT)

    def handle(self, handler_input: HandlerInput) -> Response:
        resolved = resolved_value(handler_input, "symptom")
        speech = answer_symptom(
            self.services.sheet,
            resolved.id if resolved else None,
            resolved.name if resolved else None,
            self.turn(handler_input).aftercare,
            how_long=request_util.get_intent_name(handler_input) == HOW_LONG_INTENT,
        )
        return answer(handler_input, speech)
