"""The tables: one metadata for the skill, the portal, account linking, reminders and check-ins.

A *patient* owns treatments. She is either self-reported — the skill knows her
only by the opaque Alexa user id and she told it her treatments herself — or a
clinic's patient, whose record one clinic keeps in the portal. Exactly one of
``alexa_user_id`` and ``clinic_id`` is set, and the database enforces it.

Every instant goes in and comes out timezone-aware in UTC, whichever database
holds it. Tokens (one-time sign-in links, staff sessions) are stored only as
their SHA-256 hash, so a copy of the database signs no one in. Account
linking's tokens and codes are kept hashed too (see ``skill/oauth``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    MetaData,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from skill.config import USER_ID_MAX_LENGTH

# SHA-256 in hex: how every token is kept.
TOKEN_HASH_LENGTH = 64
# A check-in's words (what Alexa heard, the value it resolved to) and the answer she heard.
CHECK_IN_WORDS_LENGTH = 200
CHECK_IN_ANSWER_LENGTH = 1000
WEBHOOK_URL_LENGTH = 2000


def as_utc(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        # The message names the field, never the value: it may end up in a log.
        raise ValueError(f"{what} must be a timezone-aware datetime")
    return value.astimezone(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """An instant stored in UTC; naive datetimes are refused, results are aware UTC.

    PostgreSQL keeps ``timestamptz`` as an instant but hands it back in the
    session's ``TimeZone``; SQLite has no time zone type at all and keeps the
    UTC wall time. Both come back as the same aware UTC datetime.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        in_utc = as_utc(value, "a stored instant")
        if dialect.name == "sqlite":
            return in_utc.replace(tzinfo=None)
        return in_utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    # Named constraints let migrations refer to them identically on every database.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class Clinic(Base):
    __tablename__ = "clinics"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))  # IANA: the default for its treatments
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StaffAccount(Base):
    """Someone who signs in to one clinic's portal."""

    __tablename__ = "staff_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # lower-cased
    is_admin: Mapped[bool]
    # None until the person chooses a password through their one-time link.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    setup_token_hash: Mapped[str | None] = mapped_column(String(TOKEN_HASH_LENGTH), unique=True)
    setup_token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StaffSession(Base):
    """A signed-in browser. Kept here, not only in the cookie, so signing out
    or removing the account ends it everywhere at once."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(TOKEN_HASH_LENGTH), unique=True)
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SignInFailure(Base):
    """A failed sign-in, counted per account and per address to throttle guessing.

    In the database rather than in memory, so every server process counts the same.
    """

    __tablename__ = "sign_in_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_hash: Mapped[str] = mapped_column(String(TOKEN_HASH_LENGTH), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class Patient(Base):
    __tablename__ = "patients"
    __table_args__ = (
        CheckConstraint("(alexa_user_id IS NULL) <> (clinic_id IS NULL)", name="one_owner"),
        # NULLs are distinct in a unique constraint, so patients without a reference never clash.
        UniqueConstraint("clinic_id", "clinic_reference"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # A self-reported patient: the userId Alexa sends with every request.
    alexa_user_id: Mapped[str | None] = mapped_column(String(USER_ID_MAX_LENGTH), unique=True)
    # A clinic's patient: the clinic's record of her.
    clinic_id: Mapped[int | None] = mapped_column(
        ForeignKey("clinics.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str | None] = mapped_column(String(200))
    clinic_reference: Mapped[str | None] = mapped_column(String(64))
    date_of_birth: Mapped[date | None] = mapped_column(Date())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Treatment(Base):
    __tablename__ = "treatments"
    __table_args__ = (
        # One row per instant: saying the same treatment twice is not two sessions.
        UniqueConstraint("patient_id", "treated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    treated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # What a clinic records beside the instant; a self-reported treatment has none of it.
    timezone: Mapped[str | None] = mapped_column(String(64))  # the zone it was entered in
    treated_areas: Mapped[list[str] | None] = mapped_column(JSON())  # the sheet's area ids
    session_number: Mapped[int | None]
    recorded_by_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="SET NULL")
    )


class OAuthClient(Base):
    """A client of the authorization server: Alexa, with its id and secret."""

    __tablename__ = "oauth_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(TOKEN_HASH_LENGTH))
    name: Mapped[str] = mapped_column(String(200))
    redirect_uris: Mapped[list[str]] = mapped_column(JSON())  # matched exactly
    # client_secret_basic or client_secret_post, as set in the Alexa developer console.
    auth_method: Mapped[str] = mapped_column(String(32))
    scope: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LinkingCode(Base):
    """A code clinic staff hand a patient, to link her Alexa account to her record.

    Single use, expiring, revocable; burnt after too many wrong dates of birth.
    """

    __tablename__ = "linking_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(TOKEN_HASH_LENGTH), unique=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    issued_by_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="SET NULL")
    )
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    wrong_birth_dates: Mapped[int] = mapped_column(default=0)


class AccountLink(Base):
    """One linking of an Alexa account to a clinic's patient: the family of every
    token issued from one authorization code. Revoking it ends them all."""

    __tablename__ = "account_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    client_id: Mapped[int] = mapped_column(
        ForeignKey("oauth_clients.id", ondelete="CASCADE"), index=True
    )
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Learned from the first skill request (or SkillAccountLinked event) carrying
    # its token, so that disabling the skill can revoke it.
    alexa_user_id: Mapped[str | None] = mapped_column(String(USER_ID_MAX_LENGTH), index=True)
    # When the skill told her, once, that it now answers from the clinic's record.
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuthorizationCode(Base):
    """An OAuth authorization code: minutes long, single use. Once exchanged it
    keeps the link it started, so a second use can revoke what it issued."""

    __tablename__ = "authorization_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(TOKEN_HASH_LENGTH), unique=True)
    client_id: Mapped[int] = mapped_column(
        ForeignKey("oauth_clients.id", ondelete="CASCADE"), index=True
    )
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    redirect_uri: Mapped[str] = mapped_column(String(1000))
    scope: Mapped[str] = mapped_column(String(200))
    code_challenge: Mapped[str] = mapped_column(String(128))
    code_challenge_method: Mapped[str] = mapped_column(String(16))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    link_id: Mapped[int | None] = mapped_column(
        ForeignKey("account_links.id", ondelete="CASCADE"), index=True
    )


class IssuedToken(Base):
    """An access token and its refresh token. Refreshing rotates: the row is
    marked rotated and a new one issued in the same link."""

    __tablename__ = "issued_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(
        ForeignKey("account_links.id", ondelete="CASCADE"), index=True
    )
    access_token_hash: Mapped[str] = mapped_column(String(TOKEN_HASH_LENGTH), unique=True)
    refresh_token_hash: Mapped[str] = mapped_column(String(TOKEN_HASH_LENGTH), unique=True)
    scope: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    access_expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    refresh_expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Reminder(Base):
    """A reminder the skill created through Alexa's Reminders API for a patient.

    Kept so that asking twice sets nothing twice, "cancel my reminders" finds
    them, and a new treatment replaces them. Keyed to the patient (not to an
    Alexa user id), so a linked clinic patient's reminders are hers too; the
    treatment instant says which treatment's milestones they ring for.
    """

    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("patient_id", "treated_at", "milestone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    treated_at: Mapped[datetime] = mapped_column(UTCDateTime())  # the treatment it follows
    milestone: Mapped[str] = mapped_column(String(100))  # "makeup", "swimming+sauna+workout", …
    # The Reminders API's id for it (alertToken): opaque, and never logged.
    alert_token: Mapped[str] = mapped_column(String(500), unique=True)
    rings_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CheckIn(Base):
    """How a linked patient said she was, sent to her clinic because she said yes.

    What she said is kept as the skill recognised it (the words Alexa heard for
    the symptom and the value they resolved to), never as audio; it is patient
    data, shown to her clinic and never logged. The treatment instant is the one
    she was answered from, so the time since it stays what it was.
    """

    __tablename__ = "check_ins"
    # The same "yes" delivered twice (a retry) is one check-in.
    __table_args__ = (UniqueConstraint("patient_id", "request_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    heard: Mapped[str | None] = mapped_column(String(CHECK_IN_WORDS_LENGTH))  # the slot value
    symptom_id: Mapped[str | None] = mapped_column(String(CHECK_IN_WORDS_LENGTH))
    symptom_name: Mapped[str | None] = mapped_column(String(CHECK_IN_WORDS_LENGTH))
    unexpected: Mapped[bool]  # flagged in the clinic's inbox
    answer: Mapped[str] = mapped_column(String(CHECK_IN_ANSWER_LENGTH))  # what the skill told her
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    treated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    request_id: Mapped[str | None] = mapped_column(String(CHECK_IN_WORDS_LENGTH))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Who reviewed it, as the clinic knew them then (the account may be removed later).
    reviewed_by: Mapped[str | None] = mapped_column(String(320))


class ClinicWebhook(Base):
    """Where a clinic wants its check-ins sent as they arrive (off unless set), and
    the secret their HMAC signature is made with. The secret is kept as it is: each
    delivery is signed with it, so a hash would not do."""

    __tablename__ = "clinic_webhooks"

    clinic_id: Mapped[int] = mapped_column(
        ForeignKey("clinics.id", ondelete="CASCADE"), primary_key=True
    )
    url: Mapped[str] = mapped_column(String(WEBHOOK_URL_LENGTH))
    secret: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WebhookDelivery(Base):
    """A check-in to send to its clinic's webhook: an outbox row, written in the same
    transaction as the check-in, so neither a restart nor a dead receiver loses it.
    ``claimed_until`` is one sender's lease on it, so two processes never send it at once."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    check_in_id: Mapped[int] = mapped_column(
        ForeignKey("check_ins.id", ondelete="CASCADE"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    given_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # How the last attempt went, in words with no patient data: "HTTP 503", "timed out".
    last_outcome: Mapped[str | None] = mapped_column(String(200))
