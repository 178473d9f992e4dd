"""Verification of incoming Alexa requests, as Amazon requires of skills hosted as a web service.

Amazon's rules (developer.amazon.com, "Host a Custom Skill as a Web Service"):

* ``SignatureCertChainUrl`` must point into ``https://s3.amazonaws.com/echo.api/``;
* the certificate chain found there must be valid now, be issued for
  ``echo-api.amazon.com`` and lead to a trusted root;
* ``Signature-256`` must be that certificate's RSA SHA-256 signature of the raw body;
* the request timestamp must be at most 150 seconds from our clock;
* the request must be meant for this skill.

Each rule is an ``AbstractVerifier`` for flask-ask-sdk's ``SkillAdapter``. A rejected
request raises ``VerificationException`` whose message is a short reason, safe to show
in an HTTP 400 body: it never quotes the request body or a certificate.

The verifiers replace ask-sdk's own ``RequestVerifier``, which downloads with no
timeout or size limit, caches without bound and re-validates the chain for every
request with the unmaintained certvalidator/oscrypto. Here the chain is validated with
cryptography's X.509 verifier and cached per URL until it expires, so a request with a
warm cache costs one RSA signature check.

A download costs a thread for up to its deadline, and anyone can send a well-formed
chain URL with a junk signature. So a URL that failed is refused without a download
for a while, each URL is downloaded by one request at a time (others asking for it
wait for that one), different URLs download side by side, and only a few requests may
wait on downloads at once: the rest are refused at once, so verified traffic and
``/healthz`` always find a free thread.
"""

from __future__ import annotations

import base64
import logging
import posixpath
import re
import threading
import time
import warnings
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import unquote, urlsplit

import certifi
from ask_sdk_model import RequestEnvelope
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from skill.alexa import oscrypto_fix
from skill.alexa.bounded_http import HttpFailure, HttpTooLarge, http_call
from skill.log_values import clipped

oscrypto_fix.install()
from ask_sdk_webservice_support.verifier import (  # noqa: E402
    AbstractVerifier,
    VerificationException,
)

_LOGGER = logging.getLogger(__name__)

CERT_CHAIN_URL_HEADER = "SignatureCertChainUrl"
SIGNATURE_HEADER = "Signature-256"
SIGNING_CERTIFICATE_DNS_NAME = "echo-api.amazon.com"
MAX_CACHED_CHAINS = 16
MAX_REMEMBERED_FAILURES = 1024

_CHAIN_URL_HOST = "s3.amazonaws.com"
_CHAIN_URL_PATH_PREFIX = "/echo.api/"
_MIN_RSA_KEY_BITS = 2048
_REQUEST_TOLERANCE_SECONDS = 150
_SKILL_EVENT_TOLERANCE_SECONDS = 3600
_SKILL_EVENT_TYPE_PREFIX = "AlexaSkillEvent."
_FETCH_TIMEOUT_SECONDS = 2.0
_MAX_CHAIN_BYTES = 64 * 1024
_PEM_CERTIFICATE = re.compile(
    rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.DOTALL
)

Clock = Callable[[], datetime]
ChainFetcher = Callable[[str], bytes]


def utc_now() -> datetime:
    """The real clock: an aware datetime in UTC."""
    return datetime.now(timezone.utc)


def default_trust_store() -> Store:
    """The public roots to validate Amazon's chain against: Mozilla's, as certifi ships them.

    Call it once at start-up: it parses every root in the bundle, and it changes the
    warning filters for a moment, which is not thread-safe.
    """
    with open(certifi.where(), "rb") as bundle:
        bundle_pem = bundle.read()
    roots: list[x509.Certificate] = []
    # Some long-standing roots in Mozilla's bundle (Starfield Services Root CA G2, which
    # cross-signs Amazon's roots, among them) have serial number 0, for which
    # cryptography warns, and one day may refuse. Load each root on its own and skip one
    # that cannot be parsed rather than lose the whole bundle.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        for certificate_pem in _PEM_CERTIFICATE.findall(bundle_pem):
            try:
                roots.append(x509.load_pem_x509_certificate(certificate_pem))
            except ValueError:
                continue
    return Store(roots)


