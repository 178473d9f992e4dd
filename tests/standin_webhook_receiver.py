"""A clinic's webhook receiver, stood in for on ``https://127.0.0.1:<port>/hook``, for tests.

It keeps every request it gets (headers and body) in ``received``, as soon as the
body has arrived, and answers with the statuses in ``statuses``, in order, then 200.
``hold()`` makes it keep each answer back until ``release()``, as a slow or stuck
receiver would. Its certificate is a throwaway self-signed one for 127.0.0.1
(``ca_bundle_path``), as the Alexa API stand-in's is.
"""

from __future__ import annotations

import shutil
import ssl
import sys
import tempfile
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.standin_alexa_api import _write_self_signed_certificate

# However long a test holds an answer, the receiver lets go in the end.
LONGEST_HOLD_SECONDS = 30


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # A sender that gave up on a held answer is what some tests are about.
        if isinstance(sys.exc_info()[1], (ssl.SSLError, ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class StandInReceiver:
    def __init__(self) -> None:
        self.statuses: list[int] = []
        self._received: list[Received] = []
        self._arrived = threading.Condition()
        self._answer = threading.Event()
        self._answer.set()
        self._directory = Path(tempfile.mkdtemp(prefix="standin-webhook-"))
        certificate, key = _write_self_signed_certificate(self._directory)
        self.ca_bundle_path = certificate
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(certificate, key)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver._keep(Received(self.path, dict(self.headers.items()), body))
                receiver._answer.wait(LONGEST_HOLD_SECONDS)
                self.send_response(receiver._next_status())
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self._server.server_address[1]}/hook"

    @property
    def received(self) -> list[Received]:
        with self._arrived:
            return list(self._received)

    def _keep(self, request: Received) -> None:
        with self._arrived:
            self._received.append(request)
            self._arrived.notify_all()

    def _next_status(self) -> int:
        with self._arrived:
            return self.statuses.pop(0) if self.statuses else 200

    def wait_for(self, count: int, timeout: float = 10) -> list[Received]:
        """The requests received, once there are ``count`` (or what came within ``timeout``)."""
        with self._arrived:
            self._arrived.wait_for(lambda: len(self._received) >= count, timeout)
            return list(self._received)

    def hold(self) -> None:
        self._answer.clear()

    def release(self) -> None:
        self._answer.set()

    def close(self) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
        shutil.rmtree(self._directory, ignore_errors=True)
