"""Recording when the treatment was: "I had my treatment yesterday at 2 PM".

The skill runs the dialog itself (delegationStrategy SKILL_RESPONSE) so that
every prompt can speak dates the way the listener says them, ask again when a
value is too vague, and confirm the exact instant before anything is saved.
"""

from datetime import datetime

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Intent, IntentConfirmationStatus, Response, Slot, SlotConfirmationStatus
from ask_sdk_model.dialog import ConfirmIntentDirective, ElicitSlotDirective

from skill.aftercare import (
    Aftercare,
    Speech,
    answer_future_treatment,
    answer_status,
    spoken_instant,
)
from skill.alexa.slot_time import PartOfDay, parse_clock_time, treatment_day

from .base import ASK_TREATMENT, ASK_TREATMENT_AGAIN, IntentHandler, Turn, answer, ask, slot_value

ASK_DAY = "Which day was it? For example, last Monday, or November 25th."
ASK_TIME = "About what time was it? For example, 2 PM."


def _intent_with(intent: Intent, **values: str | None) -> Intent:
    """The intent as it stands, with some slots set or cleared, to send back to Alexa."""
    slots = {
        name: Slot(
            name=name,
            value=values[name] if name in values else request_slot.value,
            confirmation_status=SlotConfirmationStatus.NONE,
        )
        for name, request_slot in (intent.slots or {}).items()
    }
    for name in values.keys() - slots.keys():
        slots[name] = Slot(
            name=name, value=values[name], confirmation_status=SlotConfirmationStatus.NONE
        )
    return Intent(name=intent.name, slots=slots, confirmation_status=IntentConfirmationStatus.NONE)


def _elicit(
    handler_input: HandlerInput, slot: str, speech: str, reprompt: str, **cleared
) -> Response:
    intent = _intent_with(handler_input.request_envelope.request.intent, **cleared)
    handler_input.response_builder.add_directive(
        ElicitSlotDirective(updated_intent=intent, slot_to_elicit=slot)
    )
    return ask(handler_input, Speech(speech), reprompt)


class RecordTreatmentHandler(IntentHandler):
    intents = ("RecordTreatmentIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        intent = handler_input.request_envelope.request.intent
        turn = self.turn(handler_input)
        if intent.confirmation_status == IntentConfirmationStatus.DENIED:
            return _elicit(
                handler_input,
                "date",
                f"Okay, let's try again. {ASK_TREATMENT}",
                ASK_TREATMENT_AGAIN,
                date=None,
                time=None,
            )
        date_value = slot_value(handler_input, "date")
        if not date_value:
            return _elicit(handler_input, "date", ASK_TREATMENT, ASK_TREATMENT_AGAIN)
        day = treatment_day(date_value, turn.listener.day_of(turn.now))
        if day is None:
            return _elicit(handler_input, "date", ASK_DAY, ASK_DAY, date=None)
        clock = parse_clock_time(slot_value(handler_input, "time"))
        if clock is None:
            return _elicit(handler_input, "time", ASK_TIME, ASK_TIME, time=None)
        if isinstance(clock, PartOfDay):
            question = f"About what time in the {clock.name}? For example, {clock.example}."
            return _elicit(handler_input, "time", question, question, time=None)
        treated_at = datetime.combine(day, clock, tzinfo=turn.listener.zone)
        if treated_at > turn.now:
            speech = answer_future_treatment(treated_at, turn.now, turn.listener).text
            return _elicit(handler_input, "date", speech, ASK_TREATMENT_AGAIN, date=None, time=None)
        if intent.confirmation_status != IntentConfirmationStatus.CONFIRMED:
            return self._confirm(handler_input, turn, treated_at)
        return self._record(handler_input, turn, treated_at)

    def _confirm(self, handler_input: HandlerInput, turn: Turn, treated_at: datetime) -> Response:
        intent = _intent_with(handler_input.request_envelope.request.intent)
        handler_input.response_builder.add_directive(ConfirmIntentDirective(updated_intent=intent))
        when = spoken_instant(treated_at, turn.now, turn.listener)
        question = f"You had your treatment at {when}. Is that right?"
        return ask(handler_input, Speech(question), question)

    def _record(self, handler_input: HandlerInput, turn: Turn, treated_at: datetime) -> Response:
        if not turn.record_treatment(treated_at):
            return answer(
                handler_input, Speech("Sorry, I can't save that without an Alexa account.")
            )
        status = answer_status(Aftercare(self.services.sheet, treated_at, turn.now), turn.listener)
        return answer(
            handler_input, Speech(f"Got it, I've saved that. {status.text}", card=status.card)
        )
