"""Amazon's built-in intents and requests, answered the way certification expects."""

import logging

from ask_sdk_core.dispatch_components import AbstractExceptionHandler, AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_request_type, request_util
from ask_sdk_model import Response
from ask_sdk_runtime.exceptions import DispatchException

from skill.aftercare import Speech
from skill.aftercare.dialogue import (
    APOLOGY,
    ASK_TREATMENT,
    ASK_TREATMENT_AGAIN,
    EXAMPLES,
    GOODBYE,
    HELP,
    HELP_BEFORE_TREATMENT,
    NOT_UNDERSTOOD,
    NOTHING_ELSE,
    SOMETHING_ELSE,
    TRY_AGAIN,
    WHAT_ELSE,
    WHAT_WOULD_YOU_LIKE,
)

from .base import IntentHandler, ask

log = logging.getLogger(__name__)


class HelpHandler(IntentHandler):
    intents = ("AMAZON.HelpIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        if self.turn(handler_input).aftercare is None:
            return ask(
                handler_input, HELP_BEFORE_TREATMENT, ASK_TREATMENT_AGAIN, then=ASK_TREATMENT
            )
        return ask(handler_input, HELP, f"{EXAMPLES} {WHAT_ELSE}", then=WHAT_WOULD_YOU_LIKE)


def _goodbye(handler_input: HandlerInput, speech: Speech) -> Response:
    builder = handler_input.response_builder
    return builder.speak(speech.ssml).set_should_end_session(True).response


class GoodbyeHandler(IntentHandler):
    intents = ("AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.NavigateHomeIntent")

    def handle(self, handler_input: HandlerInput) -> Response:
        return _goodbye(handler_input, GOODBYE)


class NoHandler(IntentHandler):
    """ "No thanks", "that's all" after "What else would you like to know?"."""

    intents = ("AMAZON.NoIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return _goodbye(handler_input, NOTHING_ELSE)


class YesHandler(IntentHandler):
    """A bare "yes" to "What else would you like to know?": what, then?"""

    intents = ("AMAZON.YesIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return ask(
            handler_input, SOMETHING_ELSE, f"{EXAMPLES} {WHAT_ELSE}", then=WHAT_WOULD_YOU_LIKE
        )


def _not_understood(handler_input: HandlerInput) -> Response:
    return ask(handler_input, NOT_UNDERSTOOD, f"{EXAMPLES} {WHAT_ELSE}", then=WHAT_WOULD_YOU_LIKE)


class FallbackHandler(IntentHandler):
    intents = ("AMAZON.FallbackIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return _not_understood(handler_input)


class UnknownIntentHandler(AbstractRequestHandler):
    """An intent this skill's model does not have: answered like Fallback, and logged."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("IntentRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        log.warning("unhandled intent %s", request_util.get_intent_name(handler_input))
        return _not_understood(handler_input)


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
        user_id = request_util.get_user_id(handler_input)
        if user_id:
            self.services.store.forget_user(user_id)
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
        return ask(handler_input, APOLOGY, f"{EXAMPLES} {WHAT_ELSE}", then=TRY_AGAIN)
