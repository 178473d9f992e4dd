"""Questions about activities: "can I X (on Saturday)?", "when can I X?", "what to avoid?"."""

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.aftercare import (
    Rule,
    Speech,
    answer_fact,
    answer_naming_the_word,
    answer_overview,
    answer_permission,
    answer_permission_during,
    answer_wait,
)
from skill.aftercare.dialogue import ACTIVITY_NOT_HEARD, ASK_ACTIVITY
from skill.alexa.slot_time import asked_period

from .base import (
    AftercareAnswerHandler,
    IntentHandler,
    Turn,
    answer,
    ask,
    ask_for_treatment,
    resolved_value,
    slot_value,
)


class ActivityHandler(IntentHandler):
    """Resolves the activity, then answers with :meth:`answer_about`.

    The resolved id names a rule of the sheet, or a fact for something the
    sheet mentions without a rule (an at-home roller).
    """

    def handle(self, handler_input: HandlerInput) -> Response:
        sheet = self.services.sheet
        resolved = resolved_value(handler_input, "activity")
        heard = slot_value(handler_input, "activity")
        rule = sheet.rule(resolved.id) if resolved else None
        if rule is None:
            if resolved and resolved.id in sheet.facts:
                return answer(handler_input, answer_fact(resolved.id, sheet))
            if heard:
                return answer(handler_input, answer_fact("not_covered", sheet))
            return ask(handler_input, ACTIVITY_NOT_HEARD, ASK_ACTIVITY, then=ASK_ACTIVITY)
        turn = self.turn(handler_input)
        if turn.aftercare is None:
            return ask_for_treatment(handler_input, turn)
        speech = self.answer_about(rule, turn, handler_input)
        return answer(handler_input, answer_naming_the_word(rule, heard, speech))


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
