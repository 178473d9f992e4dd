"""What every handler shares: the services, one turn's facts, and how to reply."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_intent_name, request_util
from ask_sdk_model import Response
from ask_sdk_model.ui import SimpleCard
from sqlalchemy.orm import Session

from skill.aftercare import Aftercare, Listener, PatientSheet, Speech, TreatmentInFuture
from skill.alexa.settings_api import DeviceTimeZones
from skill.store import PatientOnRecord, SelfReportedPatients, Store, Treatments

CARD_TITLE = "Skin Aftercare"
# A session attribute: the patient opened the skill, so we keep the conversation going.
IN_CONVERSATION = "in_conversation"
WHAT_ELSE = "What else would you like to know?"
EXAMPLES = "You can ask, for example: can I wear makeup yet, or when can I go to the gym."


@dataclass(frozen=True)
class Services:
    """What handlers need that lives as long as the app."""

    sheet: PatientSheet
    store: Store
    time_zones: DeviceTimeZones
    clock: Callable[[], datetime]  # only for a request that carries no timestamp


class Turn:
    """One request's view of the patient: now, her zone and locale, who she is, her treatment.

    Every value is computed on first use, so a Stop or a fact question never
    touches the store or the Settings API.
    """

    def __init__(self, handler_input: HandlerInput, services: Services) -> None:
        self.handler_input = handler_input
        self.services = services

    @cached_property
    def now(self) -> datetime:
        # The request's own timestamp, so a replayed request gets the same answer.
        stamp = self.handler_input.request_envelope.request.timestamp
        if stamp is None:
            return self.services.clock()
        if stamp.tzinfo is None:  # Alexa always sends UTC ("Z"); a bare one is UTC too
            return stamp.replace(tzinfo=UTC)
        return stamp.astimezone(UTC)

    @cached_property
    def user_id(self) -> str | None:
        return request_util.get_user_id(self.handler_input)

    @cached_property
    def listener(self) -> Listener:
        locale = request_util.get_locale(self.handler_input) or "en-US"
        return Listener(self.services.time_zones.zone_for(self.handler_input), locale)

    @cached_property
    def session(self) -> Session:
        return self.services.store.request_session()

    @cached_property
    def patient(self) -> PatientOnRecord | None:
        """Who the patient is, decided here and nowhere else: today the patient
        who reported her own treatments, found by her Alexa user id (a linked
        clinic patient joins here next). None before she has told us anything."""
        if self.user_id is None:
            return None
        return SelfReportedPatients(self.session).find(self.user_id)

    @cached_property
    def aftercare(self) -> Aftercare | None:
        """The latest recorded treatment's aftercare, or None if none is known yet."""
        treated_at = None if self.patient is None else self.patient.latest_treatment
        if treated_at is None:
            return None
        try:
            return Aftercare(self.services.sheet, treated_at, self.now)
        except TreatmentInFuture:
            # Only a replayed request older than the recording lands here.
            return None

    @property
    def session_count(self) -> int:
        """How many treatments are recorded for her."""
        return 0 if self.patient is None else Treatments(self.session).count(self.patient.id)

    def record_treatment(self, treated_at: datetime) -> bool:
        """Saves a treatment she told us of; False without an Alexa account to keep it under."""
        if self.user_id is None:
            return False
        SelfReportedPatients(self.session).record_treatment(
            self.user_id, treated_at, recorded_at=self.now
        )
        self.session.commit()
        for learned_before in ("patient", "aftercare"):
            self.__dict__.pop(learned_before, None)
        return True

    def forget_patient(self) -> None:
        """Deletes everything she told the skill (she disabled it)."""
        if self.user_id is not None:
            SelfReportedPatients(self.session).forget(self.user_id)
            self.session.commit()


class IntentHandler(AbstractRequestHandler):
    """Handles the intents named in ``intents``."""

    intents: tuple[str, ...] = ()

    def __init__(self, services: Services) -> None:
        self.services = services

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return any(is_intent_name(name)(handler_input) for name in self.intents)

    def turn(self, handler_input: HandlerInput) -> Turn:
        return Turn(handler_input, self.services)


class AftercareAnswerHandler(IntentHandler):
    """Answers from the patient's aftercare alone, with the core's ``compose``."""

    compose: Callable[[Aftercare, Listener], Speech]

    def handle(self, handler_input: HandlerInput) -> Response:
        turn = self.turn(handler_input)
        if turn.aftercare is None:
            return ask_for_treatment(handler_input)
        return answer(handler_input, self.compose(turn.aftercare, turn.listener))


def slot_value(handler_input: HandlerInput, name: str) -> str | None:
    """What Alexa heard for a slot, or None when the slot is absent or empty."""
    slot = request_util.get_slot(handler_input, name)
    return getattr(slot, "value", None) or None


def _speak(handler_input: HandlerInput, speech: Speech, follow_up: str | None = None):
    text = speech.text if follow_up is None else f"{speech.text} {follow_up}"
    builder = handler_input.response_builder
    builder.speak(Speech(text).ssml)
    return builder.set_card(SimpleCard(title=CARD_TITLE, content=speech.card or speech.text))


def in_conversation(handler_input: HandlerInput) -> bool:
    return bool(handler_input.attributes_manager.session_attributes.get(IN_CONVERSATION))


def answer(handler_input: HandlerInput, speech: Speech) -> Response:
    """Speaks an answer. A one-shot question ends there; an opened skill asks what's next."""
    if in_conversation(handler_input):
        return ask(handler_input, speech, f"{EXAMPLES} {WHAT_ELSE}", then=WHAT_ELSE)
    return _speak(handler_input, speech).set_should_end_session(True).response


def ask(
    handler_input: HandlerInput, speech: Speech, reprompt: str, then: str | None = None
) -> Response:
    """Speaks (then asks ``then``, if given), and keeps the microphone open."""
    builder = _speak(handler_input, speech, then)
    return builder.ask(Speech(reprompt).ssml).set_should_end_session(False).response


ASK_TREATMENT = "When was your treatment?"
ASK_TREATMENT_AGAIN = "When was your treatment? For example, yesterday at 2 PM."


def ask_for_treatment(handler_input: HandlerInput) -> Response:
    """Nothing can be timed before the treatment is known: ask for it, and once
    it is saved keep the conversation open for the question she came with."""
    handler_input.attributes_manager.session_attributes[IN_CONVERSATION] = True
    speech = Speech("I don't know when your treatment was yet.")
    return ask(handler_input, speech, ASK_TREATMENT_AGAIN, then=ASK_TREATMENT_AGAIN)
