"""Alexa's own APIs as the skill uses them: bounded in time, cached, never fatal.

Alexa sends every request with ``context.System.apiEndpoint``, ``apiAccessToken`` and
``device.deviceId``; with them the Settings API answers
``GET {apiEndpoint}/v2/devices/{deviceId}/settings/System.timeZone`` with the device's
IANA zone as a JSON string. ask-sdk's service clients make that call; the skill is
built with ``CustomSkillBuilder(api_client=TimeoutApiClient(1.0))`` so that the whole
call is over within a second however the API behaves, and asks
:class:`DeviceTimeZones` rather than the API directly so that a device's zone costs
one call every few hours and a dead API costs at most one timeout every few minutes.
Whatever goes wrong, the answer is spoken in the default zone.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ask_sdk_core.exceptions import ApiClientException
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import request_util
from ask_sdk_model.services import ApiClient, ApiClientRequest, ApiClientResponse, ServiceException

from skill.alexa.bounded_http import HttpFailure, http_call
from skill.log_values import clipped

logger = logging.getLogger(__name__)

# A time zone answer is a few bytes; an API answer far past this is not one.
MAX_ANSWER_BYTES = 64 * 1024


class TimeoutApiClient(ApiClient):
    """ask-sdk's ApiClient with one deadline for the whole call (the SDK's has none).

    ``timeout_seconds`` bounds the call from resolving the host to the last byte of the
    answer, however slowly the server trickles it (see ``bounded_http``). Like the SDK's
    DefaultApiClient it refuses plain HTTP and reports every failure as
    ApiClientException; ``ca_bundle`` is the PEM file of roots to trust (certifi's by
    default).
    """

    def __init__(self, timeout_seconds: float = 1.0, *, ca_bundle: str | None = None) -> None:
        if timeout_seconds <= 0:
            raise ValueError(f"timeout_seconds must be positive, got {timeout_seconds}")
        self.timeout_seconds = timeout_seconds
        self.ca_bundle = ca_bundle

    def invoke(self, request: ApiClientRequest) -> ApiClientResponse:
        if urlsplit(request.url or "").scheme != "https":
            raise ApiClientException("Requests against non-HTTPS endpoints are not allowed.")
        headers = list(request.headers or [])
        body = request.body
        if body is not None and not isinstance(body, (str, bytes)):
            body = json.dumps(body)  # the SDK hands JSON bodies over as objects
        try:
            answer = http_call(
                request.method or "GET",
                request.url,
                deadline_seconds=self.timeout_seconds,
                max_bytes=MAX_ANSWER_BYTES,
                headers=headers,
                body=body.encode("utf-8") if isinstance(body, str) else body,
                ca_bundle=self.ca_bundle,
            )
        except HttpFailure as failure:
            raise ApiClientException(f"Error executing the request: {failure}") from failure
        return ApiClientResponse(
            headers=answer.headers,
            status_code=answer.status,
            body=answer.body.decode("utf-8", errors="replace"),
        )


@dataclass(frozen=True, slots=True)
class _Remembered:
    """What the Settings API last said about a device, until the monotonic time ``until``."""

    zone: ZoneInfo | None  # None: the call failed, so the default zone stands in
    until: float


class DeviceTimeZones:
    """The device's IANA zone, cached per device, falling back to a default: the
    zone of the request's locale in ``locale_zones``, else ``default_zone``.

    A zone is kept for ``cache_for``; a failed call is remembered for
    ``retry_after_failure``, so while the API is down each device waits on it at most
    once per that period. At most ``max_devices`` devices are remembered; past that,
    the one written longest ago is forgotten. ``clock`` returns seconds and must not
    go backwards. Safe to share between threads.
    """

    def __init__(
        self,
        default_zone: ZoneInfo,
        *,
        locale_zones: Mapping[str, ZoneInfo] | None = None,
        cache_for: timedelta = timedelta(hours=6),
        retry_after_failure: timedelta = timedelta(minutes=5),
        max_devices: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_devices < 1:
            raise ValueError(f"max_devices must be at least 1, got {max_devices}")
        self._default_zone = default_zone
        self._locale_zones = dict(locale_zones or {})
        self._cache_seconds = cache_for.total_seconds()
        self._retry_seconds = retry_after_failure.total_seconds()
        self._max_devices = max_devices
        self._clock = clock
        self._lock = threading.Lock()
        self._remembered: OrderedDict[str, _Remembered] = OrderedDict()

    def zone_for(self, handler_input: HandlerInput) -> ZoneInfo:
        """The zone of the device that sent this request, or its locale's default zone."""
        system = handler_input.request_envelope.context.system
        device_id = request_util.get_device_id(handler_input)
        default_zone = self._locale_zones.get(
            request_util.get_locale(handler_input), self._default_zone
        )
        if not (device_id and system.api_access_token and system.api_endpoint):
            # Test tools and some simulators send no device or no token: nothing to ask.
            return default_zone

        with self._lock:
            remembered = self._remembered.get(device_id)
        if remembered is not None and self._clock() < remembered.until:
            return default_zone if remembered.zone is None else remembered.zone

        # The lock is not held during the call, so one slow device never delays
        # another; two simultaneous first requests from one device may both call.
        zone = self._ask_settings_api(handler_input, device_id, default_zone)
        lifetime = self._retry_seconds if zone is None else self._cache_seconds
        with self._lock:
            self._remembered[device_id] = _Remembered(zone, self._clock() + lifetime)
            self._remembered.move_to_end(device_id)
            while len(self._remembered) > self._max_devices:
                self._remembered.popitem(last=False)
        return default_zone if zone is None else zone

    def _ask_settings_api(
        self, handler_input: HandlerInput, device_id: str, default_zone: ZoneInfo
    ) -> ZoneInfo | None:
        device = _log_label(device_id)
        try:
            ups = handler_input.service_client_factory.get_ups_service()
            zone_name = ups.get_system_time_zone(device_id)
        except Exception as error:
            # The SDK, requests and TLS each fail in their own ways (ServiceException,
            # ApiClientException, timeouts, refused connections, bad certificates, a
            # body that is not JSON, ValueError from a skill built without an API
            # client); none of them may cost the listener the answer.
            logger.warning(
                "Settings API gave no time zone for %s; using the default %s: %s",
                device,
                default_zone.key,
                # An error can quote the API's own answer, which may be long.
                clipped(_without_device_id(_describe(error), device_id, device), limit=300),
            )
            return None
        try:
            return ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError, OSError, TypeError):
            # ZoneInfo says "no such key" with KeyError, ValueError (a path outside
            # the zone database), OSError (a directory, a name too long) or TypeError
            # (None, from an empty 204 answer), depending on how the name is wrong. A
            # name newer than the installed tzdata lands here too, which is why the
            # log quotes it.
            logger.warning(
                "Settings API answered %.64r for %s, not a known IANA zone; using the default %s",
                zone_name,
                device,
                default_zone.key,
            )
            return None


def _log_label(device_id: str) -> str:
    """A stable short name for a device in logs, which must not carry its id."""
    return "device#" + hashlib.sha256(device_id.encode("utf-8")).hexdigest()[:12]


def _describe(error: Exception) -> str:
    if isinstance(error, ServiceException) and error.headers is not None:
        # An answer came, so its status is real; when none came, the SDK reports 500
        # itself (headers None) and the message says what went wrong instead.
        return f"HTTP {error.status_code}: {error}"
    return f"{type(error).__name__}: {error}"


def _without_device_id(message: str, device_id: str, label: str) -> str:
    # requests quotes the URL, and with it the device id, in its error messages.
    return message.replace(quote(device_id, safe=""), label).replace(device_id, label)
