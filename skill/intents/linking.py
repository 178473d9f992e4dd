"""Her clinic account: linking it, a link that has ended, and Alexa's linking events."""

from __future__ import annotations

import logging

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_intent_name, is_request_type
from ask_sdk_model import Response
from ask_sdk_model.ui import LinkAccountCard

from skill.aftercare import Speech, spoken_elapsed
from skill.aftercare.dialogue import (
    EXAMPLES,
    LINK_CARD_SENT,
    LINK_ENDED,
    WHAT_ELSE,
    WHAT_WOULD_YOU_LIKE,
    already_linked,
    now_linked,
)

from .base import IntentHandler, Turn, answer, ask

log = logging.getLogger(__name__)

# Leaving the skill needs no account.
GOODBYE_INTENTS = ("AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.NavigateHomeIntent")


def _link_account_card(handler_input: HandlerInput, speech: Speech) -> Response:
    builder = handler_input.response_builder
    builder.speak(speech.ssml).set_card(LinkAccountCard())
    return builder.set_should_end_session(True).response


class LinkEndedHandler(IntentHandler):
    """A request carrying an access token that links to no one any more (expired,
    revoked, unlinked by her clinic): a Link Account card, and no patient data."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        turn = self.turn(handler_input)
        if turn.access_token is None:  # most requests: asked first, as it is the cheapest
            return False
        if not (
            is_request_type("LaunchRequest")(handler_input)
            or is_request_type("IntentRequest")(handler_input)
        ):
            return False
        if any(is_intent_name(name)(handler_input) for name in GOODBYE_INTENTS):
            return False
        return turn.link_refused

    def handle(self, handler_input: HandlerInput) -> Response:
        log.info("request with an access token that links to no one")
        return _link_account_card(handler_input, LINK_ENDED)


class LinkAccountHandler(IntentHandler):
    """ "Link my clinic account"."""

    intents = ("LinkAccountIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return send_link_account_card(handler_input, self.turn(handler_input))


def send_link_account_card(handler_input: HandlerInput, turn: Turn) -> Response:
    """The Link Account card, unless she is linked already."""
    if turn.clinic is not None:
        return answer(handler_input, already_linked(turn.clinic))
    return _link_account_card(handler_input, LINK_CARD_SENT)


def announce_link(handler_input: HandlerInput, turn: Turn) -> Response:
    """The first launch after linking says, once, where her answers come from now."""
    from skill.store import AccountLinks, SelfReportedPatients

    linked = turn.linked
    assert linked is not None
    told_before = (
        turn.user_id is not None
        and SelfReportedPatients(turn.session).find(turn.user_id) is not None
    )
    care = turn.aftercare
    speech = now_linked(
        linked.clinic_name, spoken_elapsed(care.elapsed) if care else None, told_before
    )
    AccountLinks(turn.session).announce(linked.link_id, turn.now)
    turn.session.commit()
    return ask(handler_input, speech, f"{EXAMPLES} {WHAT_ELSE}", then=WHAT_WOULD_YOU_LIKE)


class AccountLinkedHandler(IntentHandler):
    """Alexa tells the skill she linked her account: remember which Alexa
    account holds the link, so that disabling the skill can end it."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("AlexaSkillEvent.SkillAccountLinked")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        body = getattr(handler_input.request_envelope.request, "body", None)
        token = getattr(body, "access_token", None)
        turn = self.turn(handler_input)
        if token and turn.user_id:
            from skill.oauth.tokens import linked_patient
            from skill.store import AccountLinks

            patient = linked_patient(turn.session, token, turn.now)
            if patient is not None:
                AccountLinks(turn.session).learn_alexa_user(patient.link_id, turn.user_id)
                turn.session.commit()
                log.info("account linked: link %s", patient.link_id)
        return handler_input.response_builder.response
