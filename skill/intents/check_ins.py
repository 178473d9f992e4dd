"""Check-ins: after the sheet's answer to how she is, "Shall I let your clinic know?".

A linked patient's yes records a check-in for her clinic's inbox: the symptom
words as Alexa recognised them (the slot value and the value it resolved to),
when, and the treatment she was answered from. A patient who reported her own
treatment is asked instead, once a session, whether to link her clinic account;
her yes sends the Link Account card.

The question is kept in a session attribute for exactly one turn: every request
takes it out first (``OfferLastsOneTurn``), so a later "yes" to "What else would
you like to know?" can never send anything.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

from ask_sdk_core.dispatch_components import AbstractRequestInterceptor
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_intent_name
from ask_sdk_model import Response

from skill.aftercare import Speech, answer_symptom, in_locale
from skill.aftercare.check_ins import (
    CHECK_IN_NOT_SENT,
    LINKING_DECLINED,
    OFFER_CHECK_IN,
    OFFER_LINKING,
    check_in_sent,
    unexpected,
)
from skill.aftercare.dialogue import SAY_YES_OR_NO

from .base import IntentHandler, Turn, answer, ask
from .linking import send_link_account_card

log = logging.getLogger(__name__)

# The session attribute that holds the question she is answering, for one turn.
OFFER = "offer"
CHECK_IN = "check_in"
LINKING = "linking"
# A session attribute: she was asked once whether to link her clinic account; once is enough.
LINKING_OFFERED = "linking_offered"


@dataclass(frozen=True)
class CheckInOffer:
    """What a yes would send: how she is, as the skill recognised it."""

    heard: str | None  # the symptom slot's value: the words Alexa heard
    symptom_id: str | None  # the value they resolved to, if any
    symptom_name: str | None
    how_long: bool  # she asked how long it lasts; her answer said so


def _words(value: object) -> str | None:
    """Words kept in the session to store later: a short string, or nothing."""
    from skill.store.schema import CHECK_IN_WORDS_LENGTH  # SQLAlchemy, only when it is used

    if isinstance(value, str) and 0 < len(value) <= CHECK_IN_WORDS_LENGTH:
        return value
    return None


def _offer_from(raw: object) -> CheckInOffer | str | None:
    """The question a session attribute says she is answering; None when there is none
    (or it is not one the skill could have asked)."""
    if not isinstance(raw, dict):
        return None
    if raw.get("kind") == LINKING:
        return LINKING
    if raw.get("kind") != CHECK_IN:
        return None
    return CheckInOffer(
        heard=_words(raw.get("heard")),
        symptom_id=_words(raw.get("symptom_id")),
        symptom_name=_words(raw.get("symptom_name")),
        how_long=raw.get("how_long") is True,
    )


class OfferLastsOneTurn(AbstractRequestInterceptor):
    """Takes the question out of the session before any handler runs: only the
    very next turn can answer it."""

    def process(self, handler_input: HandlerInput) -> None:
        taken = None
        if handler_input.request_envelope.session is not None:
            taken = handler_input.attributes_manager.session_attributes.pop(OFFER, None)
        handler_input.attributes_manager.request_attributes[OFFER] = _offer_from(taken)


def _taken_offer(handler_input: HandlerInput) -> CheckInOffer | str | None:
    return handler_input.attributes_manager.request_attributes.get(OFFER)


def offer_check_in(
    handler_input: HandlerInput, turn: Turn, speech: Speech, offer: CheckInOffer
) -> Response:
    """The sheet's answer, then her clinic's offer, or for a patient without a
    clinic account, the offer to link one."""
    if handler_input.request_envelope.session is None:
        return answer(handler_input, speech)
    attributes = handler_input.attributes_manager.session_attributes
    if turn.clinic is not None:
        words = {name: _words(value) for name, value in asdict(offer).items() if name != "how_long"}
        attributes[OFFER] = {"kind": CHECK_IN, **words, "how_long": offer.how_long}
        question = OFFER_CHECK_IN
    elif attributes.get(LINKING_OFFERED):
        return answer(handler_input, speech)
    else:
        attributes[OFFER] = {"kind": LINKING}
        attributes[LINKING_OFFERED] = True
        question = OFFER_LINKING
    return ask(handler_input, speech, f"{question} {SAY_YES_OR_NO}", then=question)


class OfferAnswerHandler(IntentHandler):
    """Her yes or no to letting her clinic know, or to linking her clinic account."""

    intents = ("AMAZON.YesIntent", "AMAZON.NoIntent")

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return super().can_handle(handler_input) and _taken_offer(handler_input) is not None

    def handle(self, handler_input: HandlerInput) -> Response:
        offer = _taken_offer(handler_input)
        said_yes = is_intent_name("AMAZON.YesIntent")(handler_input)
        if offer == LINKING:
            if not said_yes:
                return answer(handler_input, LINKING_DECLINED)
            return send_link_account_card(handler_input, self.turn(handler_input))
        if not said_yes:
            return answer(handler_input, CHECK_IN_NOT_SENT)
        assert isinstance(offer, CheckInOffer)
        turn = self.turn(handler_input)
        if turn.linked is None:  # Alexa stopped sending her token: nothing to send it with
            return send_link_account_card(handler_input, turn)
        self._record(handler_input, turn, offer)
        return answer(handler_input, check_in_sent(self.services.sheet, offer.symptom_id))

    def _record(self, handler_input: HandlerInput, turn: Turn, offer: CheckInOffer) -> None:
        from skill.store import CheckIns, NewCheckIn, WebhookDeliveries
        from skill.webhooks import wake_senders

        patient = turn.linked
        assert patient is not None
        care = turn.aftercare
        sheet = self.services.sheet
        told = answer_symptom(sheet, offer.symptom_id, offer.symptom_name, care, offer.how_long)
        recorded = CheckIns(turn.session).record(
            NewCheckIn(
                patient_id=patient.id,
                heard=offer.heard,
                symptom_id=offer.symptom_id,
                symptom_name=offer.symptom_name,
                unexpected=unexpected(sheet, offer.symptom_id, care and care.elapsed),
                answer=in_locale(told, turn.locale).text,
                reported_at=turn.now,
                treated_at=care and care.treated_at,
                request_id=_words(handler_input.request_envelope.request.request_id),
            )
        )
        if recorded is None:
            log.info("check-in of patient %s was already recorded (a repeated request)", patient.id)
            return
        # Her clinic's webhook, if it has one, in the same transaction: never one without the other.
        queued = WebhookDeliveries(turn.session).enqueue(
            recorded, patient.id, self.services.clock()
        )
        turn.session.commit()
        log.info("check-in %s recorded for patient %s", recorded, patient.id)
        if queued is not None:
            wake_senders()  # sent from the sender's thread: this answer never waits for it