def fetch_certificate_chain(
    url: str, *, deadline_seconds: float = _FETCH_TIMEOUT_SECONDS, ca_bundle: str | None = None
) -> bytes:
    """Download a PEM certificate chain; any failure raises ``VerificationException``.

    The whole download, however slowly the server answers, is over within
    ``deadline_seconds``. Only call it with a URL that passed the
    ``SignatureCertChainUrl`` checks.
    """
    try:
        answer = http_call(
            "GET",
            url,
            deadline_seconds=deadline_seconds,
            max_bytes=_MAX_CHAIN_BYTES,
            ca_bundle=ca_bundle,
        )
    except HttpTooLarge:
        raise VerificationException("the signing certificate chain is too large") from None
    except HttpFailure as error:
        raise VerificationException("could not fetch the signing certificate chain") from error
    if answer.status != 200:
        raise VerificationException("could not fetch the signing certificate chain")
    return answer.body


class _LoggedVerifier(AbstractVerifier):
    """Logs every rejection, with the request id, before it reaches the SDK."""

    def verify(
        self,
        headers: Mapping[str, str],
        serialized_request_env: str,
        deserialized_request_env: RequestEnvelope,
    ) -> None:
        try:
            self._check(headers, serialized_request_env, deserialized_request_env)
        except VerificationException as rejection:
            _LOGGER.warning(
                "Rejected Alexa request %s: %s",
                clipped(_request_id(deserialized_request_env)),
                rejection,
            )
            raise

    def _check(self, headers: Mapping[str, str], body: str, envelope: RequestEnvelope) -> None:
        raise NotImplementedError


@dataclass(frozen=True)
class _VerifiedChain:
    signing_key: rsa.RSAPublicKey
    # The window in which every certificate of the verified path is valid.
    valid_from: datetime
    valid_until: datetime

    def is_valid_at(self, moment: datetime) -> bool:
        return self.valid_from <= moment <= self.valid_until


