"""Recording when the treatment was: "I had my treatment yesterday at 2 PM".

The skill runs the dialog itself (delegationStrategy SKILL_RESPONSE) so that
every prompt can speak dates the way the listener says them, ask again when a
value is too vague, and confirm the exact instant, with its whole date, before
anything is saved.
"""

from datetime import datetime

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Intent, IntentConfirmationStatus, Response, Slot, SlotConfirmationStatus
from ask_sdk_model.dialog import ConfirmIntentDirective, ElicitSlotDirective

from skill.aftercare import (
    Aftercare,
    Speech,
    answer_future_treatment,
    answer_recorded_treatment,
    answer_saved,
    next_change,
)
from skill.aftercare.dialogue import (
    ALREADY_SAVED,
    ASK_AGAIN,
    ASK_TREATMENT,
    NO_ACCOUNT,
    SAY_YES_OR_NO,
    ask_day,
    ask_time,
    ask_time_in,
    ask_treatment_again,
    clinic_keeps_the_record,
    confirm_treatment,
)
from skill.aftercare.reminders import answer_saved_with_reminders_moved
from skill.alexa.slot_time import PartOfDay, parse_clock_time, resolved_ahead, treatment_day

from .base import (
    IntentHandler,
    Turn,
    answer,
    ask,
    ask_for_treatment,
    show_timeline,
    slot_value,
)
from .reminders import follow_latest_treatment

RECORD_INTENT = "RecordTreatmentIntent"


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


def _confirm(handler_input: HandlerInput, intent: Intent, question: Speech) -> Response:
    handler_input.response_builder.add_directive(ConfirmIntentDirective(updated_intent=intent))
    return ask(handler_input, question, f"{question.text} {SAY_YES_OR_NO}")


def _previous(turn: Turn) -> datetime | None:
    return turn.aftercare.treated_at if turn.aftercare else None


class RecordTreatmentHandler(IntentHandler):
    intents = (RECORD_INTENT,)

    def handle(self, handler_input: HandlerInput) -> Response:
        intent = handler_input.request_envelope.request.intent
        turn = self.turn(handler_input)
        if turn.clinic is not None:
            return answer(handler_input, clinic_keeps_the_record(turn.clinic))
        again = ask_treatment_again(turn.locale)
        if intent.confirmation_status == IntentConfirmationStatus.DENIED:
            return _elicit(handler_input, "date", ASK_AGAIN, again, date=None, time=None)
        date_value = slot_value(handler_input, "date")
        if not date_value:
            return _elicit(handler_input, "date", ASK_TREATMENT, again)
        today = turn.listener.day_of(turn.now)
        day = treatment_day(date_value, today)
        if day is None:
            question = ask_day(turn.locale)
            return _elicit(handler_input, "date", question, question, date=None)
        clock = parse_clock_time(slot_value(handler_input, "time"))
        if clock is None:
            question = ask_time(turn.locale)
            return _elicit(handler_input, "time", question, question, time=None)
        if isinstance(clock, PartOfDay):
            question = ask_time_in(clock.name, turn.locale)
            return _elicit(handler_input, "time", question, question, time=None)
        treated_at = datetime.combine(day, clock, tzinfo=turn.listener.zone)
        if treated_at > turn.now:
            speech = answer_future_treatment(treated_at, turn.now, turn.listener).text
            return _elicit(handler_input, "date", speech, again, date=None, time=None)
        if treated_at == _previous(turn):
            return answer(handler_input, self._already_saved(turn))
        if intent.confirmation_status != IntentConfirmationStatus.CONFIRMED:
            question = confirm_treatment(
                treated_at,
                turn.now,
                turn.listener,
                self.services.sheet,
                heard_day=resolved_ahead(date_value, today),
                previous=_previous(turn),
            )
            return _confirm(handler_input, _intent_with(intent), question)
        return self._record(handler_input, turn, treated_at)

    def _already_saved(self, turn: Turn) -> Speech:
        upcoming = next_change(turn.aftercare, turn.listener)
        return Speech(" ".join(filter(None, (ALREADY_SAVED, upcoming))))

    def _record(self, handler_input: HandlerInput, turn: Turn, treated_at: datetime) -> Response:
        if not turn.record_treatment(treated_at):
            return answer(handler_input, NO_ACCOUNT)
        care = Aftercare(self.services.sheet, treated_at, turn.now)
        show_timeline(handler_input, care, turn.listener)
        if care.treated_at == turn.aftercare.treated_at and follow_latest_treatment(
            handler_input, turn
        ):
            return answer(handler_input, answer_saved_with_reminders_moved(care, turn.listener))
        return answer(handler_input, answer_saved(care, turn.listener))


class JustTreatedHandler(IntentHandler):
    """ "I just had my treatment": now is the time, once she confirms it.

    The confirmation continues as the RecordTreatmentIntent dialog (intent
    chaining through Dialog.ConfirmIntent), so her "yes" saves it there.
    """

    intents = ("JustTreatedIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        turn = self.turn(handler_input)
        if turn.clinic is not None:
            return answer(handler_input, clinic_keeps_the_record(turn.clinic))
        local_now = turn.now.astimezone(turn.listener.zone).replace(second=0, microsecond=0)
        intent = _intent_with(
            Intent(name=RECORD_INTENT),
            date=local_now.date().isoformat(),
            time=local_now.strftime("%H:%M"),
        )
        question = confirm_treatment(
            local_now,
            turn.now,
            turn.listener,
            self.services.sheet,
            previous=_previous(turn),
            just_now=True,
        )
        return _confirm(handler_input, intent, question)


class TreatmentDateHandler(IntentHandler):
    """ "When was my treatment?" — what is saved, or what her clinic recorded."""

    intents = ("TreatmentDateIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        turn = self.turn(handler_input)
        if turn.aftercare is None:
            return ask_for_treatment(handler_input, turn)
        show_timeline(handler_input, turn.aftercare, turn.listener)
        speech = answer_recorded_treatment(turn.aftercare, turn.listener, clinic=turn.clinic)
        return answer(handler_input, speech)
