"""The app factory: configuration, then each part's init_app."""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from skill import config as settings
from skill import store
from skill.access_log import log_requests
from skill.aftercare import default_sheet
from skill.alexa import endpoint
from skill.alexa.settings_api import DeviceTimeZones, TimeoutApiClient
from skill.alexa.verification import default_trust_store, fetch_certificate_chain, utc_now
from skill.health import OK, DatabaseHealth
from skill.intents import Services, build_skill
from skill.oauth import blueprint as oauth
from skill.portal import blueprint as portal

log = logging.getLogger(__name__)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The service. ``config`` overrides what the AFTERCARE_* variables say.

    Tests and tools may also pass CLOCK (the verifiers' and the fallback
    clock), TRUST_STORE (a zero-argument callable returning a cryptography
    Store), FETCH_CERT_CHAIN (url -> PEM bytes) and ALEXA_API_CLIENT (an
    ask-sdk ApiClient that answers Alexa's APIs, such as a stand-in).
    """
    app = _configured_flask(config)
    default_zone = settings.check(app.config)
    os.makedirs(app.instance_path, exist_ok=True)

    if not app.config["VERIFY_SIGNATURES"]:
        log.warning(
            "AFTERCARE_VERIFY_SIGNATURES=0: requests are NOT checked for Alexa's signature. "
            "Anyone who can reach this server can talk to the skill. Use only for local testing."
        )
    clock = app.config.get("CLOCK", utc_now)

    with _database_setting():
        store.init_app(app)
    services = Services(
        sheet=default_sheet(),
        store=store.get_store(app),
        time_zones=DeviceTimeZones(
            default_zone,
            locale_zones=settings.locale_zones(app.config),
            retry_after_failure=timedelta(seconds=app.config["ALEXA_API_RETRY_AFTER"]),
        ),
        clock=clock,
    )
    verifiers = endpoint.build_verifiers(
        verify_signatures=app.config["VERIFY_SIGNATURES"],
        skill_id=app.config["SKILL_ID"],
        trust_store=app.config.get("TRUST_STORE", default_trust_store),
        fetch_chain=app.config.get("FETCH_CERT_CHAIN")
        or functools.partial(
            fetch_certificate_chain,
            deadline_seconds=app.config["CERT_FETCH_TIMEOUT"],
            ca_bundle=app.config["CA_BUNDLE"],
        ),
        clock=clock,
        retry_after_seconds=app.config["CERT_RETRY_AFTER"],
        max_waiting=app.config["CERT_FETCH_WAITERS"],
        # Those waiting on another request's download wait as long as it may take.
        patience_seconds=app.config["CERT_FETCH_TIMEOUT"] + 1,
    )
    api_client = app.config.get("ALEXA_API_CLIENT") or TimeoutApiClient(
        app.config["ALEXA_API_TIMEOUT"], ca_bundle=app.config["CA_BUNDLE"]
    )
    endpoint.init_app(app, build_skill(services, api_client), verifiers)
    portal.init_app(app, sheet=services.sheet, clock=clock)
    oauth.init_app(app, clock=clock)
    if app.config.get("ACCESS_LOG"):  # `aftercare serve` logs each request it answers
        log_requests(app)

    database_health = DatabaseHealth(store.get_store(app).ping)

    @app.get("/healthz")
    def healthz():
        # Never waits on the database for long: see skill/health.py.
        database = database_health.state()
        if database == OK:
            return jsonify(status="ok", database=database)
        return jsonify(status="unavailable", database=database), 503

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        # JSON with a reason, never an HTML page or a traceback.
        return jsonify(error=error.description), error.code

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        log.exception("unexpected error serving a request")
        return jsonify(error="internal error"), 500

    return app


def upgrade_database() -> None:
    """Applies pending migrations to the configured database (``aftercare db upgrade``),
    checking only the settings a migration needs: no skill id, no time zone."""
    app = _configured_flask(None)
    with _database_setting():
        store.upgrade_database(app.config["DATABASE_URL"])


def _configured_flask(config: dict[str, Any] | None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(settings.from_environment(os.environ, app.instance_path))
    app.config.update(config or {})
    return app


@contextmanager
def _database_setting() -> Iterator[None]:
    """A database that cannot be used stops start-up with one sentence naming the setting."""
    try:
        yield
    except store.UnusableDatabase as problem:
        raise settings.ConfigError(f"AFTERCARE_DATABASE_URL: {problem}") from None
