"""What the account-linking tests share: a clinic's patient with a linking code,
Alexa registered as a client, PKCE, and Alexa's requests as Alexa sends them."""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from click.testing import CliRunner

from skill.cli import main as aftercare_command
from skill.oauth.linking_codes import linking_code_hash, new_linking_code
from skill.store import ClinicPatients, Clinics, LinkingCodes, Store, Treatment, Treatments
from tests.conftest import SECRET_KEY, SKILL_ID

VENDOR_ID = "M2TESTVENDOR"
REDIRECT_URI = f"https://pitangui.amazon.com/api/skill/link/{VENDOR_ID}"
BIRTH_DATE = date(1990, 4, 2)
PATIENT_NAME = "Jane Doe"
ALEXA_USER = "amzn1.ask.account.LINKING-PATIENT"
CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
VERIFIED_FIELD = re.compile(r'name="verified" type="hidden" value="([^"]+)"')
CLIENT_LINE = re.compile(r"Your Client ID\s+(\S+)")
SECRET_LINE = re.compile(r"Your Secret\s+(\S+)")


@dataclass
class Registered:
    client_id: str
    secret: str

    def basic(self) -> str:
        pair = f"{self.client_id}:{self.secret}".encode()
        return "Basic " + base64.b64encode(pair).decode()


def register_alexa(database_url: str, auth_method: str = "client_secret_basic") -> Registered:
    """Runs ``aftercare oauth client create`` as an operator would; returns what it printed."""
    result = CliRunner().invoke(
        aftercare_command,
        ["oauth", "client", "create", "--vendor-id", VENDOR_ID]
        + ["--base-url", "https://aftercare.example", "--auth-method", auth_method],
        env={
            "AFTERCARE_DATABASE_URL": database_url,
            "AFTERCARE_SKILL_ID": SKILL_ID,
            "AFTERCARE_SECRET_KEY": SECRET_KEY,
        },
    )
    assert result.exit_code == 0, result.output
    return Registered(
        CLIENT_LINE.search(result.output).group(1), SECRET_LINE.search(result.output).group(1)
    )


@dataclass
class ClinicPatient:
    patient_id: int
    code: str  # as staff read it out: "K7QM2-XR4PD"


def clinic_patient(
    store: Store,
    treated_at: datetime | None,
    now: datetime,
    clinic: str = "Bright Skin",
    secret_key: str = SECRET_KEY,
) -> ClinicPatient:
    """A clinic's patient with her date of birth, a treatment and a fresh linking code."""
    with store.session() as session:
        clinic_row = Clinics(session).add(name=clinic, timezone="America/New_York", now=now)
        patient = ClinicPatients(session, clinic_row.id).add(
            name=PATIENT_NAME, clinic_reference=None, date_of_birth=BIRTH_DATE, now=now
        )
        if treated_at is not None:
            Treatments(session).add(
                Treatment(
                    patient_id=patient.id,
                    treated_at=treated_at,
                    recorded_at=now,
                    timezone="America/New_York",
                    session_number=1,
                )
            )
        code = new_linking_code()
        LinkingCodes(session).issue(
            patient_id=patient.id,
            code_hash=linking_code_hash(code, secret_key),
            staff_id=None,
            now=now,
            valid_for=timedelta(days=7),
        )
        session.commit()
        return ClinicPatient(patient.id, code)


@dataclass
class Pkce:
    verifier: str
    challenge: str


def pkce() -> Pkce:
    verifier = secrets.token_urlsafe(48)
    return Pkce(verifier, create_s256_code_challenge(verifier))


def authorize_query(client_id: str, challenge: str, /, **changes: str | None) -> str:
    """The query Alexa's app opens the authorize page with."""
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT_URI,
        "state": "alexa-state-Zq8~.",
        "scope": "treatments",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **changes,
    }
    return urlencode({k: v for k, v in query.items() if v is not None})


def redirect_params(location: str) -> dict[str, str]:
    """The query of Alexa's redirect URI as it comes back, one value per name."""
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == REDIRECT_URI, location
    return {name: values[0] for name, values in parse_qs(parts.query).items()}


def skill_request(request: dict, access_token: str | None, now: datetime) -> dict:
    """An Alexa request envelope from the linking patient, with her access token if any."""
    user = {"userId": ALEXA_USER, **({"accessToken": access_token} if access_token else {})}
    application = {"applicationId": SKILL_ID}
    envelope = {
        "version": "1.0",
        "context": {
            "System": {
                "application": application,
                "user": dict(user),
                "device": {"deviceId": "amzn1.ask.device.LINKING", "supportedInterfaces": {}},
                "apiEndpoint": "https://api.amazonalexa.com",
            }
        },
        "request": {
            "requestId": f"amzn1.echo-api.request.{secrets.token_hex(4)}",
            "locale": "en-US",
            "timestamp": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            **request,
        },
    }
    if request["type"] in ("LaunchRequest", "IntentRequest"):
        envelope["session"] = {
            "new": True,
            "sessionId": "amzn1.echo-api.session.LINKING",
            "application": application,
            "user": dict(user),
        }
    return envelope


def intent(name: str) -> dict:
    return {"type": "IntentRequest", "intent": {"name": name, "confirmationStatus": "NONE"}}
