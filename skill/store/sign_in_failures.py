"""Failed sign-ins, counted per account and per address to throttle guessing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .database import token_hash
from .schema import SignInFailure


def _account_key(email: str) -> str:
    # Kept hashed: what strangers type into the email field is nobody's business.
    return token_hash(email.strip().lower())


class SignInFailures:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, email: str, address: str, now: datetime) -> None:
        self.session.add(
            SignInFailure(account_hash=_account_key(email), address=address, failed_at=now)
        )

    def for_account(self, email: str, since: datetime) -> int:
        return self._count(SignInFailure.account_hash == _account_key(email), since)

    def from_address(self, address: str, since: datetime) -> int:
        return self._count(SignInFailure.address == address, since)

    def _count(self, condition, since: datetime) -> int:
        return self.session.execute(
            select(func.count()).where(condition, SignInFailure.failed_at > since)
        ).scalar_one()

    def forget_account(self, email: str) -> None:
        """A successful sign-in starts the account's count afresh."""
        self.session.execute(
            delete(SignInFailure).where(SignInFailure.account_hash == _account_key(email))
        )

    def forget_older_than(self, before: datetime) -> None:
        self.session.execute(delete(SignInFailure).where(SignInFailure.failed_at <= before))
