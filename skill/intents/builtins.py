"""Amazon's built-in intents and requests, answered the way certification expects."""

import logging

from ask_sdk_core.dispatch_components import AbstractExceptionHandler, AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_request_type, request_util
from ask_sdk_model import Response
from ask_sdk_runtime.exceptions import DispatchException

from skill.aftercare import Speech

from .base import EXAMPLES, WHAT_ELSE, IntentHandler, ask

log = logging.getLogger(__name__)

HELP = Speech(
    "I answer questions from your clinic's microneedling aftercare sheet. First tell me when "
    "your treatment was, for example: I had my treatment yesterday at 2 PM. Then ask things "
    "like: can I wear makeup yet, when can I go swimming, what should I avoid right now, "
    "or when is my next session."
)
GOODBYE = Speech("Take care of your skin. Goodbye.")
NOT_UNDERSTOOD = Speech(
    "Sorry, I can't help with that. I answer questions from your aftercare sheet; "
    "for anything else, please ask your clinic."
)
APOLOGY = Speech("Sorry, something went wrong on my side.")


class HelpHandler(IntentHandler):
    intents = ("AMAZON.HelpIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return ask(handler_input, HELP, f"{EXAMPLES} {WHAT_ELSE}", then=WHAT_ELSE)


class GoodbyeHandler(IntentHandler):
    intents = ("AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.NavigateHomeIntent")

    def handle(self, handler_input: HandlerInput) -> Response:
        builder = handler_input.response_builder
        return builder.speak(GOODBYE.ssml).set_should_end_session(True).response


class FallbackHandler(IntentHandler):
    intents = ("AMAZON.FallbackIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return ask(handler_input, NOT_UNDERSTOOD, f"{EXAMPLES} {WHAT_ELSE}", then=EXAMPLES)


class UnknownIntentHandler(AbstractRequestHandler):
    """An intent this skill's model does not have: answered like Fallback, and logged."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("IntentRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        log.warning("unhandled intent %s", request_util.get_intent_name(handler_input))
        return ask(handler_input, NOT_UNDERSTOOD, f"{EXAMPLES} {WHAT_ELSE}", then=EXAMPLES)


class SessionEndedHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("SessionEndedRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        request = handler_input.request_envelope.request
        log.info("session ended: %s", getattr(request.reason, "value", request.reason))
        return handler_input.response_builder.response


class SkillDisabledHandler(IntentHandler):
    """Disabling the skill forgets what the patient told it."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("AlexaSkillEvent.SkillDisabled")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        self.turn(handler_input).forget_patient()
        return handler_input.response_builder.response


class OtherEventHandler(AbstractRequestHandler):
    """Events that need no answer, such as the skill being enabled."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return request_util.get_request_type(handler_input).startswith("AlexaSkillEvent.")

    def handle(self, handler_input: HandlerInput) -> Response:
        return handler_input.response_builder.response


class ApologyHandler(AbstractExceptionHandler):
    """Any fault inside a conversation: say sorry, offer a way on, log without patient data."""

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        request = handler_input.request_envelope.request
        # No handler for a request type is the sender's oddity; anything else is ours.
        level = logging.WARNING if isinstance(exception, DispatchException) else logging.ERROR
        log.log(
            level,
            "request %s (%s) failed: %s",
            getattr(request, "request_id", None),
            getattr(request, "object_type", None),
            type(exception).__name__,
        )
        return ask(
            handler_input,
            APOLOGY,
            f"{EXAMPLES} {WHAT_ELSE}",
            then="Please try again, or ask your clinic.",
        )
