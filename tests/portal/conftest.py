"""The portal in process, on SQLite and (when available) PostgreSQL, with a clock
the tests move, and two clinics whose staff must never see each other's patients."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from argon2 import PasswordHasher, profiles

from skill.app import create_app
from skill.portal.blueprint import EXTENSION_KEY
from skill.store import (
    CheckIns,
    ClinicPatients,
    Clinics,
    NewCheckIn,
    StaffAccounts,
    Treatment,
    Treatments,
    get_store,
)

# Saturday 28 November 2026, 10 AM in London
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"
CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> None:
        self.now += by


@dataclass
class ClinicRecords:
    """One clinic as the tests set it up: an admin, a patient, and her treatment."""

    clinic_id: int
    admin_email: str
    patient_id: int
    patient_name: str
    treatment_id: int
    staff_id: int


@pytest.fixture
def clock():
    return Clock(NOW)


@pytest.fixture
def portal_app(database_url, clock):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "VERIFY_SIGNATURES": False,
            "SKILL_ID": None,
            "CLOCK": clock,
            # Still argon2id, with the smallest cost argon2-cffi offers for tests.
            "PASSWORD_HASHER": PasswordHasher.from_parameters(profiles.CHEAPEST),
        }
    )
    yield app
    get_store(app).dispose()


def add_clinic(app, name: str, email: str, patient_name: str, reference: str) -> ClinicRecords:
    with get_store(app).session() as session:
        clinic = Clinics(session).add(name=name, timezone="Europe/London", now=NOW)
        accounts = StaffAccounts(session)
        admin = accounts.add(clinic_id=clinic.id, email=email, is_admin=True, now=NOW)
        accounts.set_password(admin, app.extensions[EXTENSION_KEY].passwords.hash(PASSWORD))
        patient = ClinicPatients(session, clinic.id).add(
            name=patient_name, clinic_reference=reference, date_of_birth=date(1990, 4, 2), now=NOW
        )
        treatment = Treatments(session).add(
            Treatment(
                patient_id=patient.id,
                treated_at=NOW - timedelta(days=2),
                recorded_at=NOW,
                timezone="Europe/London",
                treated_areas=["wrinkles"],
                session_number=1,
            )
        )
        session.commit()
        return ClinicRecords(
            clinic.id, email, patient.id, patient_name, treatment.id, staff_id=admin.id
        )


@pytest.fixture
def bright_skin(portal_app):
    return add_clinic(portal_app, "Bright Skin", "ann@bright.example", "Jane Doe", "BS-1")


@pytest.fixture
def glow(portal_app):
    return add_clinic(portal_app, "Glow Clinic", "gus@glow.example", "Greta Glow", "GL-1")


def csrf_token(client, path: str) -> str:
    """The CSRF token of the form on the page at path, as a browser would post it."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    found = CSRF_FIELD.search(page.text)
    assert found, f"no form on {path}"
    return found.group(1)


def sign_in(client, email: str, password: str = PASSWORD):
    token = csrf_token(client, "/portal/sign-in")
    return client.post(
        "/portal/sign-in", data={"csrf_token": token, "email": email, "password": password}
    )


@pytest.fixture
def signed_in(portal_app, bright_skin):
    """A test client signed in as Bright Skin's admin."""
    client = portal_app.test_client()
    assert sign_in(client, bright_skin.admin_email).status_code == 303
    return client


def post_form(client, path: str, data: dict, form_page: str | None = None):
    """Posts data to path with the CSRF token from the form page (path itself by default)."""
    token = csrf_token(client, form_page or path)
    return client.post(path, data={"csrf_token": token, **data})


def add_check_in(
    session,
    patient_id: int,
    *,
    heard: str | None = "really swollen",
    symptom_id: str | None = "swelling",
    unexpected: bool = True,
    reported_at: datetime = NOW - timedelta(hours=1),
    treated_at: datetime | None = NOW - timedelta(days=2),
    answer: str = "Your aftercare sheet expects only minor redness and irritation, so please "
    "contact your clinic about the swelling. If it feels severe, get medical help now.",
) -> int:
    """A check-in as the skill records one when she says yes; returns its id."""
    check_in = CheckIns(session).record(
        NewCheckIn(
            patient_id=patient_id,
            heard=heard,
            symptom_id=symptom_id,
            symptom_name=symptom_id and symptom_id.replace("_", " "),
            unexpected=unexpected,
            answer=answer,
            reported_at=reported_at,
            treated_at=treated_at,
            request_id=None,
        )
    )
    assert check_in is not None
    return check_in
