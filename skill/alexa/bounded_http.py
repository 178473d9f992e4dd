"""HTTP calls out of the skill with one deadline for the whole call and a size cap.

requests' and urllib3's timeouts bound each wait on the socket, not the call: a
server that trickles its answer a byte at a time never trips them, and name
resolution is not bounded at all. libcurl's ``CURLOPT_TIMEOUT_MS`` bounds the whole
transfer (resolving, connecting, TLS, headers and body), so the skill's calls to
Alexa's APIs and its certificate downloads go through pycurl, libcurl's binding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import certifi


class HttpFailure(Exception):
    """No whole answer within the deadline or the size cap, or no answer at all.

    The message is libcurl's, which names the host but never the path or the headers.
    """


class HttpTooLarge(HttpFailure):
    """The answer is longer than the caller allows."""


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def http_call(
    method: str,
    url: str,
    *,
    deadline_seconds: float,
    max_bytes: int,
    headers: Sequence[tuple[str, str]] = (),
    body: bytes | None = None,
    ca_bundle: str | None = None,
) -> HttpAnswer:
    """One HTTP(S) exchange, over within ``deadline_seconds`` whatever the server does.

    Redirects are not followed and the body is not decompressed (a small compressed
    answer could expand past ``max_bytes``). ``ca_bundle`` is the PEM file of trusted
    roots; by default certifi's.
    """
    import pycurl  # on the first call out, not at every start (a fiftieth of it)

    received = bytearray()
    header_lines: list[bytes] = []
    too_large = False

    def keep_body(chunk: bytes) -> int | None:
        nonlocal too_large
        if len(received) + len(chunk) > max_bytes:
            too_large = True
            return 0  # anything but len(chunk) makes libcurl abort the transfer
        received.extend(chunk)
        return None

    curl = pycurl.Curl()
    try:
        curl.setopt(pycurl.URL, url)
        curl.setopt(pycurl.CUSTOMREQUEST, method.upper())
        curl.setopt(pycurl.PROTOCOLS, pycurl.PROTO_HTTPS | pycurl.PROTO_HTTP)
        curl.setopt(pycurl.TIMEOUT_MS, max(1, round(deadline_seconds * 1000)))
        # libcurl's signal-based DNS timeout is unsafe in threads; its resolver is threaded.
        curl.setopt(pycurl.NOSIGNAL, 1)
        curl.setopt(pycurl.CAINFO, ca_bundle or certifi.where())
        curl.setopt(pycurl.HTTPHEADER, [f"{name}: {value}" for name, value in headers])
        curl.setopt(pycurl.MAXFILESIZE, max_bytes)
        curl.setopt(pycurl.WRITEFUNCTION, keep_body)
        curl.setopt(pycurl.HEADERFUNCTION, header_lines.append)
        if body is not None:
            curl.setopt(pycurl.POSTFIELDS, body)
        curl.perform()
        status = curl.getinfo(pycurl.RESPONSE_CODE)
    except pycurl.error as error:
        code, message = error.args
        if too_large or code == pycurl.E_FILESIZE_EXCEEDED:
            raise HttpTooLarge(f"the answer is longer than {max_bytes} bytes") from None
        raise HttpFailure(message or f"libcurl error {code}") from None
    finally:
        curl.close()
    return HttpAnswer(status, _parsed_headers(header_lines), bytes(received))


def _parsed_headers(lines: list[bytes]) -> list[tuple[str, str]]:
    """The last response's headers (an interim 100 Continue has its own status line)."""
    headers: list[tuple[str, str]] = []
    for raw in lines:
        line = raw.decode("iso-8859-1").strip()
        if line.startswith("HTTP/"):
            headers = []
        elif ":" in line:
            name, value = line.split(":", 1)
            headers.append((name.strip(), value.strip()))
    return headers
