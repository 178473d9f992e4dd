"""The plan and the facts: next session, sessions so far, and the sheet's answers."""

from types import MappingProxyType

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import request_util
from ask_sdk_model import Response

from skill.aftercare import answer_fact, answer_next_session, answer_session_count

from .base import AftercareAnswerHandler, IntentHandler, answer

# Each fact intent and the patient sheet topic it answers.
FACT_TOPICS = MappingProxyType(
    {
        "ResultsIntent": "results",
        "NormalSymptomsIntent": "normal_symptoms",
        "SorenessIntent": "soreness",
        "CandidacyIntent": "candidacy",
        "TreatmentTargetsIntent": "targets",
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


class NextSessionHandler(AftercareAnswerHandler):
    intents = ("NextSessionIntent",)
    compose = staticmethod(answer_next_session)


class SessionCountHandler(IntentHandler):
    intents = ("SessionCountIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        count = self.turn(handler_input).session_count
        return answer(handler_input, answer_session_count(count, self.services.sheet))
