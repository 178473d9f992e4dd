"""What every handler shares: the services, one turn's facts, and how to reply."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Generic, TypeVar

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_intent_name, request_util
from ask_sdk_model import Response
from ask_sdk_model.slu.entityresolution import StatusCode
from ask_sdk_model.ui import SimpleCard

from skill.aftercare import Aftercare, Listener, PatientSheet, Speech, TreatmentInFuture, in_locale
from skill.aftercare.dialogue import (
    CARD_TITLE,
    EXAMPLES,
    TREATMENT_UNKNOWN,
    WHAT_ELSE,
    ask_treatment_again,
    clinic_has_no_treatment,
)
from skill.config import USER_ID_MAX_LENGTH

from .screen import show_timeline

if TYPE_CHECKING:  # only annotations: `aftercare model check` imports the handlers without them
    from sqlalchemy.orm import Session

    from skill.alexa.settings_api import DeviceTimeZones
    from skill.store import LinkedPatient, PatientOnRecord, Store

# A session attribute: the patient opened the skill, so we keep the conversation going.
IN_CONVERSATION = "in_conversation"
# A request attribute: the request's one Turn, shared by its handler and interceptors.
TURN = "turn"
# Longer than any token this service issues: not worth hashing and looking up.
ACCESS_TOKEN_MAX_LENGTH = 512


@dataclass(frozen=True)
class Services:
    """What handlers need that lives as long as the app."""

    sheet: PatientSheet
    store: Store
    time_zones: DeviceTimeZones
    clock: Callable[[], datetime]  # only for a request that carries no timestamp


Value = TypeVar("Value")


class per_turn(Generic[Value]):
    """A Turn's value, computed on first use and kept on that Turn alone.

    Not functools.cached_property: on Python 3.11 it holds one lock per property for
    every instance, so one request's slow time-zone lookup held up every other request.
    A Turn belongs to one request and one thread, so it needs no lock at all.
    """

    def __init__(self, compute: Callable[[Turn], Value]) -> None:
        self._compute = compute
        self.__doc__ = compute.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    def __get__(self, turn: Turn | None, owner: type | None = None) -> Value:
        if turn is None:
            return self  # type: ignore[return-value]
        value = self._compute(turn)
        # The instance attribute now shadows this (non-data) descriptor.
        turn.__dict__[self._name] = value
        return value


class Turn:
    """One request's view of the patient: now, her zone and locale, who she is, her treatment.

    Every value is computed on first use, so a Stop or a fact question never
    touches the store or the Settings API.
    """

    def __init__(self, handler_input: HandlerInput, services: Services) -> None:
        self.handler_input = handler_input
        self.services = services

    @per_turn
    def now(self) -> datetime:
        # The request's own timestamp, so a replayed request gets the same answer.
        stamp = self.handler_input.request_envelope.request.timestamp
        if stamp is None:
            return self.services.clock()
        if stamp.tzinfo is None:  # Alexa always sends UTC ("Z"); a bare one is UTC too
            return stamp.replace(tzinfo=UTC)
        return stamp.astimezone(UTC)

    @per_turn
    def user_id(self) -> str | None:
        """Who the patient is, or None when the request says no one the store can hold."""
        user_id = request_util.get_user_id(self.handler_input)
        if not user_id or len(user_id) > USER_ID_MAX_LENGTH or "\x00" in user_id:
            return None  # Amazon's ids are short and plain; PostgreSQL refuses NUL
        try:
            user_id.encode("utf-8")  # JSON can carry a lone surrogate; no database can
        except UnicodeEncodeError:
            return None
        return user_id

    @per_turn
    def locale(self) -> str:
        """The request's locale, for words that need no time zone (and no Settings API)."""
        return request_util.get_locale(self.handler_input) or "en-US"

    @per_turn
    def listener(self) -> Listener:
        return Listener(self.services.time_zones.zone_for(self.handler_input), self.locale)

    @per_turn
    def session(self) -> Session:
        return self.services.store.request_session()

    @per_turn
    def access_token(self) -> str | None:
        """The account-linking token Alexa sent, once she linked her clinic account."""
        system = self.handler_input.request_envelope.context.system
        if system is None or system.user is None:
            return None
        return request_util.get_account_linking_access_token(self.handler_input) or None

    @per_turn
    def linked(self) -> LinkedPatient | None:
        """The clinic's patient her access token links to; None without a token,
        or with one that is unknown, expired or revoked."""
        token = self.access_token
        if token is None or len(token) > ACCESS_TOKEN_MAX_LENGTH:
            return None
        from skill.oauth.tokens import linked_patient  # Authlib, only for a linked account
        from skill.store import AccountLinks

        patient = linked_patient(self.session, token, self.now)
        if patient is not None and self.user_id and patient.alexa_user_id != self.user_id:
            # Remembered so that disabling the skill can unlink her.
            AccountLinks(self.session).learn_alexa_user(patient.link_id, self.user_id)
            self.session.commit()
        return patient

    @property
    def link_refused(self) -> bool:
        """She sent an access token that links to no one any more."""
        return self.access_token is not None and self.linked is None

    @property
    def clinic(self) -> str | None:
        """Her clinic's name, when she is a linked clinic patient."""
        return self.linked.clinic_name if self.linked is not None else None

    @per_turn
    def patient(self) -> PatientOnRecord | None:
        """Who the patient is, decided here and nowhere else: with an access
        token, the clinic's patient it links to (her clinic's record is
        authoritative, and a token that links to no one is no one); without,
        the patient who reported her own treatments, found by her Alexa user id.
        None before she has told us anything."""
        if self.access_token is not None:
            return self.linked
        if self.user_id is None:
            return None
        # The store's modules load SQLAlchemy, which `aftercare model check` (it
        # imports the handlers) does without: they are imported where used.
        from skill.store import SelfReportedPatients

        return SelfReportedPatients.find_in(self.services.store, self.user_id)

    @per_turn
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
        from skill.store import Treatments

        return 0 if self.patient is None else Treatments(self.session).count(self.patient.id)

    def record_treatment(self, treated_at: datetime) -> bool:
        """Saves a treatment she told us of; False without an Alexa account to keep it under."""
        if self.user_id is None:
            return False
        from skill.store import SelfReportedPatients

        SelfReportedPatients(self.session).record_treatment(
            self.user_id, treated_at, recorded_at=self.now
        )
        self.session.commit()
        for learned_before in ("patient", "aftercare"):
            self.__dict__.pop(learned_before, None)
        return True

    def forget_patient(self) -> None:
        """Deletes everything she told the skill and unlinks her clinic account
        (she disabled the skill)."""
        from skill.store import AccountLinks, SelfReportedPatients

        if self.user_id is not None:
            SelfReportedPatients(self.session).forget(self.user_id)
            AccountLinks(self.session).revoke_of_alexa_user(self.user_id, self.now)
        if self.linked is not None:
            AccountLinks(self.session).revoke(self.linked.link_id, self.now)
        self.session.commit()


