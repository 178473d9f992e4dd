"""Alexa's Reminders API and progressive responses, through ask-sdk's service clients.

The clients come from the request's ``service_client_factory``, so they call the
request's own ``context.System.apiEndpoint`` with its ``apiAccessToken``, through the
skill's api client (:class:`skill.alexa.settings_api.TimeoutApiClient`), whose deadline
bounds each whole call. Failures become :class:`RemindersFailure` with what the
patient needs to hear about: no permission (401), refused (403), busy (429) or
unreachable (5xx, timeouts, anything else). Logs carry the status, never a token.
"""

from __future__ import annotations

import logging
from datetime import datetime
from enum import Enum

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.permission_status import PermissionStatus
from ask_sdk_model.services import ServiceException
from ask_sdk_model.services.directive import Header, SendDirectiveRequest, SpeakDirective
from ask_sdk_model.services.reminder_management import (
    AlertInfo,
    PushNotification,
    PushNotificationStatus,
    ReminderRequest,
    SpokenInfo,
    SpokenText,
    Trigger,
    TriggerType,
)
from ask_sdk_model.services.reminder_management.status import Status

from skill.aftercare.reminders import PlannedReminder
from skill.log_values import clipped

logger = logging.getLogger(__name__)

REMINDERS_SCOPE = "alexa::alerts:reminders:skill:readwrite"


def _fix_alert_info_type() -> None:
    """ask-sdk-model (1.82) types AlertInfo.spoken_info as a class in a module that does
    not exist, so the SDK fails to read any listed reminder that has alertInfo (every
    one). Point it at the real class; a fixed release is left as it is."""
    wanted = "ask_sdk_model.services.reminder_management.spoken_info.SpokenInfo"
    if AlertInfo.deserialized_types.get("spoken_info", "").endswith(
        ".alert_info_spoken_info.SpokenInfo"
    ):
        AlertInfo.deserialized_types["spoken_info"] = wanted


_fix_alert_info_type()


class Failure(Enum):
    NO_PERMISSION = "no permission"  # 401: she has not allowed reminders (or revoked it)
    REFUSED = "refused"  # 403: Alexa will not set reminders here
    BUSY = "busy"  # 429: the skill is throttled
    UNREACHABLE = "unreachable"  # 5xx, a timeout, a refused connection, a bad answer


class RemindersFailure(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.value)
        self.failure = failure


def reminders_allowed(handler_input: HandlerInput) -> bool:
    """Whether the request says she granted the reminders permission to this skill."""
    user = handler_input.request_envelope.context.system.user
    scopes = getattr(getattr(user, "permissions", None), "scopes", None) or {}
    scope = scopes.get(REMINDERS_SCOPE)
    return scope is not None and scope.status == PermissionStatus.GRANTED


class AlexaReminders:
    """The Reminders API for the patient this request comes from."""

    def __init__(self, handler_input: HandlerInput) -> None:
        self._handler_input = handler_input

    def create(self, reminder: PlannedReminder, now: datetime, locale: str) -> str:
        """Creates a one-time reminder; returns its alertToken."""
        rings = reminder.rings_at
        request = ReminderRequest(
            # The API wants local times without an offset, in the trigger's zone.
            request_time=now.astimezone(rings.tzinfo).replace(tzinfo=None, microsecond=0),
            trigger=Trigger(
                object_type=TriggerType.SCHEDULED_ABSOLUTE,
                scheduled_time=rings.replace(tzinfo=None),
                time_zone_id=rings.tzinfo.key,
            ),
            alert_info=AlertInfo(
                spoken_info=SpokenInfo(content=[SpokenText(locale=locale, text=reminder.text)])
            ),
            push_notification=PushNotification(status=PushNotificationStatus.ENABLED),
        )
        answer = self._call("create", lambda client: client.create_reminder(request))
        token = getattr(answer, "alert_token", None)
        if not isinstance(token, str) or not token:
            logger.warning("Reminders API created a reminder but gave no alertToken")
            raise RemindersFailure(Failure.UNREACHABLE)
        return token

    def delete(self, alert_token: str) -> None:
        """Deletes a reminder; one that is already gone (404) counts as deleted."""
        try:
            self._call("delete", lambda client: client.delete_reminder(alert_token), quiet=(404,))
        except _Gone:
            pass

    def live_tokens(self) -> set[str]:
        """The alertTokens of this skill's reminders for her that are still to ring."""
        answer = self._call("list", lambda client: client.get_reminders())
        return {
            alert.alert_token
            for alert in (getattr(answer, "alerts", None) or [])
            if alert.alert_token and alert.status in (Status.ON, None)
        }

    def _call(self, what: str, call, quiet: tuple[int, ...] = ()):
        try:
            client = self._handler_input.service_client_factory.get_reminder_management_service()
            return call(client)
        except ServiceException as error:
            status = error.status_code if error.headers is not None else None
            if status in quiet:
                raise _Gone from None
            failure = _FAILURE_BY_STATUS.get(status, Failure.UNREACHABLE)
            logger.warning(
                "Reminders API %s failed: HTTP %s (%s)", what, status or "none", failure.value
            )
            raise RemindersFailure(failure) from None
        except Exception as error:
            # The SDK, libcurl and TLS each fail in their own ways; none of them may
            # cost the patient her answer.
            logger.warning("Reminders API %s failed: %s", what, clipped(type(error).__name__))
            raise RemindersFailure(Failure.UNREACHABLE) from None


class _Gone(Exception):
    """The reminder does not exist (any more)."""


_FAILURE_BY_STATUS = {
    401: Failure.NO_PERMISSION,
    403: Failure.REFUSED,
    429: Failure.BUSY,
}


def send_progress(handler_input: HandlerInput, text: str) -> None:
    """Speaks ``text`` at once, while the skill works on its answer (a progressive
    response through ``/v1/directives``). Best effort: a failure only costs the wait."""
    request_id = handler_input.request_envelope.request.request_id
    try:
        client = handler_input.service_client_factory.get_directive_service()
        client.enqueue(
            SendDirectiveRequest(
                header=Header(request_id=request_id), directive=SpeakDirective(speech=text)
            )
        )
    except Exception as error:
        logger.warning("progressive response not sent: %s", clipped(type(error).__name__))
