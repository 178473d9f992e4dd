"""``aftercare say``: type what a patient would say, hear what the skill answers.

The utterance becomes the request Alexa would send (``skill.tools.utterances``), which
goes to the skill in process (or to a running server with --url), and the
answer is printed as Alexa would speak it. No Amazon account needed.
"""

from __future__ import annotations

import json
import logging
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import click

from skill.aftercare.locales import ENGLISH_LOCALES
from skill.config import DEFAULT_TIMEZONE, LOCALE_TIMEZONES, ConfigError
from skill.tools.options import iso_instant, ready_database, refuse_with_url, time_zone
from skill.tools.replay import ReplayError, spoken_text
from skill.tools.utterances import (
    InteractionModel,
    NotUnderstood,
    Session,
    envelope,
    pending_dialog,
)

DEFAULT_USER = "amzn1.ask.account.SAY-TESTER"
DEFAULT_DEVICE = "amzn1.ask.device.SAY"
QUIT = ".quit"
USER = "User  >"

if TYPE_CHECKING:
    from skill.tools.transport import Transport


@dataclass
class Conversation:
    """One session with the skill, carried from turn to turn as Alexa carries it."""

    model: InteractionModel
    zone: ZoneInfo
    user_id: str
    device_id: str
    locale: str = "en-US"
    access_token: str | None = None  # her account-linking token, once she linked her clinic
    session: Session | None = None
    pending: dict | None = None  # the Dialog directive the last answer left open
    requests_made: int = 0

    def request_for(self, utterance: str, now: datetime) -> tuple[dict, NotUnderstood | None]:
        """The request Alexa would send for ``utterance`` at this point of the session
        (AMAZON.FallbackIntent when no sample matches, with what did not match)."""
        understood = self.model.understand(utterance, now=now, zone=self.zone, pending=self.pending)
        self.requests_made += 1
        request = envelope(
            understood,
            now=now,
            session=self.session or Session(f"amzn1.echo-api.session.{uuid.uuid4()}"),
            user_id=self.user_id,
            device_id=self.device_id,
            request_number=self.requests_made,
            locale=self.locale,
        )
        if self.access_token is not None:
            for holder in (request["session"], request["context"]["System"]):
                holder["user"]["accessToken"] = self.access_token
        return request, understood if isinstance(understood, NotUnderstood) else None

    def answered(self, request: dict, response: dict) -> None:
        """Keeps the session open while the skill listens; a closed one starts afresh."""
        if (response.get("response") or {}).get("shouldEndSession") is False:
            self.session = Session(
                request["session"]["sessionId"],
                new=False,
                attributes=response.get("sessionAttributes") or {},
            )
            self.pending = pending_dialog(response)
        else:
            self.session, self.pending = None, None


def _open_transport(
    stack: ExitStack, url: str | None, database_url: str | None, zone: ZoneInfo
) -> Transport:
    from skill.tools.transport import InProcess, OverHttp  # the web stack, only to send

    if url is not None:
        return OverHttp(url)
    if database_url is None:  # a fresh store for this invocation, gone when it ends
        scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="aftercare-say-"))
        database_url = f"sqlite:///{scratch}/say.sqlite3"
    transport = InProcess(database_url, zone.key, {})
    stack.callback(transport.close)
    return transport


def _no_sample_matched(heard: NotUnderstood, indent: str, err: bool) -> None:
    closest = ", ".join(f'"{sample}"' for sample in heard.closest)
    nearby = f"closest samples: {closest}" if closest else "no sample comes close"
    sent = heard.sent.intent
    click.echo(f"{indent}(no sample matches, so Alexa sends {sent}; {nearby})", err=err)


def _turn(
    conversation: Conversation,
    transport: Transport | None,
    utterance: str,
    now: datetime,
    speaker: str,
) -> None:
    """Says one thing and prints the answer (or, without a transport, the request), and
    beside it the closest samples when none matched."""
    request, not_matched = conversation.request_for(utterance, now)
    if transport is None:
        click.echo(json.dumps(request, indent=2, ensure_ascii=False))
    else:
        response = transport.send(request)
        conversation.answered(request, response)
        click.echo(f"{speaker}{spoken_text(response)}")
    if not_matched is not None:
        # Beside the JSON, not in it: --request's output stays one JSON document.
        _no_sample_matched(not_matched, " " * len(speaker), err=transport is None)


