"""A stand-in for Alexa's Settings, Reminders and directive APIs: HTTPS on 127.0.0.1, for tests.

It answers ``GET /v2/devices/{deviceId}/settings/System.timeZone`` from the dict
``zones`` (device id to zone name) with the name as a JSON string, as Alexa does; an
unknown device, or any other path, gets 404 with an Alexa-style error body. It records
every request it gets (path and ``Authorization`` header) in ``requests``. Set
``delay_seconds`` to make it answer late (to provoke client timeouts),
``fail_with_status`` to make it answer every request with that status (500, say),
``trickle_seconds`` to make it send each answer a byte at a time, spread over that long,
and ``hold(device_id)`` to stall that device's requests until the returned event is set.

The Reminders API (``/v1/alerts/reminders``) follows Amazon's reference: a POST with a
``SCHEDULED_ABSOLUTE`` trigger (local ``scheduledTime`` without an offset, an IANA
``timeZoneId``), ``alertInfo.spokenInfo.content`` and ``pushNotification`` creates a
reminder and answers 201 with its ``alertToken``, ``createdTime``, ``updatedTime``,
``status`` ``ON``, ``version`` and ``href``; a malformed one gets 400. GET lists them
(``totalCount``, ``alerts``), DELETE of one removes it (404 when there is none). A
request without a bearer token gets 401. ``reminders`` holds what was created, by
alertToken. ``reminders_fail_with_status`` makes every reminders call answer that status
(401, 403, 429, 500, 503) with an error body ``{"code", "message"}``, after
``creates_before_failure`` creates have succeeded; ``reminders_delay_seconds`` makes
reminders calls answer late. POSTs to ``/v1/directives`` (progressive responses) answer
204 and are kept in ``directives``. ``reset_reminders()`` forgets all of that.

It serves a throwaway self-signed certificate for ``127.0.0.1`` and ``localhost``,
written to ``ca_bundle_path``; a client trusts it through ``REQUESTS_CA_BUNDLE``, the
same variable an operator would set. Only the standard library and ``cryptography``
are used, so a test can also start a real server process that talks to it::

    with StandInAlexaApi({"amzn1.ask.device.A": "America/New_York"}) as alexa_api:
        env = {**os.environ, "REQUESTS_CA_BUNDLE": alexa_api.ca_bundle_path}
        ...  # requests to the skill carry context.System.apiEndpoint = alexa_api.url

As a pytest fixture::

    @pytest.fixture
    def alexa_api(monkeypatch):
        with StandInAlexaApi() as server:
            monkeypatch.setenv("REQUESTS_CA_BUNDLE", server.ca_bundle_path)
            yield server
"""

from __future__ import annotations

