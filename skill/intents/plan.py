"""The plan and the facts: next session, sessions so far, and the sheet's answers."""

from types import MappingProxyType

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import request_util
from ask_sdk_model import Response

from skill.aftercare import (
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


class CandidacyHandler(IntentHandler):
    """ "Who shouldn't have it?", "Can I have it if I'm pregnant?"."""

    intents = ("CandidacyIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        resolved = resolved_value(handler_input, "condition")
        speech = answer_candidacy(
            self.services.sheet,
            resolved.id if resolved else None,
            slot_value(handler_input, "condition"),
            self.turn(handler_input).locale,
        )
        return answer(handler_input, speech)


class TreatmentTargetsHandler(IntentHandler):
    """ "What does it treat?", "Does it help with stretch marks?"."""

    intents = ("TreatmentTargetsIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        resolved = resolved_value(handler_input, "target")
        speech = answer_targets(
            self.services.sheet,
            resolved.id if resolved else None,
            slot_value(handler_input, "target"),
            self.turn(handler_input).locale,
        )
        return answer(handler_input, speech)


class NextSessionHandler(AftercareAnswerHandler):
    intents = ("NextSessionIntent",)
    compose = staticmethod(answer_next_session)


class SessionCountHandler(IntentHandler):
    intents = ("SessionCountIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        turn = self.turn(handler_input)
        count = self.services.store.treatment_count(turn.user_id) if turn.user_id else 0
        return answer(handler_input, answer_session_count(count, self.services.sheet))
