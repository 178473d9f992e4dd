"""The plan and the facts: next session, sessions so far, and the sheet's answers."""

from collections.abc import Callable
from types import MappingProxyType

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import request_util
from ask_sdk_model import Response

from skill.aftercare import (
    PatientSheet,
    Speech,
    answer_candidacy,
    answer_fact,
    answer_next_session,
    answer_session_count,
    answer_targets,
)

from .base import AftercareAnswerHandler, IntentHandler, answer, resolved_value, slot_value

# Each fact intent and the patient sheet topic it answers.
FACT_TOPICS = MappingProxyType(
    {
        "WhatIsIntent": "what_it_is",
        "HowItWorksIntent": "how_it_works",
        "SafetyIntent": "safety",
        "DowntimeIntent": "downtime",
        "MarksIntent": "marks",
        "ResultsIntent": "results",
        "OutcomeIntent": "outcome",
        "SessionsNeededIntent": "sessions_needed",
        "OneSessionIntent": "one_session",
        "SorenessIntent": "soreness",
        "ProcedureDurationIntent": "duration",
        "PainIntent": "pain",
        "CostIntent": "cost",
        "RollersIntent": "rollers",
    }
)


class FactHandler(IntentHandler):
    intents = tuple(FACT_TOPICS)

    def handle(self, handler_input: HandlerInput) -> Response:
        topic = FACT_TOPICS[request_util.get_intent_name(handler_input)]
        return answer(handler_input, answer_fact(topic, self.services.sheet))


class SheetListHandler(IntentHandler):
    """A question about one of the sheet's lists, asked about the list or one of its
    items: the resolved id, and the words she said, go to the core's ``compose``."""

    slot: str
    compose: Callable[[PatientSheet, str | None, str | None, str], Speech]

    def handle(self, handler_input: HandlerInput) -> Response:
        resolved = resolved_value(handler_input, self.slot)
        speech = self.compose(
            self.services.sheet,
            resolved.id if resolved else None,
            slot_value(handler_input, self.slot),
            self.turn(handler_input).locale,
        )
        return answer(handler_input, speech)


class CandidacyHandler(SheetListHandler):
    """ "Who shouldn't have it?", "Can I have it if I'm pregnant?"."""

    intents = ("CandidacyIntent",)
    slot = "condition"
    compose = staticmethod(answer_candidacy)


class TreatmentTargetsHandler(SheetListHandler):
    """ "What does it treat?", "Does it help with stretch marks?"."""

    intents = ("TreatmentTargetsIntent",)
    slot = "target"
    compose = staticmethod(answer_targets)


class NextSessionHandler(AftercareAnswerHandler):
    intents = ("NextSessionIntent",)
    compose = staticmethod(answer_next_session)


class SessionCountHandler(IntentHandler):
    intents = ("SessionCountIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        turn = self.turn(handler_input)
        speech = answer_session_count(turn.session_count, self.services.sheet, clinic=turn.clinic)
        return answer(handler_input, speech)
