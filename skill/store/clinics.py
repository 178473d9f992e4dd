"""Clinics, their staff accounts, and the staff's signed-in sessions."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .database import new_token, token_hash
from .schema import Clinic, StaffAccount, StaffSession


class Clinics:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, *, name: str, timezone: str, now: datetime) -> Clinic:
        clinic = Clinic(name=name, timezone=timezone, created_at=now)
        self.session.add(clinic)
        self.session.flush()
        return clinic

    def get(self, clinic_id: int) -> Clinic | None:
        return self.session.get(Clinic, clinic_id)


class StaffAccounts:
    """Staff accounts. Sign-in looks them up across clinics by email; everything
    else goes through one clinic."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def by_email(self, email: str) -> StaffAccount | None:
        return self.session.scalars(
            select(StaffAccount).where(StaffAccount.email == email.strip().lower())
        ).one_or_none()

    def of_clinic(self, clinic_id: int) -> list[StaffAccount]:
        return list(
            self.session.scalars(
                select(StaffAccount)
                .where(StaffAccount.clinic_id == clinic_id)
                .order_by(StaffAccount.email)
            )
        )

    def get(self, clinic_id: int, staff_id: int) -> StaffAccount | None:
        """A staff account of that clinic; another clinic's id finds nothing."""
        return self.session.scalars(
            select(StaffAccount).where(
                StaffAccount.id == staff_id, StaffAccount.clinic_id == clinic_id
            )
        ).one_or_none()

    def add(self, *, clinic_id: int, email: str, is_admin: bool, now: datetime) -> StaffAccount:
        """An account with no password yet; give the person a link from :meth:`issue_setup_link`."""
        account = StaffAccount(
            clinic_id=clinic_id, email=email.strip().lower(), is_admin=is_admin, created_at=now
        )
        self.session.add(account)
        self.session.flush()
        return account

    def issue_setup_link(self, account: StaffAccount, now: datetime, valid_for: timedelta) -> str:
        """A one-time token with which the person chooses a (new) password.
        Any earlier token of theirs stops working. The caller commits."""
        token = new_token()
        account.setup_token_hash = token_hash(token)
        account.setup_token_expires_at = now + valid_for
        return token

    def by_setup_token(self, token: str, now: datetime) -> StaffAccount | None:
        """The account a still-valid one-time token belongs to."""
        account = self.session.scalars(
            select(StaffAccount).where(StaffAccount.setup_token_hash == token_hash(token))
        ).one_or_none()
        if account is None or account.setup_token_expires_at is None:
            return None
        return account if now < account.setup_token_expires_at else None

    def set_password(self, account: StaffAccount, password_hash: str) -> None:
        """Sets the password and spends the one-time token; the caller commits."""
        account.password_hash = password_hash
        account.setup_token_hash = None
        account.setup_token_expires_at = None

    def remove(self, account: StaffAccount) -> None:
        """Deletes the account; its sessions go with it. The caller commits."""
        StaffSessions(self.session).end_all(account.id)
        self.session.delete(account)


class StaffSessions:
    """Signed-in browsers. The cookie carries a token; only its hash is kept here."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def start(self, staff_id: int, now: datetime, lifetime: timedelta) -> str:
        token = new_token()
        self.session.add(
            StaffSession(
                token_hash=token_hash(token),
                staff_id=staff_id,
                created_at=now,
                expires_at=now + lifetime,
            )
        )
        return token

    def staff_for(self, token: str, now: datetime) -> StaffAccount | None:
        """Who is signed in with ``token``, or None if it was ended or has expired."""
        return self.session.scalars(
            select(StaffAccount)
            .join(StaffSession, StaffSession.staff_id == StaffAccount.id)
            .where(StaffSession.token_hash == token_hash(token), StaffSession.expires_at > now)
        ).one_or_none()

    def end(self, token: str) -> None:
        ended = delete(StaffSession).where(StaffSession.token_hash == token_hash(token))
        self.session.execute(ended)

    def end_all(self, staff_id: int) -> None:
        """Signs the person out of every browser."""
        self.session.execute(delete(StaffSession).where(StaffSession.staff_id == staff_id))

    def end_expired(self, now: datetime) -> None:
        self.session.execute(delete(StaffSession).where(StaffSession.expires_at <= now))
