"""Reminders when each restriction lifts: set, list and cancel them, and the permission.

"Remind me when I can wear makeup", "remind me about everything", "what reminders
do I have?", "cancel my reminders". Without the reminders permission the skill
asks for it (by voice where it can, otherwise with a card in the Alexa app) and
carries on in the ``Connections.Response``. What it created is recorded per
patient and treatment (``skill.store.Reminders``), only once Alexa has created it;
when her latest treatment changes (she said so, or her clinic did), the reminders
follow it the next time she talks to the skill.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from ask_sdk_core.dispatch_components import AbstractResponseInterceptor
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_request_type, request_util
from ask_sdk_model import Response
from ask_sdk_model.interfaces.connections import SendRequestDirective
from ask_sdk_model.ui import AskForPermissionsConsentCard

from skill.aftercare import Rule, answer_fact
from skill.aftercare.dialogue import ACTIVITY_NOT_HEARD
from skill.aftercare.reminders import (
    CANCEL_UNREACHABLE,
    LIST_UNREACHABLE,
    NO_REMINDERS,
    PERMISSION_CARD_SENT,
    PERMISSION_DENIED,
    PERMISSION_NOT_ANSWERED,
    PROGRESS,
    REMINDERS_BUSY,
    REMINDERS_FORBIDDEN,
    REMINDERS_UNREACHABLE,
    PlannedReminder,
    answer_all_set,
    answer_nothing_to_remind,
    answer_reminder_exists,
    answer_reminder_set,
    answer_reminders_cancelled,
    answer_reminders_list,
    answer_some_cancelled,
    answer_some_set,
    reminders_to_come,
)
from skill.alexa.reminders_api import (
    REMINDERS_SCOPE,
    AlexaReminders,
    Failure,
    RemindersFailure,
    reminders_allowed,
    send_progress,
)

from .base import (
    TURN,
    IntentHandler,
    Services,
    Turn,
    answer,
    ask,
    ask_for_treatment,
    resolved_value,
    slot_value,
)

# A run of Reminders API calls starts no new call after this long, so that with
# each call bounded too (AFTERCARE_ALEXA_API_TIMEOUT) she hears her answer well
# inside Alexa's 8 seconds.
CALLS_BUDGET_SECONDS = 4.0
# The AskFor request's token says what she asked for, so the answer can carry on.
ASKED_PREFIX = "reminders:"
EVERYTHING = "everything"
# Voice permission (AskFor) in the skill's locales; elsewhere the Alexa app's card.
VOICE_CONSENT_LOCALES = frozenset({"en-US", "en-GB", "en-CA", "en-AU", "en-IN"})
ASK_WHICH = "Which would you like a reminder for? For example, makeup, or everything."

_FAILURE_SPEECH = {
    Failure.REFUSED: REMINDERS_FORBIDDEN,
    Failure.BUSY: REMINDERS_BUSY,
    Failure.UNREACHABLE: REMINDERS_UNREACHABLE,
    # Alexa said she has not allowed reminders after all (a 401 after a grant).
    Failure.NO_PERMISSION: PERMISSION_CARD_SENT,
}


@dataclass
class Outcome:
    created: list[PlannedReminder] = field(default_factory=list)
    already: list[PlannedReminder] = field(default_factory=list)
    failure: Failure | None = None


class _Budget:
    def __init__(self) -> None:
        self._ends = time.monotonic() + CALLS_BUDGET_SECONDS

    def spent(self) -> bool:
        return time.monotonic() >= self._ends


class RemindHandler(IntentHandler):
    """ "Remind me when I can wear makeup"."""

    intents = ("ReminderIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        sheet = self.services.sheet
        resolved = resolved_value(handler_input, "activity")
        rule = sheet.rule(resolved.id) if resolved else None
        if rule is None:
            if slot_value(handler_input, "activity"):
                return answer(handler_input, answer_fact("not_covered", sheet))
            return ask(handler_input, ACTIVITY_NOT_HEARD, ASK_WHICH, then=ASK_WHICH)
        return remind(handler_input, self.turn(handler_input), rule)


class RemindEverythingHandler(IntentHandler):
    """ "Remind me about everything": one reminder per milestone still to come."""

    intents = ("RemindEverythingIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return remind(handler_input, self.turn(handler_input), None)


def remind(
    handler_input: HandlerInput, turn: Turn, rule: Rule | None, just_allowed: bool = False
) -> Response:
    """Sets the reminder of ``rule``'s milestone, or of every milestone still to come."""
    care = turn.aftercare
    if care is None:
        return ask_for_treatment(handler_input)
    if not (just_allowed or reminders_allowed(handler_input)):
        return ask_permission(handler_input, rule.id if rule else EVERYTHING)
    planned = reminders_to_come(care, turn.listener, rule)
    if rule is not None and not planned:
        return answer(handler_input, answer_nothing_to_remind(care, rule, turn.listener))
    outcome = _create(handler_input, turn, planned)
    if outcome.failure is not None and not outcome.created:
        if outcome.failure is Failure.NO_PERMISSION and not just_allowed:
            return ask_permission(handler_input, rule.id if rule else EVERYTHING)
        return answer(handler_input, _FAILURE_SPEECH[outcome.failure])
    if outcome.failure is not None:
        return answer(handler_input, answer_some_set(outcome.created, turn.listener))
    if rule is not None:
        (reminder,) = outcome.created or outcome.already
        compose = answer_reminder_set if outcome.created else answer_reminder_exists
        return answer(handler_input, compose(care, reminder, turn.listener))
    return answer(
        handler_input, answer_all_set(care, outcome.created, outcome.already, turn.listener)
    )


