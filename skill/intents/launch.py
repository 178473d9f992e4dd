"""Opening the skill: where the patient stands, or when her treatment was."""

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_request_type
from ask_sdk_model import Response

from skill.aftercare import Speech, answer_status

from .base import (
    ASK_TREATMENT,
    ASK_TREATMENT_AGAIN,
    EXAMPLES,
    WHAT_ELSE,
    IntentHandler,
    ask,
    start_conversation,
)

WELCOME = Speech(
    "Welcome to Skin Aftercare. I can tell you when makeup, swimming, the gym and the sun "
    "are fine again after your microneedling treatment."
)


class LaunchHandler(IntentHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("LaunchRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        start_conversation(handler_input)
        turn = self.turn(handler_input)
        if turn.aftercare is None:
            return ask(handler_input, WELCOME, ASK_TREATMENT_AGAIN, then=ASK_TREATMENT)
        status = answer_status(turn.aftercare, turn.listener)
        # Once the aftercare is over, the status itself asks about a new treatment.
        question = None if turn.aftercare.is_over else "What would you like to know?"
        return ask(handler_input, status, f"{EXAMPLES} {WHAT_ELSE}", then=question)
