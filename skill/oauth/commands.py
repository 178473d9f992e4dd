"""``aftercare oauth client create``: register Alexa as a client, and print what
to paste into the Alexa developer console's account linking page."""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

import click

VENDOR_ID = re.compile(r"^[A-Za-z0-9]{4,64}$")
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def _vendor_id(_context, _parameter, value: str) -> str:
    if not VENDOR_ID.fullmatch(value):
        raise click.BadParameter(
            "give your vendor id as the developer console shows it (letters and digits), "
            "under Settings > My IDs, or in the Alexa Redirect URLs after /api/skill/link/"
        )
    return value


def _base_url(_context, _parameter, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme != "https" and parts.hostname not in LOCAL_HOSTS:
        raise click.BadParameter("Alexa reaches account linking over HTTPS: give https://your.host")
    if not parts.hostname or parts.path.strip("/") or parts.query:
        raise click.BadParameter("give the service's address only, such as https://your.host")
    return value.rstrip("/")


@click.group("oauth")
def oauth_group() -> None:
    """Account linking: the OAuth 2.0 clients Alexa links accounts through."""


@oauth_group.group("client")
def client_group() -> None:
    """OAuth clients (Alexa)."""


@client_group.command("create")
@click.option(
    "--vendor-id",
    required=True,
    callback=_vendor_id,
    help="Your Amazon developer vendor id: it ends each of Alexa's redirect URLs.",
)
@click.option(
    "--base-url",
    required=True,
    callback=_base_url,
    help="Where this service is served, as Alexa reaches it: https://your.host",
)
@click.option(
    "--auth-method",
    type=click.Choice(["client_secret_basic", "client_secret_post"]),
    default="client_secret_basic",
    show_default=True,
    help="How Alexa sends the client id and secret: HTTP Basic, or in the request body.",
)
@click.option("--name", default="Alexa", show_default=True, help="A name to know it by.")
def create_client(vendor_id: str, base_url: str, auth_method: str, name: str) -> None:
    """Register Alexa as an OAuth client; print what to paste into the developer console."""
    from skill.alexa.verification import utc_now
    from skill.cli import _app
    from skill.store import OAuthClients, get_store

    from .server import ALEXA_REDIRECT_URIS, SCOPE

    logging.getLogger().setLevel(logging.WARNING)  # not the migrations' chatter
    redirect_uris = [uri.format(vendor_id=vendor_id) for uri in ALEXA_REDIRECT_URIS]
    app = _app()
    store = get_store(app)
    try:
        with store.session() as session:
            client, secret = OAuthClients(session).add(
                name=name,
                redirect_uris=redirect_uris,
                auth_method=auth_method,
                scope=SCOPE,
                now=utc_now(),
            )
            session.commit()
            client_id = client.client_id
    finally:
        store.dispose()
    scheme = {
        "client_secret_basic": "HTTP Basic (Recommended)",
        "client_secret_post": "Credentials in request body",
    }[auth_method]
    fields = [
        ("Authorization grant type", "Auth Code Grant"),
        ("Your Web Authorization URI", f"{base_url}/oauth/authorize"),
        ("Access Token URI", f"{base_url}/oauth/token"),
        ("Your Client ID", client_id),
        ("Your Secret", secret),
        ("Your Authentication Scheme", scheme),
        ("Scope", SCOPE),
        ("Domain List", "(leave empty: the page loads nothing from other domains)"),
        ("Default Access Token Expiration Time", "(leave empty: each token says expires_in)"),
        ("PKCE", "on (required, S256)"),
        ("Allow users to enable skill without account linking", "on"),
    ]
    click.echo(f"Created OAuth client {name!r} for vendor {vendor_id}.")
    click.echo("Paste into the Alexa developer console, Build > Account Linking:")
    width = max(len(label) for label, _ in fields)
    for label, value in fields:
        click.echo(f"  {label.ljust(width)}  {value}")
    click.echo("The secret is shown only now. Alexa Redirect URLs this client accepts, exactly:")
    for uri in redirect_uris:
        click.echo(f"  {uri}")
