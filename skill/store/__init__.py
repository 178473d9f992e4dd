"""The store: patients, their treatments, clinics and their staff, in SQLite or PostgreSQL.

- ``schema`` — one metadata and the tables (SQLAlchemy 2 ORM models);
- repositories named for what they hold, each a thin object over one ORM
  Session: ``SelfReportedPatients``, ``ClinicPatients``, ``Treatments``,
  ``Clinics``, ``StaffAccounts``, ``StaffSessions``, ``SignInFailures``,
  ``Reminders``, and account linking's ``OAuthClients``, ``LinkingCodes``,
  ``AccountLinks``, ``AuthorizationCodes``, ``IssuedTokens``; the skill's
  ``CheckIns`` and each clinic's inbox of them, ``ClinicCheckIns``; webhooks'
  ``ClinicWebhooks`` and their outbox, ``WebhookDeliveries``;
- ``database`` — the engine, migrations, and :class:`Store`, which hands out
  one Session per web request;
- ``faults`` — bounds on the database's connect and statement time, and
  recovery of a SQLite file that was deleted under a running service.

The schema is owned by the Alembic migrations in ``skill/store/migrations``;
:func:`upgrade_database` applies them without an ``alembic.ini`` on disk.
"""

from .check_ins import CheckIns, ClinicCheckIns, NewCheckIn
from .clinics import Clinics, StaffAccounts, StaffSessions
from .database import (
    MIGRATIONS_DIRECTORY,
    Store,
    UnusableDatabase,
    get_store,
    init_app,
    make_engine,
    migration_config,
    new_token,
    token_hash,
    upgrade_database,
)
from .linking import (
    AccessTokenOnRecord,
    AccountLinks,
    AuthorizationCodes,
    IssuedTokens,
    LinkedPatient,
    LinkingCodes,
    OAuthClients,
    usable,
)
from .patients import ClinicPatients, PatientOnRecord, SelfReportedPatients
from .reminders import Reminders
from .schema import (
    AccountLink,
    AuthorizationCode,
    Base,
    CheckIn,
    Clinic,
    ClinicWebhook,
    IssuedToken,
    LinkingCode,
    OAuthClient,
    Patient,
    Reminder,
    SignInFailure,
    StaffAccount,
    StaffSession,
    Treatment,
    UTCDateTime,
    WebhookDelivery,
)
from .sign_in_failures import SignInFailures
from .treatments import Treatments
from .webhooks import ClinicWebhooks, Outbound, WebhookDeliveries

__all__ = [
    "MIGRATIONS_DIRECTORY",
    "AccessTokenOnRecord",
    "AccountLink",
    "AccountLinks",
    "AuthorizationCode",
    "AuthorizationCodes",
    "Base",
    "CheckIn",
    "CheckIns",
    "Clinic",
    "ClinicCheckIns",
    "ClinicPatients",
    "ClinicWebhook",
    "ClinicWebhooks",
    "Clinics",
    "IssuedToken",
    "IssuedTokens",
    "LinkedPatient",
    "LinkingCode",
    "LinkingCodes",
    "NewCheckIn",
    "OAuthClient",
    "OAuthClients",
    "Outbound",
    "Patient",
    "PatientOnRecord",
    "Reminder",
    "Reminders",
    "SelfReportedPatients",
    "SignInFailure",
    "SignInFailures",
    "StaffAccount",
    "StaffAccounts",
    "StaffSession",
    "StaffSessions",
    "Store",
    "Treatment",
    "Treatments",
    "UTCDateTime",
    "UnusableDatabase",
    "WebhookDeliveries",
    "WebhookDelivery",
    "get_store",
    "init_app",
    "make_engine",
    "migration_config",
    "new_token",
    "token_hash",
    "upgrade_database",
    "usable",
]