import ipaddress
import json
import re
import shutil
import socket
import ssl
import sys
import tempfile
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_TIME_ZONE_PATH = re.compile(r"/v2/devices/(?P<device_id>[^/]+)/settings/System\.timeZone")
_REMINDERS_PATH = "/v1/alerts/reminders"
_REMINDER_PATH = re.compile(r"/v1/alerts/reminders/(?P<token>[^/]+)")
_DIRECTIVES_PATH = "/v1/directives"
# A local date and time without an offset, as the Reminders API wants scheduledTime.
_LOCAL_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?")
_ERROR_CODES = {
    400: "INVALID_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_SERVER_ERROR",
    503: "SERVICE_UNAVAILABLE",
}
# Long enough for any honest client on a busy machine; a client that connects and then
# says nothing must not keep a server thread forever.
_CLIENT_SOCKET_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the stand-in received it."""

    path: str
    authorization: str | None
    method: str = "GET"
    body: object = None


class StandInAlexaApi:
    """Alexa's Settings API on ``https://127.0.0.1:<free port>``."""

    def __init__(self, zones: Mapping[str, str] | None = None) -> None:
        self.zones: dict[str, str] = dict(zones or {})
        self.delay_seconds: float = 0.0
        self.fail_with_status: int | None = None
        self.trickle_seconds: float = 0.0
        self._held: dict[str, threading.Event] = {}
        self.reminders: dict[str, dict] = {}
        self.directives: list[dict] = []
        self.reminders_fail_with_status: int | None = None
        self.creates_before_failure = 0
        self.reminders_delay_seconds = 0.0
        # Bumped by reset_reminders(): a late answer to an earlier test changes nothing.
        self._generation = 0
        self._requests: list[RecordedRequest] = []
        self._requests_lock = threading.Lock()
        # Set by stop(), so responses still being delayed are sent at once rather
        # than keeping the test waiting.
        self._stopping = threading.Event()
        self._certificate_dir: Path | None = None
        self._server: _TlsThreadingHTTPServer | None = None
        self._serving_thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The ``apiEndpoint`` to put in requests: ``https://127.0.0.1:PORT``."""
        port = self._running_server().server_address[1]
        return f"https://127.0.0.1:{port}"

    @property
    def ca_bundle_path(self) -> str:
        """The PEM certificate a client must trust; point ``REQUESTS_CA_BUNDLE`` here."""
        self._running_server()
        assert self._certificate_dir is not None
        return str(self._certificate_dir / "certificate.pem")

    @property
    def requests(self) -> list[RecordedRequest]:
        """The requests received so far, oldest first."""
        with self._requests_lock:
            return list(self._requests)

    def start(self) -> StandInAlexaApi:
        if self._server is not None:
            raise RuntimeError("the stand-in Alexa API is already running")
        self._stopping.clear()
        self._certificate_dir = Path(tempfile.mkdtemp(prefix="standin-alexa-api-"))
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(*_write_self_signed_certificate(self._certificate_dir))
        self._server = _TlsThreadingHTTPServer(self, tls)
        self._serving_thread = threading.Thread(
            target=self._server.serve_forever,
            # stop() waits up to one poll interval; the default half second per test adds up.
            kwargs={"poll_interval": 0.05},
            name="standin-alexa-api",
            daemon=True,
        )
        self._serving_thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        assert self._serving_thread is not None
        self._serving_thread.join()
        self._server = None
        self._serving_thread = None
        if self._certificate_dir is not None:
            shutil.rmtree(self._certificate_dir, ignore_errors=True)
            self._certificate_dir = None

    def __enter__(self) -> StandInAlexaApi:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _running_server(self) -> _TlsThreadingHTTPServer:
        if self._server is None:
            raise RuntimeError("the stand-in Alexa API is not running; call start()")
        return self._server

    def _record(self, request: RecordedRequest) -> None:
        with self._requests_lock:
            self._requests.append(request)

    def reset_reminders(self) -> None:
        """Forgets every reminder and directive, and every reminders failure set."""
        with self._requests_lock:
            self.reminders.clear()
            self.directives.clear()
        self.reminders_fail_with_status = None
        self.creates_before_failure = 0
        self.reminders_delay_seconds = 0.0
        self._generation += 1

    def _answer_reminders(
        self, method: str, path: str, authorization: str | None, body: object
    ) -> tuple[int, object]:
        """The Reminders and directive APIs: the status and JSON body (None: no body)."""
        generation = self._generation
        if self.reminders_delay_seconds > 0:
            self._stopping.wait(self.reminders_delay_seconds)
        if generation != self._generation:
            return 503, _reminders_error(503, "The stand-in was reset meanwhile.")
        if not (authorization or "").startswith("Bearer ") or authorization == "Bearer ":
            return 401, _reminders_error(401, "The request has no bearer token.")
        if path == _DIRECTIVES_PATH and method == "POST":
            with self._requests_lock:
                self.directives.append(body)  # type: ignore[arg-type]
            return 204, None
        failing = self.reminders_fail_with_status
        if failing is not None:
            creating = method == "POST" and path == _REMINDERS_PATH
            if not creating or self.creates_before_failure <= 0:
                return failing, _reminders_error(failing, "The stand-in was told to fail.")
            self.creates_before_failure -= 1
        if path == _REMINDERS_PATH and method == "POST":
            return self._create_reminder(body)
        if path == _REMINDERS_PATH and method == "GET":
            with self._requests_lock:
                alerts = list(self.reminders.values())
            return 200, {"totalCount": str(len(alerts)), "alerts": alerts, "links": None}
        match = _REMINDER_PATH.fullmatch(path)
        if match is not None and method in ("GET", "DELETE"):
            with self._requests_lock:
                reminder = (self.reminders.pop if method == "DELETE" else self.reminders.get)(
                    unquote(match["token"]), None
                )
            if reminder is None:
                return 404, _reminders_error(404, "There is no such reminder.")
            return 200, (reminder if method == "GET" else None)
        return 404, _reminders_error(404, "The stand-in does not serve that.")

    def _create_reminder(self, body: object) -> tuple[int, object]:
        problem = _reminder_request_problem(body)
        if problem is not None:
            return 400, _reminders_error(400, problem)
        assert isinstance(body, dict)
        token = f"stand-in-alert-{uuid.uuid4()}"
        stamp = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        reminder = {
            "alertToken": token,
            "createdTime": stamp,
            "updatedTime": stamp,
            "status": "ON",
            "version": "1",
            "trigger": body["trigger"],
            "alertInfo": body["alertInfo"],
            "pushNotification": body["pushNotification"],
        }
        with self._requests_lock:
            self.reminders[token] = reminder
        created = {key: reminder[key] for key in ("alertToken", "createdTime", "updatedTime")}
        return 201, {
            **created,
            "status": "ON",
            "version": "1",
            "href": f"{_REMINDERS_PATH}/{token}",
        }

    def hold(self, device_id: str) -> threading.Event:
        """Stalls every request about ``device_id`` until the returned event is set."""
        release = self._held.setdefault(device_id, threading.Event())
        return release

    def _respond_to(self, path: str) -> tuple[int, object]:
        """The status and JSON body for a GET of ``path``, after any delay."""
        if self.delay_seconds > 0:
            self._stopping.wait(self.delay_seconds)
        match = _TIME_ZONE_PATH.fullmatch(urlsplit(path).path)
        release = self._held.get(unquote(match["device_id"])) if match else None
        while release is not None and not release.is_set() and not self._stopping.is_set():
            release.wait(0.05)
        if self.fail_with_status is not None:
            told_to_fail = _alexa_error("UNKNOWN_ERROR", "The stand-in was told to fail.")
            return self.fail_with_status, told_to_fail
        if match is None:
            return 404, _alexa_error("INVALID_URI", "The stand-in serves only System.timeZone.")
        zone = self.zones.get(unquote(match["device_id"]))
        if zone is None:
            return 404, _alexa_error("INVALID_KEY", "The stand-in knows no such device.")
        return 200, zone


