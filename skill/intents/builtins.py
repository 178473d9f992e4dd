"""Amazon's built-in intents and requests, answered the way certification expects."""

import logging

from ask_sdk_core.dispatch_components import AbstractExceptionHandler, AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_request_type, request_util
from ask_sdk_model import Response
from ask_sdk_model.canfulfill import (
    CanFulfillIntent,
    CanFulfillIntentValues,
    CanFulfillSlot,
    CanFulfillSlotValues,
    CanUnderstandSlotValues,
)
from ask_sdk_model.slu.entityresolution import StatusCode
from ask_sdk_runtime.exceptions import DispatchException

from skill.aftercare import Speech, in_locale
from skill.aftercare.dialogue import (
    APOLOGY,
    ASK_TREATMENT,
    EXAMPLES,
    GOODBYE,
    HELP,
    NOT_UNDERSTOOD,
    NOTHING_ELSE,
    SOMETHING_ELSE,
    TRY_AGAIN,
    WHAT_ELSE,
    WHAT_WOULD_YOU_LIKE,
    ask_treatment_again,
    help_before_treatment,
)
from skill.log_values import clipped

from .base import IntentHandler, ask

log = logging.getLogger(__name__)


class HelpHandler(IntentHandler):
    intents = ("AMAZON.HelpIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        turn = self.turn(handler_input)
        if turn.aftercare is None and turn.clinic is None:
            return ask(
                handler_input,
                help_before_treatment(turn.locale),
                ask_treatment_again(turn.locale),
                then=ASK_TREATMENT,
            )
        return ask(handler_input, HELP, f"{EXAMPLES} {WHAT_ELSE}", then=WHAT_WOULD_YOU_LIKE)


def _goodbye(handler_input: HandlerInput, speech: Speech) -> Response:
    said = in_locale(speech, request_util.get_locale(handler_input))
    builder = handler_input.response_builder
    return builder.speak(said.ssml).set_should_end_session(True).response


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
        log.warning("unhandled intent %s", clipped(request_util.get_intent_name(handler_input)))
        return _not_understood(handler_input)


class SessionEndedHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("SessionEndedRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        request = handler_input.request_envelope.request
        log.info("session ended: %s", clipped(getattr(request.reason, "value", request.reason)))
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


class CanFulfillHandler(AbstractRequestHandler):
    """Alexa asks, before sending an intent, whether the skill could answer it.

    The answer must change nothing and say nothing: only canFulfillIntent. The skill
    can answer its own intents, given slots it understands; an activity outside the
    sheet is understood by no one here.
    """

    def __init__(self, intents: set[str]) -> None:
        self._intents = intents

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("CanFulfillIntentRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        intent = handler_input.request_envelope.request.intent
        slots = {
            name: _can_fulfill_slot(slot)
            for name, slot in ((intent.slots or {}) if intent else {}).items()
            if slot is not None and slot.value
        }
        known = intent is not None and intent.name in self._intents
        understood = all(
            slot.can_understand is CanUnderstandSlotValues.YES for slot in slots.values()
        )
        verdict = CanFulfillIntentValues.YES if known and understood else CanFulfillIntentValues.NO
        builder = handler_input.response_builder
        return builder.set_can_fulfill_intent(
            CanFulfillIntent(can_fulfill=verdict, slots=slots)
        ).response


def _can_fulfill_slot(slot) -> CanFulfillSlot:
    resolutions = getattr(slot.resolutions, "resolutions_per_authority", None) or []
    matched = not resolutions or any(
        authority.status and authority.status.code == StatusCode.ER_SUCCESS_MATCH
        for authority in resolutions
    )
    if matched:
        return CanFulfillSlot(
            can_understand=CanUnderstandSlotValues.YES, can_fulfill=CanFulfillSlotValues.YES
        )
    return CanFulfillSlot(
        can_understand=CanUnderstandSlotValues.NO, can_fulfill=CanFulfillSlotValues.NO
    )


class ConnectionsResponseHandler(AbstractRequestHandler):
    """The answer to a Connections request. This skill sends none, so nothing is
    pending: the patient is back in the skill, and is asked what she would like."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("Connections.Response")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        return ask(handler_input, Speech(EXAMPLES), f"{EXAMPLES} {WHAT_ELSE}", then=WHAT_ELSE)


class ExceptionEncounteredHandler(AbstractRequestHandler):
    """Alexa reports that the skill's last response was unusable; it takes no answer."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("System.ExceptionEncountered")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        error = getattr(handler_input.request_envelope.request, "error", None)
        log.warning(
            "Alexa could not use a response: %s", clipped(getattr(error, "object_type", None))
        )
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
            clipped(getattr(request, "request_id", None)),
            clipped(getattr(request, "object_type", None)),
            type(exception).__name__,
        )
        return ask(handler_input, APOLOGY, f"{EXAMPLES} {WHAT_ELSE}", then=TRY_AGAIN)
