"""Questions about activities: "can I X (on Saturday)?", "when can I X?", "what to avoid?"."""

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import request_util
from ask_sdk_model import Response
from ask_sdk_model.slu.entityresolution import StatusCode

from skill.aftercare import (
    Rule,
    Speech,
    answer_fact,
    answer_overview,
    answer_permission,
    answer_permission_during,
    answer_wait,
)
from skill.alexa.slot_time import asked_period

from .base import (
    AftercareAnswerHandler,
    IntentHandler,
    Turn,
    answer,
    ask,
    ask_for_treatment,
    slot_value,
)

ASK_ACTIVITY = (
    "Which activity would you like to ask about? For example, makeup, swimming, or the gym."
)


def _resolved_id(handler_input: HandlerInput, slot_name: str) -> str | None:
    """The value id Alexa's entity resolution matched for a custom slot, if any."""
    slot = request_util.get_slot(handler_input, slot_name)
    resolutions = getattr(getattr(slot, "resolutions", None), "resolutions_per_authority", None)
    for authority in resolutions or ():
        if (
            authority.status
            and authority.status.code == StatusCode.ER_SUCCESS_MATCH
            and authority.values
        ):
            return authority.values[0].value.id
    return None


class ActivityHandler(IntentHandler):
    """Resolves the activity, then answers with :meth:`answer_about`."""

    def handle(self, handler_input: HandlerInput) -> Response:
        rule_id = _resolved_id(handler_input, "activity")
        rule = self.services.sheet.rule(rule_id) if rule_id else None
        if rule is None:
            if slot_value(handler_input, "activity"):
                return answer(handler_input, answer_fact("not_covered", self.services.sheet))
            return ask(
                handler_input,
                Speech("Sorry, I didn't catch the activity."),
                ASK_ACTIVITY,
                then=ASK_ACTIVITY,
            )
        turn = self.turn(handler_input)
        if turn.aftercare is None:
            return ask_for_treatment(handler_input)
        return answer(handler_input, self.answer_about(rule, turn, handler_input))


class ActivityPermissionHandler(ActivityHandler):
    intents = ("ActivityPermissionIntent",)

    def answer_about(self, rule: Rule, turn: Turn, handler_input: HandlerInput) -> Speech:
        period = asked_period(
            slot_value(handler_input, "date"),
            slot_value(handler_input, "time"),
            turn.now,
            turn.listener,
        )
        if period is not None and period.end > turn.now:
            return answer_permission_during(turn.aftercare, rule, period, turn.listener)
        return answer_permission(turn.aftercare, turn.aftercare.check(rule), turn.listener)


class ActivityWaitHandler(ActivityHandler):
    intents = ("ActivityWaitIntent",)

    def answer_about(self, rule: Rule, turn: Turn, handler_input: HandlerInput) -> Speech:
        return answer_wait(turn.aftercare, turn.aftercare.check(rule), turn.listener)


class AvoidNowHandler(AftercareAnswerHandler):
    intents = ("AvoidNowIntent",)
    compose = staticmethod(answer_overview)
