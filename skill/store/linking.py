"""Account linking's records: the OAuth clients (Alexa), the linking codes clinic
staff issue, the links (one per linking, each a family of tokens), the
authorization codes and the tokens issued.

Every code and token is kept only as a hash the caller computes (see
``skill.oauth``), so a copy of the database links no one and signs nothing in.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from .database import new_token, token_hash
from .patients import PatientOnRecord
from .schema import (
    AccountLink,
    AuthorizationCode,
    Clinic,
    IssuedToken,
    LinkingCode,
    OAuthClient,
    Patient,
    Treatment,
)


class OAuthClients:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self,
        *,
        name: str,
        redirect_uris: list[str],
        auth_method: str,
        scope: str,
        now: datetime,
    ) -> tuple[OAuthClient, str]:
        """A new client and its secret, which is shown once and kept only hashed.
        The caller commits."""
        secret = new_token()
        client = OAuthClient(
            client_id=f"aftercare-{secrets.token_hex(12)}",
            secret_hash=token_hash(secret),
            name=name,
            redirect_uris=list(redirect_uris),
            auth_method=auth_method,
            scope=scope,
            created_at=now,
        )
        self.session.add(client)
        self.session.flush()
        return client, secret

    def by_client_id(self, client_id: str) -> OAuthClient | None:
        return self.session.scalars(
            select(OAuthClient).where(OAuthClient.client_id == client_id)
        ).one_or_none()


def usable(code: LinkingCode, now: datetime) -> bool:
    """Whether a linking code may still link: not used, not revoked, not expired."""
    return code.used_at is None and code.revoked_at is None and now < code.expires_at


class LinkingCodes:
    """The codes a clinic hands a patient. One at a time: a new one revokes the last."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def issue(
        self,
        *,
        patient_id: int,
        code_hash: str,
        staff_id: int | None,
        now: datetime,
        valid_for: timedelta,
    ) -> LinkingCode:
        """Records a new code (its hash) for her; the caller commits."""
        self.revoke_outstanding(patient_id, now)
        code = LinkingCode(
            code_hash=code_hash,
            patient_id=patient_id,
            issued_by_staff_id=staff_id,
            issued_at=now,
            expires_at=now + valid_for,
        )
        self.session.add(code)
        self.session.flush()
        return code

    def by_hash(self, code_hash: str) -> LinkingCode | None:
        return self.session.scalars(
            select(LinkingCode).where(LinkingCode.code_hash == code_hash)
        ).one_or_none()

    def get(self, code_id: int) -> LinkingCode | None:
        return self.session.get(LinkingCode, code_id)

    def outstanding(self, patient_id: int, now: datetime) -> LinkingCode | None:
        """Her code that can still be used, if any."""
        return self.session.scalars(
            select(LinkingCode).where(
                LinkingCode.patient_id == patient_id,
                LinkingCode.used_at.is_(None),
                LinkingCode.revoked_at.is_(None),
                LinkingCode.expires_at > now,
            )
        ).first()

    def revoke_outstanding(self, patient_id: int, now: datetime) -> int:
        revoked = self.session.execute(
            update(LinkingCode)
            .where(
                LinkingCode.patient_id == patient_id,
                LinkingCode.used_at.is_(None),
                LinkingCode.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
        return revoked.rowcount


class AccountLinks:
    def __init__(self, session: Session) -> None:
        self.session = session

    def start(self, *, patient_id: int, client_id: int, now: datetime) -> AccountLink:
        link = AccountLink(patient_id=patient_id, client_id=client_id, linked_at=now)
        self.session.add(link)
        self.session.flush()
        return link

    def get(self, link_id: int) -> AccountLink | None:
        return self.session.get(AccountLink, link_id)

    def active_of_patient(self, patient_id: int) -> list[AccountLink]:
        return list(
            self.session.scalars(
                select(AccountLink)
                .where(AccountLink.patient_id == patient_id, AccountLink.revoked_at.is_(None))
                .order_by(AccountLink.linked_at)
            )
        )

    def revoke(self, link_id: int, now: datetime) -> None:
        """Ends every token of the link at once; the caller commits."""
        self.session.execute(
            update(AccountLink)
            .where(AccountLink.id == link_id, AccountLink.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    def revoke_of_patient(self, patient_id: int, now: datetime) -> int:
        """Unlinks her everywhere (staff unlinked her); returns how many links ended."""
        return self._revoke_where(AccountLink.patient_id == patient_id, now)

    def revoke_of_alexa_user(self, alexa_user_id: str, now: datetime) -> int:
        """Unlinks that Alexa account (she disabled the skill)."""
        return self._revoke_where(AccountLink.alexa_user_id == alexa_user_id, now)

    def _revoke_where(self, condition, now: datetime) -> int:
        revoked = self.session.execute(
            update(AccountLink)
            .where(condition, AccountLink.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return revoked.rowcount

    def learn_alexa_user(self, link_id: int, alexa_user_id: str) -> None:
        self.session.execute(
            update(AccountLink).where(AccountLink.id == link_id).values(alexa_user_id=alexa_user_id)
        )

    def announce(self, link_id: int, now: datetime) -> None:
        self.session.execute(
            update(AccountLink)
            .where(AccountLink.id == link_id, AccountLink.announced_at.is_(None))
            .values(announced_at=now)
        )


class AuthorizationCodes:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, code: AuthorizationCode) -> AuthorizationCode:
        self.session.add(code)
        self.session.flush()
        return code

    def by_hash(self, code_hash: str) -> AuthorizationCode | None:
        return self.session.scalars(
            select(AuthorizationCode).where(AuthorizationCode.code_hash == code_hash)
        ).one_or_none()


@dataclass(frozen=True, kw_only=True)
class LinkedPatient(PatientOnRecord):
    """A clinic's patient, reached through a linked Alexa account."""

    clinic_name: str
    link_id: int
    alexa_user_id: str | None
    announced: bool  # she has been told, once, that the skill answers from the clinic's record


@dataclass(frozen=True)
class AccessTokenOnRecord:
    """What an access token grants, and whether it still may."""

    scope: str
    expires_at: datetime
    revoked: bool  # its link was revoked, or its refresh token was used
    patient: LinkedPatient


_latest_treatment = (
    select(func.max(Treatment.treated_at))
    .where(Treatment.patient_id == Patient.id)
    .correlate(Patient)
    .scalar_subquery()
)
# Built once, and one query: every request of a linked patient asks it.
_BY_ACCESS_TOKEN = (
    select(
        IssuedToken.scope,
        IssuedToken.access_expires_at,
        AccountLink.revoked_at.is_not(None) | IssuedToken.rotated_at.is_not(None),
        Patient.id,
        _latest_treatment,
        Clinic.name,
        AccountLink.id,
        AccountLink.alexa_user_id,
        AccountLink.announced_at.is_not(None),
    )
    .join(AccountLink, AccountLink.id == IssuedToken.link_id)
    .join(Patient, Patient.id == AccountLink.patient_id)
    .join(Clinic, Clinic.id == Patient.clinic_id)
    .where(IssuedToken.access_token_hash == bindparam("access_token_hash"))
)


class IssuedTokens:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, token: IssuedToken) -> IssuedToken:
        self.session.add(token)
        self.session.flush()
        return token

    def by_refresh_hash(self, refresh_hash: str) -> IssuedToken | None:
        return self.session.scalars(
            select(IssuedToken).where(IssuedToken.refresh_token_hash == refresh_hash)
        ).one_or_none()

    def by_access_hash(self, access_hash: str) -> IssuedToken | None:
        return self.session.scalars(
            select(IssuedToken).where(IssuedToken.access_token_hash == access_hash)
        ).one_or_none()

    def of_link(self, link_id: int) -> list[IssuedToken]:
        return list(
            self.session.scalars(
                select(IssuedToken).where(IssuedToken.link_id == link_id).order_by(IssuedToken.id)
            )
        )

    def on_record(self, access_hash: str) -> AccessTokenOnRecord | None:
        """The token with that hash, its link and its patient, or None if never issued."""
        row = self.session.execute(
            _BY_ACCESS_TOKEN, {"access_token_hash": access_hash}
        ).one_or_none()
        if row is None:
            return None
        scope, expires_at, revoked, patient_id, latest, clinic, link_id, user, announced = row
        patient = LinkedPatient(
            patient_id,
            latest,
            clinic_name=clinic,
            link_id=link_id,
            alexa_user_id=user,
            announced=bool(announced),
        )
        return AccessTokenOnRecord(scope, expires_at, bool(revoked), patient)