def _create(handler_input: HandlerInput, turn: Turn, planned: Sequence[PlannedReminder]):
    """Creates what is planned and not yet set, recording each one Alexa created."""
    from skill.store import Reminders

    care, patient, outcome = turn.aftercare, turn.patient, Outcome()
    assert care is not None and patient is not None  # no aftercare without her treatment
    records = Reminders(turn.session)
    current = {
        record.milestone: record
        for record in records.of_patient(patient.id)
        if record.treated_at == care.treated_at
    }
    api = AlexaReminders(handler_input)
    try:
        if any(reminder.key in current for reminder in planned):
            # She may have deleted one in the Alexa app, or it has rung: ask what is left.
            live = api.live_tokens()
            gone = [record for record in current.values() if record.alert_token not in live]
            records.forget(gone)
            turn.session.commit()
            current = {key: r for key, r in current.items() if r.alert_token in live}
        outcome.already = [reminder for reminder in planned if reminder.key in current]
        to_create = [reminder for reminder in planned if reminder.key not in current]
        if len(to_create) > 1:
            send_progress(handler_input, PROGRESS)
        budget = _Budget()
        for reminder in to_create:
            if budget.spent():
                raise RemindersFailure(Failure.UNREACHABLE)
            token = api.create(reminder, turn.now, turn.locale)
            records.record(
                patient.id,
                treated_at=care.treated_at,
                milestone=reminder.key,
                alert_token=token,
                rings_at=reminder.rings_at,
                now=turn.now,
            )
            turn.session.commit()  # each one as soon as it exists, so none is lost
            outcome.created.append(reminder)
    except RemindersFailure as failed:
        outcome.failure = failed.failure
    return outcome


def ask_permission(handler_input: HandlerInput, asked: str) -> Response:
    """Asks for the reminders permission: by voice where the device can, else a card."""
    builder = handler_input.response_builder
    if _voice_consent(handler_input):
        builder.add_directive(
            SendRequestDirective(
                name="AskFor",
                payload={
                    "@type": "AskForPermissionsConsentRequest",
                    "@version": "2",
                    "permissionScopes": [
                        {"permissionScope": REMINDERS_SCOPE, "consentLevel": "ACCOUNT"}
                    ],
                },
                token=ASKED_PREFIX + asked,
            )
        )
        # Alexa asks the question itself and answers with a Connections.Response.
        return builder.set_should_end_session(True).response
    builder.speak(PERMISSION_CARD_SENT.ssml)
    builder.set_card(AskForPermissionsConsentCard(permissions=[REMINDERS_SCOPE]))
    return builder.set_should_end_session(True).response


def _voice_consent(handler_input: HandlerInput) -> bool:
    device_id = request_util.get_device_id(handler_input)
    return bool(device_id) and request_util.get_locale(handler_input) in VOICE_CONSENT_LOCALES