def _utterances() -> Iterator[str]:
    """What the tester says, line by line, until end of input."""
    if sys.stdin.isatty():
        while True:
            try:
                yield click.prompt(USER, prompt_suffix=" ", default="", show_default=False)
            except click.Abort:  # end of input
                click.echo()
                return
    # Piped in, the lines were never echoed by a terminal: echo them, so the
    # transcript reads as a conversation.
    for line in sys.stdin:
        utterance = line.rstrip("\r\n")
        click.echo(f"{USER} {utterance}")
        yield utterance


def _converse(conversation: Conversation, transport: Transport | None, at: datetime | None) -> None:
    """Turn after turn, like ``ask dialog``: one session until the skill ends it, then a new one."""
    for utterance in _utterances():
        if utterance.strip() == QUIT:
            return
        if not utterance.strip():
            continue
        try:
            _turn(conversation, transport, utterance, at or datetime.now(UTC), speaker="Alexa > ")
        except ReplayError as problem:
            click.echo(f"error: {problem}")


@click.command()
@click.argument("utterance", nargs=-1)
@click.option(
    "--request", "request_only", is_flag=True, help="Only print the request Alexa would send."
)
@click.option(
    "--at",
    metavar="ISO",
    callback=iso_instant,
    help="Say it at this ISO instant (default: now), every turn.",
)
@click.option(
    "--locale",
    type=click.Choice(ENGLISH_LOCALES),
    default="en-US",
    show_default=True,
    help="The listener's locale: its interaction model hears her, its words answer her.",
)
@click.option(
    "--timezone",
    "zone",
    metavar="ZONE",
    callback=time_zone,
    help="In process, the device's IANA zone: for dates like 'yesterday', and the "
    f"Settings API's answer.  [default: the locale's, {DEFAULT_TIMEZONE} for en-US]",
)
@click.option(
    "--user", "user_id", default=DEFAULT_USER, show_default=True, help="The Alexa userId."
)
@click.option(
    "--device", "device_id", default=DEFAULT_DEVICE, show_default=True, help="The deviceId."
)
@click.option(
    "--access-token",
    metavar="TOKEN",
    help="Say it as a patient who linked her clinic account with this access token.",
)
@click.option(
    "--database-url",
    metavar="URL",
    help="In process: use this database instead of a fresh one for this run.",
)
@click.option(
    "--url",
    metavar="URL",
    help="Send to a running server (verification off) instead of in process; "
    "dates are then worked out in the locale's default zone.",
)
def say(
    utterance, request_only, at, locale, zone, user_id, device_id, access_token, database_url, url
) -> None:
    """Say UTTERANCE to the skill as a patient would, and print Alexa's answer.

    Without UTTERANCE, hold a conversation in one session: a line per turn;
    .quit or end of input stops. With --request and no UTTERANCE, each line's
    request is printed as the first of a session.
    """
    # The in-process app's start-up chatter (migrations, verification off) is not the tester's news.
    logging.getLogger().setLevel(logging.ERROR)
    refuse_with_url(url, timezone=zone, database_url=database_url)
    ready_database(database_url)
    zone = zone or ZoneInfo(LOCALE_TIMEZONES.get(locale, DEFAULT_TIMEZONE))
    model = InteractionModel.for_locale(locale)
    conversation = Conversation(model, zone, user_id, device_id, locale, access_token)
    with ExitStack() as stack:
        try:
            transport = None if request_only else _open_transport(stack, url, database_url, zone)
        except ConfigError as problem:  # an AFTERCARE_* variable the in-process app refuses
            raise click.ClickException(str(problem)) from None
        if not utterance:
            _converse(conversation, transport, at)
            return
        try:
            _turn(conversation, transport, " ".join(utterance), at or datetime.now(UTC), speaker="")
        except ReplayError as problem:
            raise click.ClickException(str(problem)) from None
