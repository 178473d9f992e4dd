"""Authlib's authorization server for Alexa account linking, over the store.

The grants only fill Authlib's storage hooks; Authlib does the protocol:
client authentication (HTTP Basic or the request body, whichever the client was
registered with), exact redirect URIs, ``state``, PKCE, ``expires_in``.

What is ours:

- PKCE is required, and only S256 (Alexa sends it once it is enabled in the
  developer console).
- Authorization codes live five minutes and are spent, not deleted, when
  exchanged: a second exchange finds the spent code and revokes the link it
  started, so every token issued from it stops working (RFC 6749 §4.1.2).
- Refresh tokens rotate: each refresh marks the old row rotated and issues a
  new pair in the same link. An old refresh token presented again means it
  leaked; the whole link (the token family) is revoked (RFC 9700 §4.14.2).
- Codes and tokens are stored as SHA-256 hashes. They carry 250 or more random
  bits each, so nobody can search for the token behind a hash: a slow password
  hash would add nothing but time on every skill request.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import (
    AuthorizationCodeMixin,
    ClientMixin,
    InvalidRequestError,
    TokenMixin,
    grants,
)
from authlib.oauth2.rfc6749.util import list_to_scope, scope_to_list
from authlib.oauth2.rfc7636 import CodeChallenge
from flask import Flask, current_app
from sqlalchemy.orm import Session

from skill.store import (
    AccountLinks,
    AuthorizationCode,
    AuthorizationCodes,
    IssuedToken,
    IssuedTokens,
    OAuthClient,
    OAuthClients,
    Patient,
    get_store,
    token_hash,
)

from .tokens import SCOPE

log = logging.getLogger(__name__)

EXTENSION_KEY = "aftercare_oauth"
AUTH_METHODS = ("client_secret_basic", "client_secret_post")
AUTHORIZATION_CODE_LIFETIME = timedelta(minutes=5)
ACCESS_TOKEN_LIFETIME = timedelta(hours=1)
# Counted from the last refresh: a patient who uses the skill now and then stays linked.
REFRESH_TOKEN_LIFETIME = timedelta(days=180)
# Alexa's redirect URIs, one per region; {vendor_id} is the developer's vendor id.
ALEXA_REDIRECT_URIS = (
    "https://pitangui.amazon.com/api/skill/link/{vendor_id}",
    "https://layla.amazon.com/api/skill/link/{vendor_id}",
    "https://alexa.amazon.co.jp/api/skill/link/{vendor_id}",
)


def database() -> Session:
    return get_store(current_app).request_session()


def linking_server() -> LinkingServer:
    found: LinkingServer = current_app.extensions[EXTENSION_KEY]
    return found


def _now() -> datetime:
    return linking_server().clock()


class RegisteredClient(ClientMixin):
    """Authlib's view of a client row."""

    def __init__(self, row: OAuthClient) -> None:
        self.row = row

    def get_client_id(self) -> str:
        return self.row.client_id

    def get_default_redirect_uri(self) -> None:
        return None  # Alexa always names its redirect URI; without one, nothing to send back to

    def get_allowed_scope(self, scope: str | None) -> str | None:
        allowed = scope_to_list(self.row.scope)
        if not scope:
            return self.row.scope
        asked = scope_to_list(scope)
        return list_to_scope(asked) if set(asked) <= set(allowed) else None

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.row.redirect_uris  # exactly, never a prefix

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(token_hash(client_secret), self.row.secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method == self.row.auth_method

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "refresh_token")


@dataclass
class CodeOnRecord(AuthorizationCodeMixin):
    row: AuthorizationCode

    @property
    def code_challenge(self) -> str:
        return self.row.code_challenge

    @property
    def code_challenge_method(self) -> str:
        return self.row.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scope


@dataclass
class RefreshOnRecord(TokenMixin):
    row: IssuedToken
    client_pk: int

    def check_client(self, client: RegisteredClient) -> bool:
        return client.row.id == self.client_pk

    def get_scope(self) -> str:
        return self.row.scope


def _patient(patient_id: int) -> Patient | None:
    patient = database().get(Patient, patient_id)
    return patient if patient is not None and patient.clinic_id is not None else None


class AlexaAuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = list(AUTH_METHODS)

    def save_authorization_code(self, code: str, request) -> None:
        now = _now()
        AuthorizationCodes(database()).add(
            AuthorizationCode(
                code_hash=token_hash(code),
                client_id=request.client.row.id,
                patient_id=request.user.id,
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope,
                code_challenge=request.payload.data["code_challenge"],
                code_challenge_method=request.payload.data["code_challenge_method"],
                issued_at=now,
                expires_at=now + AUTHORIZATION_CODE_LIFETIME,
            )
        )

    def query_authorization_code(self, code: str, client: RegisteredClient):
        row = AuthorizationCodes(database()).by_hash(token_hash(code))
        if row is None or row.client_id != client.row.id:
            return None
        if row.link_id is not None:
            # Used before: whoever holds it now may hold what it issued. End all of it.
            AccountLinks(database()).revoke(row.link_id, _now())
            log.warning("authorization code %s used again: link %s revoked", row.id, row.link_id)
            return None
        return CodeOnRecord(row) if _now() < row.expires_at else None

    def delete_authorization_code(self, authorization_code: CodeOnRecord) -> None:
        # Spent, not deleted: it keeps the link it started (see save_token), so
        # that a second use can revoke it.
        authorization_code.row.link_id = self.request.link_id

    def authenticate_user(self, authorization_code: CodeOnRecord) -> Patient | None:
        return _patient(authorization_code.row.patient_id)


class RotatingRefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = list(AUTH_METHODS)
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshOnRecord | None:
        row = IssuedTokens(database()).by_refresh_hash(token_hash(refresh_token))
        if row is None:
            return None
        links = AccountLinks(database())
        link = links.get(row.link_id)
        if row.rotated_at is not None:
            # An old refresh token again: it leaked. Its whole family goes.
            links.revoke(row.link_id, _now())
            log.warning("refresh token %s replayed: link %s revoked", row.id, row.link_id)
            return None
        if link is None or link.revoked_at is not None or _now() >= row.refresh_expires_at:
            return None
        return RefreshOnRecord(row, link.client_id)

    def authenticate_user(self, refresh_token: RefreshOnRecord) -> Patient | None:
        link = AccountLinks(database()).get(refresh_token.row.link_id)
        return None if link is None else _patient(link.patient_id)

    def revoke_old_credential(self, refresh_token: RefreshOnRecord) -> None:
        refresh_token.row.rotated_at = _now()


class S256CodeChallenge(CodeChallenge):
    """PKCE, required of every client, with S256 only."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant, redirect_uri) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("Missing 'code_challenge': PKCE is required.")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be S256.")
        super().validate_code_challenge(grant, redirect_uri)


class LinkingServer(AuthorizationServer):
    def __init__(self, clock: Callable[[], datetime]) -> None:
        super().__init__(query_client=self._find_client, save_token=self._store_token)
        self.clock = clock
        self.scopes_supported = [SCOPE]
        expires_in = int(ACCESS_TOKEN_LIFETIME.total_seconds())
        self.load_config(
            {
                "OAUTH2_REFRESH_TOKEN_GENERATOR": True,
                "OAUTH2_TOKEN_EXPIRES_IN": {
                    "authorization_code": expires_in,
                    "refresh_token": expires_in,
                },
                "OAUTH2_SCOPES_SUPPORTED": [SCOPE],
            }
        )
        self.register_grant(AlexaAuthorizationCodeGrant, [S256CodeChallenge(required=True)])
        self.register_grant(RotatingRefreshTokenGrant)

    @staticmethod
    def _find_client(client_id: str) -> RegisteredClient | None:
        row = OAuthClients(database()).by_client_id(client_id)
        return None if row is None else RegisteredClient(row)

    def _store_token(self, token: dict, request) -> None:
        now = self.clock()
        if request.payload.grant_type == "authorization_code":
            link = AccountLinks(database()).start(
                patient_id=request.user.id, client_id=request.client.row.id, now=now
            )
            link_id = link.id
            log.info("patient %s linked (link %s)", request.user.id, link_id)
        else:
            link_id = request.refresh_token.row.link_id
        request.link_id = link_id
        IssuedTokens(database()).add(
            IssuedToken(
                link_id=link_id,
                access_token_hash=token_hash(token["access_token"]),
                refresh_token_hash=token_hash(token["refresh_token"]),
                scope=token.get("scope") or SCOPE,
                issued_at=now,
                access_expires_at=now + timedelta(seconds=token["expires_in"]),
                refresh_expires_at=now + REFRESH_TOKEN_LIFETIME,
            )
        )


def init_app(app: Flask, clock: Callable[[], datetime]) -> None:
    # Authlib's debug lines quote codes and tokens; they must never reach a log.
    logging.getLogger("authlib").setLevel(logging.INFO)
    app.extensions[EXTENSION_KEY] = LinkingServer(clock)