class PermissionAnswerHandler(IntentHandler):
    """The ``Connections.Response`` to the skill's AskFor: accepted → set what she asked
    for; denied → say once what she is missing; not answered → leave it."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        request = handler_input.request_envelope.request
        return (
            is_request_type("Connections.Response")(handler_input)
            and getattr(request, "name", None) == "AskFor"
            and str(getattr(request, "token", "") or "").startswith(ASKED_PREFIX)
        )

    def handle(self, handler_input: HandlerInput) -> Response:
        request = handler_input.request_envelope.request
        status = _consent_status(request)
        if status == "DENIED":
            return answer(handler_input, PERMISSION_DENIED)
        if status != "ACCEPTED":
            return answer(handler_input, PERMISSION_NOT_ANSWERED)
        asked = request.token.removeprefix(ASKED_PREFIX)
        rule = None if asked == EVERYTHING else self.services.sheet.rule(asked)
        if rule is None and asked != EVERYTHING:
            return answer(handler_input, PERMISSION_NOT_ANSWERED)
        return remind(handler_input, self.turn(handler_input), rule, just_allowed=True)


def _consent_status(request) -> str | None:
    """ACCEPTED, DENIED or NOT_ANSWERED, from the response's payload (None: no answer)."""
    code = str(getattr(getattr(request, "status", None), "code", "") or "")
    payload = request.payload if isinstance(request.payload, dict) else {}
    if code != "200":
        return None
    status = payload.get("status")
    if status is None:
        scopes = payload.get("permissionScopes") or []
        status = next((s.get("status") for s in scopes if isinstance(s, dict)), None)
    return status


class ListRemindersHandler(IntentHandler):
    """ "What reminders do I have?": those the skill set that are still to ring."""

    intents = ("ListRemindersIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        from skill.store import Reminders

        turn = self.turn(handler_input)
        care = turn.aftercare
        records = Reminders(turn.session)
        recorded = [] if turn.patient is None else records.of_patient(turn.patient.id)
        if care is None or not recorded:
            return answer(handler_input, NO_REMINDERS)
        try:
            live = AlexaReminders(handler_input).live_tokens()
        except RemindersFailure:
            return answer(handler_input, LIST_UNREACHABLE)
        records.forget([record for record in recorded if record.alert_token not in live])
        turn.session.commit()
        live_keys = {
            record.milestone
            for record in recorded
            if record.alert_token in live and record.treated_at == care.treated_at
        }
        planned = [r for r in reminders_to_come(care, turn.listener) if r.key in live_keys]
        return answer(handler_input, answer_reminders_list(planned, turn.now, turn.listener))


class CancelRemindersHandler(IntentHandler):
    """ "Cancel my reminders": every reminder the skill set for her."""

    intents = ("CancelRemindersIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        from skill.store import Reminders

        turn = self.turn(handler_input)
        records = Reminders(turn.session)
        recorded = [] if turn.patient is None else records.of_patient(turn.patient.id)
        cancelled = _delete(handler_input, turn, recorded)
        if cancelled == len(recorded):
            return answer(handler_input, answer_reminders_cancelled(cancelled))
        if cancelled:
            return answer(handler_input, answer_some_cancelled(cancelled))
        return answer(handler_input, CANCEL_UNREACHABLE)


def _delete(handler_input: HandlerInput, turn: Turn, recorded: Sequence) -> int:
    """Deletes reminders from Alexa and forgets each one deleted; how many went."""
    from skill.store import Reminders

    api, budget, deleted = AlexaReminders(handler_input), _Budget(), 0
    for record in recorded:
        if budget.spent():
            break
        try:
            api.delete(record.alert_token)
        except RemindersFailure:
            break
        Reminders(turn.session).forget([record])
        turn.session.commit()
        deleted += 1
    return deleted


def follow_latest_treatment(handler_input: HandlerInput, turn: Turn) -> bool:
    """Moves her reminders to her latest treatment when they follow another one (she
    recorded a new one, or her clinic changed it in the portal, which cannot reach
    Alexa's API itself). Reminders that cannot be deleted now stay recorded, to be
    tried again next time. True when reminders were moved."""
    from skill.store import Reminders

    care, patient = turn.aftercare, turn.patient
    if patient is None or not reminders_allowed(handler_input):
        return False
    recorded = Reminders(turn.session).of_patient(patient.id)
    stale = [r for r in recorded if care is None or r.treated_at != care.treated_at]
    if not stale:
        return False
    if _delete(handler_input, turn, stale) < len(stale):
        return False
    keys = {record.milestone for record in stale}
    if care is not None:
        planned = [r for r in reminders_to_come(care, turn.listener) if r.key in keys]
        _create(handler_input, turn, planned)
    return True


class FollowLatestTreatment(AbstractResponseInterceptor):
    """After a handler that looked at her treatment, reminders set for an older one
    follow the latest (a clinic's change reaches Alexa the next time she talks)."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def process(self, handler_input: HandlerInput, response: Response) -> None:
        turn = handler_input.attributes_manager.request_attributes.get(TURN)
        # Only a turn that already read her treatment: a Stop stays clear of the store.
        if isinstance(turn, Turn) and "aftercare" in turn.__dict__:
            follow_latest_treatment(handler_input, turn)
