"""``aftercare clinic webhook``: a clinic's check-ins sent to a URL of its own.

Set by the operator, not by clinic staff in the portal: the service makes
requests to whatever URL is set, and only the operator should choose where
the service's own network reaches.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from urllib.parse import urlsplit

import click

URL_MAX_LENGTH = 2000  # as clinic_webhooks.url holds it


def _https_url(_context, _parameter, value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme != "https" or not parts.hostname:
        raise click.BadParameter(
            f"{value!r} is not an https:// URL; check-ins carry health data, so give one such as "
            "https://clinic.example/aftercare-hook"
        )
    if len(value.strip()) > URL_MAX_LENGTH:
        raise click.BadParameter(f"a URL of at most {URL_MAX_LENGTH} characters")
    return value.strip()


@click.group("webhook")
def webhook_group() -> None:
    """A clinic's check-ins, sent as they arrive to a URL of its own (off unless set)."""


@contextmanager
def _clinic_session(clinic_id: int):
    """A session on the configured database and the clinic, or one line and exit 2."""
    from skill.cli import _app
    from skill.store import Clinics, get_store

    logging.getLogger().setLevel(logging.WARNING)  # not the migrations' chatter
    store = get_store(_app())
    try:
        with store.session() as session:
            clinic = Clinics(session).get(clinic_id)
            if clinic is None:
                raise click.UsageError(
                    f"there is no clinic {clinic_id}; see the id it was created with"
                )
            yield session, clinic
    finally:
        store.dispose()


CLINIC_ID = click.option(
    "--clinic-id", type=click.IntRange(min=1), required=True, help="The clinic's id."
)


@webhook_group.command("set")
@CLINIC_ID
@click.option("--url", required=True, callback=_https_url, help="Where to send them (https).")
def set_webhook(clinic_id: int, url: str) -> None:
    """Send the clinic's check-ins to URL, signed with a new secret (printed only now)."""
    from skill.alexa.verification import utc_now
    from skill.store import ClinicWebhooks
    from skill.webhooks.signing import new_secret

    secret = new_secret()
    with _clinic_session(clinic_id) as (session, clinic):
        ClinicWebhooks(session).set(clinic.id, url=url, secret=secret, now=utc_now())
        session.commit()
        name = clinic.name
    click.echo(f"Check-ins of clinic {clinic_id}, {name}, now go to {url}")
    click.echo("Their signing secret, shown only now (setting the webhook again makes a new one):")
    click.echo(secret)


@webhook_group.command("off")
@CLINIC_ID
def webhook_off(clinic_id: int) -> None:
    """Stop sending the clinic's check-ins (those not yet delivered are not sent)."""
    from skill.store import ClinicWebhooks

    with _clinic_session(clinic_id) as (session, clinic):
        ended = ClinicWebhooks(session).end(clinic.id)
        session.commit()
    click.echo(
        f"Clinic {clinic_id}'s webhook is off." if ended else f"Clinic {clinic_id} has no webhook."
    )


@webhook_group.command("status")
@CLINIC_ID
def webhook_status(clinic_id: int) -> None:
    """Where the clinic's check-ins go, and how their deliveries stand."""
    from skill.store import ClinicWebhooks, WebhookDeliveries

    with _clinic_session(clinic_id) as (session, clinic):
        webhook = ClinicWebhooks(session).get(clinic.id)
        summary = WebhookDeliveries(session).summary(clinic.id)
    click.echo(f"Webhook: {webhook.url if webhook else 'off'}")
    click.echo(
        f"Deliveries: {summary.delivered} delivered, {summary.waiting} waiting, "
        f"{summary.given_up} given up"
    )
    if summary.last_failure:
        click.echo(f"Last failure: {summary.last_failure}")