class IntentHandler(AbstractRequestHandler):
    """Handles the intents named in ``intents``."""

    intents: tuple[str, ...] = ()

    def __init__(self, services: Services) -> None:
        self.services = services

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return any(is_intent_name(name)(handler_input) for name in self.intents)

    def turn(self, handler_input: HandlerInput) -> Turn:
        return turn_of(handler_input, self.services)


def turn_of(handler_input: HandlerInput, services: Services) -> Turn:
    """The request's Turn: made once, so what the handler learned, interceptors know too."""
    attributes = handler_input.attributes_manager.request_attributes
    turn = attributes.get(TURN)
    if turn is None:
        turn = attributes[TURN] = Turn(handler_input, services)
    return turn


class AftercareAnswerHandler(IntentHandler):
    """Answers from the patient's aftercare alone, with the core's ``compose``."""

    compose: Callable[[Aftercare, Listener], Speech]

    def handle(self, handler_input: HandlerInput) -> Response:
        turn = self.turn(handler_input)
        if turn.aftercare is None:
            return ask_for_treatment(handler_input, turn)
        show_timeline(handler_input, turn.aftercare, turn.listener)
        return answer(handler_input, self.compose(turn.aftercare, turn.listener))


def slot_value(handler_input: HandlerInput, name: str) -> str | None:
    """What Alexa heard for a slot, or None when the slot is absent or empty."""
    slot = request_util.get_slot(handler_input, name)
    return getattr(slot, "value", None) or None


@dataclass(frozen=True)
class Resolved:
    """A custom slot's value as entity resolution matched it."""

    id: str  # the value's id: a rule id, a symptom id
    name: str  # the value's canonical name: "swelling"


def resolved_value(handler_input: HandlerInput, slot_name: str) -> Resolved | None:
    """The value Alexa's entity resolution matched for a custom slot, if any."""
    slot = request_util.get_slot(handler_input, slot_name)
    resolutions = getattr(getattr(slot, "resolutions", None), "resolutions_per_authority", None)
    for authority in resolutions or ():
        if (
            authority.status
            and authority.status.code == StatusCode.ER_SUCCESS_MATCH
            and authority.values
        ):
            value = authority.values[0].value
            return Resolved(value.id, value.name)
    return None


def _speak(handler_input: HandlerInput, speech: Speech, follow_up: str | None = None):
    text = speech.text if follow_up is None else f"{speech.text} {follow_up}"
    said = in_locale(
        Speech(text, card=speech.card or speech.text), request_util.get_locale(handler_input)
    )
    builder = handler_input.response_builder
    builder.speak(said.ssml)
    return builder.set_card(SimpleCard(title=CARD_TITLE, content=said.card))


def _session_attributes(handler_input: HandlerInput) -> dict:
    """The session's attributes; a request outside a session has none and keeps none."""
    if handler_input.request_envelope.session is None:
        return {}
    return handler_input.attributes_manager.session_attributes


def start_conversation(handler_input: HandlerInput) -> None:
    _session_attributes(handler_input)[IN_CONVERSATION] = True


def in_conversation(handler_input: HandlerInput) -> bool:
    return bool(_session_attributes(handler_input).get(IN_CONVERSATION))


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
    reprompt_speech = in_locale(Speech(reprompt), request_util.get_locale(handler_input))
    return builder.ask(reprompt_speech.ssml).set_should_end_session(False).response


def ask_for_treatment(handler_input: HandlerInput, turn: Turn) -> Response:
    """Nothing can be timed before the treatment is known: ask for it, and once
    it is saved keep the conversation open for the question she came with. Her
    clinic's record she cannot change: then only say it has none yet."""
    if turn.clinic is not None:
        return answer(handler_input, clinic_has_no_treatment(turn.clinic))
    start_conversation(handler_input)
    question = ask_treatment_again(request_util.get_locale(handler_input))
    return ask(handler_input, TREATMENT_UNKNOWN, question, then=question)