def _reminders_error(status: int, message: str) -> dict[str, str]:
    """An error body shaped like the Reminders API's own (``reminder_management.Error``)."""
    return {"code": _ERROR_CODES.get(status, "UNKNOWN_ERROR"), "message": message}


def _reminder_request_problem(body: object) -> str | None:
    """What is wrong with a create-reminder request body, per Amazon's reference, if anything."""
    if not isinstance(body, dict):
        return "The body is not a JSON object."
    trigger = body.get("trigger")
    if not isinstance(trigger, dict) or trigger.get("type") != "SCHEDULED_ABSOLUTE":
        return "trigger.type must be SCHEDULED_ABSOLUTE (the stand-in's only kind)."
    scheduled = trigger.get("scheduledTime")
    if not isinstance(scheduled, str) or not _LOCAL_TIME.fullmatch(scheduled):
        return "trigger.scheduledTime must be a local ISO 8601 time without an offset."
    try:
        ZoneInfo(trigger.get("timeZoneId") or "")
    except (ZoneInfoNotFoundError, ValueError):
        return "trigger.timeZoneId must be an IANA time zone."
    request_time = body.get("requestTime")
    if not isinstance(request_time, str) or not _LOCAL_TIME.fullmatch(request_time):
        return "requestTime must be a local ISO 8601 time."
    content = ((body.get("alertInfo") or {}).get("spokenInfo") or {}).get("content")
    if not isinstance(content, list) or not content:
        return "alertInfo.spokenInfo.content must list what to say."
    for spoken in content:
        if not isinstance(spoken, dict) or not spoken.get("locale") or not spoken.get("text"):
            return "each alertInfo.spokenInfo.content item needs a locale and a text."
    if (body.get("pushNotification") or {}).get("status") not in ("ENABLED", "DISABLED"):
        return "pushNotification.status must be ENABLED or DISABLED."
    return None


