"""``aftercare clinic create``: a clinic, its first admin, and a one-time sign-in link."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from skill.webhooks.commands import webhook_group


def _zone(_context, _parameter, value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"{value!r} is not an IANA zone such as Europe/London") from None
    return value


def _email(_context, _parameter, value: str) -> str:
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError as problem:
        raise click.BadParameter(str(problem)) from None


@click.group("clinic")
def clinic_group() -> None:
    """Set up clinics for the portal."""


@clinic_group.command("create")
@click.option("--name", required=True, help="The clinic's name, as its staff see it.")
@click.option(
    "--timezone", required=True, callback=_zone, help="IANA zone of the clinic: Europe/London."
)
@click.option("--admin-email", required=True, callback=_email, help="Its first admin's email.")
@click.option(
    "--base-url",
    default="http://127.0.0.1:8000",
    show_default=True,
    help="Where the portal is served, for the sign-in link.",
)
def create_clinic(name: str, timezone: str, admin_email: str, base_url: str) -> None:
    """Create a clinic and its first admin; print the admin's one-time sign-in link."""
    # Imported here so that `aftercare --help` stays quick.
    from skill.alexa.verification import utc_now
    from skill.cli import _app
    from skill.portal.blueprint import SETUP_LINK_LIFETIME
    from skill.store import Clinics, StaffAccounts, get_store

    name = name.strip()
    if not name:
        raise click.BadParameter("give the clinic a name", param_hint="--name")
    logging.getLogger().setLevel(logging.WARNING)  # not the migrations' chatter
    app = _app()
    store = get_store(app)
    try:
        with store.session() as session:
            accounts = StaffAccounts(session)
            if accounts.by_email(admin_email) is not None:
                raise click.UsageError(f"{admin_email} already has a portal account")
            now = utc_now()
            clinic = Clinics(session).add(name=name, timezone=timezone, now=now)
            admin = accounts.add(clinic_id=clinic.id, email=admin_email, is_admin=True, now=now)
            token = accounts.issue_setup_link(admin, now, SETUP_LINK_LIFETIME)
            session.commit()
            clinic_id = clinic.id
    finally:
        store.dispose()
    link = f"{base_url.rstrip('/')}/portal/welcome/{token}"
    click.echo(f"Created clinic {clinic_id}, {name} ({timezone}), with admin {admin_email}.")
    click.echo(f"Their one-time sign-in link, valid for {SETUP_LINK_LIFETIME.days} days:")
    click.echo(link)


# `aftercare clinic webhook …`: the operator's, not the portal's (see skill/webhooks).
clinic_group.add_command(webhook_group)
