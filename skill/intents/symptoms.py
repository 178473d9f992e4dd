"""How she is: "my face is swollen", "is redness normal?", "how long will the redness last?".

Every report of how she is lands here, expected, unexpected or fine; the core
classifies it against the sheet. Then she is asked whether to let her clinic
know (``check_ins``).
"""

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import request_util
from ask_sdk_model import Response

from skill.aftercare import answer_symptom

from .base import IntentHandler, resolved_value, slot_value
from .check_ins import CheckInOffer, offer_check_in

HOW_LONG_INTENT = "SymptomDurationIntent"


class SymptomHandler(IntentHandler):
    intents = ("SymptomIntent", HOW_LONG_INTENT)

    def handle(self, handler_input: HandlerInput) -> Response:
        resolved = resolved_value(handler_input, "symptom")
        offer = CheckInOffer(
            heard=slot_value(handler_input, "symptom"),
            symptom_id=resolved.id if resolved else None,
            symptom_name=resolved.name if resolved else None,
            how_long=request_util.get_intent_name(handler_input) == HOW_LONG_INTENT,
        )
        turn = self.turn(handler_input)
        speech = answer_symptom(
            self.services.sheet,
            offer.symptom_id,
            offer.symptom_name,
            turn.aftercare,
            offer.how_long,
        )
        return offer_check_in(handler_input, turn, speech, offer)