def _alexa_error(code: str, message: str) -> dict[str, str]:
    """An error body shaped like the Settings API's own (``ask_sdk_model``'s ups Error)."""
    return {"code": code, "message": message}


class _TlsThreadingHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, standin: StandInAlexaApi, tls: ssl.SSLContext) -> None:
        self.standin = standin
        self._tls = tls
        super().__init__(("127.0.0.1", 0), _SettingsApiHandler)

    def finish_request(self, request: socket.socket, client_address: tuple[str, int]) -> None:
        # The TLS handshake happens here, in the connection's own thread, rather than
        # on the listening socket, so a client that stalls or rejects the certificate
        # holds up only itself and never accept().
        request.settimeout(_CLIENT_SOCKET_TIMEOUT_SECONDS)
        with self._tls.wrap_socket(request, server_side=True) as tls_request:
            self.RequestHandlerClass(tls_request, client_address, self)

    def handle_error(self, request: socket.socket, client_address: tuple[str, int]) -> None:
        # Clients that give up (timeouts, untrusted certificates) are what some tests
        # are about; they are not faults of the stand-in.
        if isinstance(sys.exc_info()[1], (ssl.SSLError, ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class _SettingsApiHandler(BaseHTTPRequestHandler):
    server: _TlsThreadingHTTPServer

    def do_GET(self) -> None:
        if self._serves_reminders():
            return
        standin = self.server.standin
        standin._record(RecordedRequest(self.path, self.headers.get("Authorization")))
        status, body = standin._respond_to(self.path)
        self._send(status, body)

    def do_POST(self) -> None:
        if not self._serves_reminders():
            self._send(*_not_served())

    def do_DELETE(self) -> None:
        if not self._serves_reminders():
            self._send(*_not_served())

    def _serves_reminders(self) -> bool:
        """Answers a Reminders or directive API request; False for any other path."""
        path = urlsplit(self.path).path
        if not (path.startswith(_REMINDERS_PATH) or path == _DIRECTIVES_PATH):
            return False
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", errors="replace")
        standin = self.server.standin
        authorization = self.headers.get("Authorization")
        standin._record(RecordedRequest(self.path, authorization, self.command, body))
        status, answer = standin._answer_reminders(self.command, path, authorization, body)
        if answer is None:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self._send(status, answer)
        return True

    def _send(self, status: int, body: object) -> None:
        standin = self.server.standin
        payload = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        if standin.trickle_seconds <= 0:
            self.end_headers()
            self.wfile.write(payload)
            return
        self._headers_buffer.append(b"\r\n")
        answer = b"".join(self._headers_buffer) + payload
        self._headers_buffer = []
        pause = standin.trickle_seconds / len(answer)
        for index in range(len(answer)):
            if standin._stopping.wait(pause):
                return
            self.wfile.write(answer[index : index + 1])
            self.wfile.flush()

    def log_message(self, format: str, *args: object) -> None:
        # Tests read `requests`; a line on stderr per request would only be noise.
        pass


def _not_served() -> tuple[int, object]:
    return 404, _alexa_error("INVALID_URI", "The stand-in does not serve that.")


def _write_self_signed_certificate(directory: Path) -> tuple[str, str]:
    """Write a certificate for 127.0.0.1 and localhost and its key; return both paths."""
    key = ec.generate_private_key(ec.SECP256R1())  # fast to make, unlike RSA
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.IPv4Address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    certificate_path = directory / "certificate.pem"
    key_path = directory / "key.pem"
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(certificate_path), str(key_path)
