"""The skill's token check: Authlib's bearer-token rules over the store, at the
request's own time. Imports no Flask: the skill's ``Turn`` uses it directly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import TokenMixin
from authlib.oauth2.rfc6750 import BearerTokenValidator
from sqlalchemy.orm import Session

from skill.store import AccessTokenOnRecord, IssuedTokens, LinkedPatient, token_hash

# What a linked account lets the skill read: the treatments her clinic recorded.
SCOPE = "treatments"


@dataclass
class AccessOnRecord(TokenMixin):
    """Authlib's view of an access token, judged at the request's own time."""

    record: AccessTokenOnRecord
    now: datetime

    def get_scope(self) -> str:
        return self.record.scope

    def is_expired(self) -> bool:
        return self.now >= self.record.expires_at

    def is_revoked(self) -> bool:
        return self.record.revoked


class LinkedAccountValidator(BearerTokenValidator):
    """The skill's token check: Authlib's bearer-token rules over the store."""

    def __init__(self, session: Session, now: datetime) -> None:
        super().__init__()
        self.session = session
        self.now = now

    def authenticate_token(self, token_string: str) -> AccessOnRecord | None:
        record = IssuedTokens(self.session).on_record(token_hash(token_string))
        return None if record is None else AccessOnRecord(record, self.now)


def linked_patient(session: Session, access_token: str, now: datetime) -> LinkedPatient | None:
    """The clinic's patient an access token links to, or None when the token is
    unknown, expired, revoked or not for this skill's scope."""
    validator = LinkedAccountValidator(session, now)
    token = validator.authenticate_token(access_token)
    try:
        validator.validate_token(token, [SCOPE], None)
    except OAuth2Error:
        return None
    return token.record.patient