class _Download:
    """One chain URL being downloaded and verified; other requests for it wait on ``done``."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.chain: _VerifiedChain | None = None
        self.failure = "could not fetch the signing certificate chain"


class SignatureVerifier(_LoggedVerifier):
    """Checks ``SignatureCertChainUrl``, the chain it points to, and ``Signature-256``.

    ``trust_store`` holds the roots the chain must lead to (``default_trust_store()`` in
    production); ``clock`` returns an aware UTC datetime; ``fetch_chain`` downloads the
    PEM chain for a URL. Verified chains are cached per URL until they expire, so the
    chain is fetched once per URL, not once per request. A URL whose download or chain
    failed is refused without a download for ``retry_after_seconds`` (by ``monotonic``,
    which returns seconds). At most ``max_waiting`` requests wait on downloads at once,
    each for at most ``patience_seconds``. Safe to share between threads.
    """

    def __init__(
        self,
        trust_store: Store,
        clock: Clock = utc_now,
        fetch_chain: ChainFetcher = fetch_certificate_chain,
        *,
        retry_after_seconds: float = 60.0,
        max_waiting: int = 4,
        patience_seconds: float = _FETCH_TIMEOUT_SECONDS + 1,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_waiting < 1:
            raise ValueError(f"max_waiting must be at least 1, got {max_waiting}")
        self._trust_store = trust_store
        self._clock = clock
        self._fetch_chain = fetch_chain
        self._retry_after_seconds = retry_after_seconds
        self._patience_seconds = patience_seconds
        self._monotonic = monotonic
        # _lock guards the three dicts; it is never held while the network is used.
        self._lock = threading.Lock()
        self._chains: dict[str, _VerifiedChain] = {}
        self._failures: OrderedDict[str, tuple[float, str]] = OrderedDict()  # until, reason
        self._downloads: dict[str, _Download] = {}
        self._waiting = threading.BoundedSemaphore(max_waiting)

    def _check(self, headers: Mapping[str, str], body: str, envelope: RequestEnvelope) -> None:
        chain_url = _header(headers, CERT_CHAIN_URL_HEADER)
        _check_chain_url(chain_url)
        signature = _decode_signature(_header(headers, SIGNATURE_HEADER))
        signing_key = self._signing_key(chain_url, self._clock())
        try:
            signing_key.verify(signature, body.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise VerificationException("Signature-256 does not match the request body") from None

    def _signing_key(self, chain_url: str, now: datetime) -> rsa.RSAPublicKey:
        with self._lock:
            chain = self._known_chain(chain_url, now)
        if chain is not None:
            return chain.signing_key
        if not self._waiting.acquire(blocking=False):
            raise VerificationException("too many requests are waiting for certificate downloads")
        try:
            with self._lock:
                # Another request may have finished downloading while this one arrived.
                chain = self._known_chain(chain_url, now)
                if chain is not None:
                    return chain.signing_key
                download = self._downloads.get(chain_url)
                leading = download is None
                if leading:
                    download = self._downloads[chain_url] = _Download()
            if leading:
                self._download(chain_url, download, now)
            elif not download.done.wait(self._patience_seconds):
                raise VerificationException("could not fetch the signing certificate chain")
        finally:
            self._waiting.release()
        if download.chain is None:
            raise VerificationException(download.failure)
        return download.chain.signing_key

    def _known_chain(self, chain_url: str, now: datetime) -> _VerifiedChain | None:
        """The cached chain, or None to download; raises for a URL that failed recently."""
        chain = self._chains.get(chain_url)
        if chain is not None:
            if chain.is_valid_at(now):
                return chain
            del self._chains[chain_url]
        failed = self._failures.get(chain_url)
        if failed is not None:
            until, reason = failed
            if self._monotonic() < until:
                raise VerificationException(reason)
            del self._failures[chain_url]
        return None

    def _download(self, chain_url: str, download: _Download, now: datetime) -> None:
        try:
            download.chain = _verify_chain(self._fetch(chain_url), self._trust_store, now)
        except VerificationException as failure:
            download.failure = str(failure)
        finally:
            with self._lock:
                del self._downloads[chain_url]
                if download.chain is not None:
                    if len(self._chains) >= MAX_CACHED_CHAINS:
                        # Dicts keep insertion order: forget the chain cached first.
                        del self._chains[next(iter(self._chains))]
                    self._chains[chain_url] = download.chain
                else:
                    until = self._monotonic() + self._retry_after_seconds
                    self._failures[chain_url] = (until, download.failure)
                    self._failures.move_to_end(chain_url)
                    while len(self._failures) > MAX_REMEMBERED_FAILURES:
                        self._failures.popitem(last=False)
            download.done.set()

    def _fetch(self, chain_url: str) -> bytes:
        try:
            return self._fetch_chain(chain_url)
        except VerificationException:
            raise
        except Exception as error:
            # Whatever went wrong, an unfetched chain proves nothing: fail closed.
            raise VerificationException("could not fetch the signing certificate chain") from error


class TimestampVerifier(_LoggedVerifier):
    """Rejects requests more than 150 s from ``clock`` (an hour for skill events).

    The tolerance applies in both directions; ``clock`` returns an aware UTC datetime.
    """

    def __init__(self, clock: Clock = utc_now) -> None:
        self._clock = clock

    def _check(self, headers: Mapping[str, str], body: str, envelope: RequestEnvelope) -> None:
        request = envelope.request
        timestamp = getattr(request, "timestamp", None)
        if timestamp is None:
            raise VerificationException("the request has no timestamp")
        if timestamp.tzinfo is None:
            # Alexa's timestamps are UTC; never read one as server-local time.
            timestamp = timestamp.replace(tzinfo=timezone.utc)
        request_type = getattr(request, "object_type", None) or ""
        tolerance = (
            _SKILL_EVENT_TOLERANCE_SECONDS
            if request_type.startswith(_SKILL_EVENT_TYPE_PREFIX)
            else _REQUEST_TOLERANCE_SECONDS
        )
        if abs((self._clock() - timestamp).total_seconds()) > tolerance:
            raise VerificationException(
                f"the request timestamp is more than {tolerance} seconds from the server clock"
            )


class SkillIdVerifier(_LoggedVerifier):
    """Rejects requests whose application id is not ``skill_id``."""

    def __init__(self, skill_id: str) -> None:
        if not skill_id:
            raise ValueError("skill_id must be a non-empty string")
        self._skill_id = skill_id

    def _check(self, headers: Mapping[str, str], body: str, envelope: RequestEnvelope) -> None:
        application_id = _application_id(envelope)
        if not application_id:
            raise VerificationException("the request has no application id")
        if application_id != self._skill_id:
            raise VerificationException("the request is for a different skill")


def _header(headers: Mapping[str, str], name: str) -> str | None:
    # werkzeug's Headers match names case-insensitively, a plain dict does not.
    value = headers.get(name)
    if value is not None:
        return value
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def _check_chain_url(url: str | None) -> None:
    if not url:
        raise VerificationException(f"{CERT_CHAIN_URL_HEADER} header is missing")
    # urlsplit quietly drops some whitespace and control characters that the fetch
    # would keep; refusing them keeps what is checked and what is fetched the same URL.
    if not (url.isascii() and url.isprintable()) or " " in url:
        raise VerificationException(f"{CERT_CHAIN_URL_HEADER} contains forbidden characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise VerificationException(f"{CERT_CHAIN_URL_HEADER} is not a valid URL") from None
    if parts.scheme.lower() != "https":
        raise VerificationException(f"{CERT_CHAIN_URL_HEADER} must use https")
    if "@" in parts.netloc:
        raise VerificationException(f"{CERT_CHAIN_URL_HEADER} must not contain user information")
    # hostname is already lower-cased by urlsplit.
    if parts.hostname != _CHAIN_URL_HOST:
        raise VerificationException(f"{CERT_CHAIN_URL_HEADER} must be on {_CHAIN_URL_HOST}")
    if port not in (None, 443):
        raise VerificationException(f"{CERT_CHAIN_URL_HEADER} must use port 443")
    if parts.query or parts.fragment:
        raise VerificationException(
            f"{CERT_CHAIN_URL_HEADER} must not have a query string or fragment"
        )
    # Decode before resolving, so "%2e%2e" cannot climb out of the folder either.
    if not posixpath.normpath(unquote(parts.path)).startswith(_CHAIN_URL_PATH_PREFIX):
        raise VerificationException(
            f"{CERT_CHAIN_URL_HEADER} must be under {_CHAIN_URL_PATH_PREFIX}"
        )


def _decode_signature(value: str | None) -> bytes:
    if not value:
        raise VerificationException(f"{SIGNATURE_HEADER} header is missing")
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:
        raise VerificationException(f"{SIGNATURE_HEADER} header is not valid base64") from None


def _verify_chain(chain_pem: bytes, trust_store: Store, now: datetime) -> _VerifiedChain:
    try:
        leaf, *intermediates = x509.load_pem_x509_certificates(chain_pem)
    except ValueError:
        raise VerificationException("the signing certificate chain is not valid PEM") from None
    # The policy below checks validity too; checking the leaf first gives a clearer reason.
    if not leaf.not_valid_before_utc <= now <= leaf.not_valid_after_utc:
        raise VerificationException("the signing certificate is expired or not yet valid")
    verifier = (
        PolicyBuilder()
        .store(trust_store)
        .time(now)
        .build_server_verifier(x509.DNSName(SIGNING_CERTIFICATE_DNS_NAME))
    )
    try:
        verified_path = verifier.verify(leaf, intermediates)
    except VerificationError:
        # The error text quotes certificates; keep them out of the reason.
        raise VerificationException(
            f"the signing certificate chain is not trusted for {SIGNING_CERTIFICATE_DNS_NAME}"
        ) from None
    signing_key = leaf.public_key()
    # The policy accepts smaller RSA keys and other key types; Amazon's rules do not.
    if not isinstance(signing_key, rsa.RSAPublicKey) or signing_key.key_size < _MIN_RSA_KEY_BITS:
        raise VerificationException(
            f"the signing certificate must have an RSA key of at least {_MIN_RSA_KEY_BITS} bits"
        )
    return _VerifiedChain(
        signing_key=signing_key,
        valid_from=max(certificate.not_valid_before_utc for certificate in verified_path),
        valid_until=min(certificate.not_valid_after_utc for certificate in verified_path),
    )


def _application_id(envelope: RequestEnvelope) -> str | None:
    system = getattr(envelope.context, "system", None)
    application = getattr(system, "application", None)
    if application is None:
        application = getattr(envelope.session, "application", None)
    return getattr(application, "application_id", None)


def _request_id(envelope: RequestEnvelope | None) -> str | None:
    return getattr(getattr(envelope, "request", None), "request_id", None)
