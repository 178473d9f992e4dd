"""Opening the skill: where the patient stands, or when her treatment was."""

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_request_type
from ask_sdk_model import Response

from skill.aftercare import answer_status
from skill.aftercare.dialogue import (
    ASK_TREATMENT,
    EXAMPLES,
    WELCOME,
    WHAT_ELSE,
    WHAT_WOULD_YOU_LIKE,
    ask_treatment_again,
    clinic_has_no_treatment,
)

from .base import IntentHandler, ask, show_timeline, start_conversation
from .linking import announce_link


class LaunchHandler(IntentHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("LaunchRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        start_conversation(handler_input)
        turn = self.turn(handler_input)
        if turn.linked is not None and not turn.linked.announced:
            return announce_link(handler_input, turn)
        if turn.aftercare is None and turn.clinic is not None:
            speech = clinic_has_no_treatment(turn.clinic)
            return ask(handler_input, speech, f"{EXAMPLES} {WHAT_ELSE}", then=WHAT_WOULD_YOU_LIKE)
        if turn.aftercare is None:
            return ask(handler_input, WELCOME, ask_treatment_again(turn.locale), then=ASK_TREATMENT)
        show_timeline(handler_input, turn.aftercare, turn.listener)
        status = answer_status(turn.aftercare, turn.listener)
        # Once the aftercare is over, the status itself asks about a new treatment.
        question = None if turn.aftercare.is_over else WHAT_WOULD_YOU_LIKE
        return ask(handler_input, status, f"{EXAMPLES} {WHAT_ELSE}", then=question)
