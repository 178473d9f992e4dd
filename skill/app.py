"""The app factory: configuration, then each part's init_app."""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from skill import config as settings
from skill import portal, store
from skill.aftercare import default_sheet
from skill.alexa import endpoint
from skill.alexa.settings_api import DeviceTimeZones, TimeoutApiClient
from skill.alexa.verification import default_trust_store, fetch_certificate_chain, utc_now
from skill.intents import Services, build_skill

log = logging.getLogger(__name__)

# The Settings API must never hold up an answer for long.
ALEXA_API_TIMEOUT_SECONDS = 1.0


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The service. ``config`` overrides what the AFTERCARE_* variables say.

    Tests and tools may also pass CLOCK (the verifiers' and the fallback
    clock), TRUST_STORE (a zero-argument callable returning a cryptography
    Store), FETCH_CERT_CHAIN (url -> PEM bytes) and ALEXA_API_CLIENT (an
    ask-sdk ApiClient that answers Alexa's APIs, such as a stand-in).
    """
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(settings.from_environment(os.environ, app.instance_path))
    app.config.update(config or {})
    default_zone = settings.check(app.config)
    os.makedirs(app.instance_path, exist_ok=True)

    if not app.config["VERIFY_SIGNATURES"]:
        log.warning(
            "AFTERCARE_VERIFY_SIGNATURES=0: requests are NOT checked for Alexa's signature. "
            "Anyone who can reach this server can talk to the skill. Use only for local testing."
        )
    clock = app.config.get("CLOCK", utc_now)

    store.init_app(app)
    services = Services(
        sheet=default_sheet(),
        store=store.get_store(app),
        time_zones=DeviceTimeZones(default_zone),
        clock=clock,
    )
    verifiers = endpoint.build_verifiers(
        verify_signatures=app.config["VERIFY_SIGNATURES"],
        skill_id=app.config["SKILL_ID"],
        trust_store=app.config.get("TRUST_STORE", default_trust_store),
        fetch_chain=app.config.get("FETCH_CERT_CHAIN", fetch_certificate_chain),
        clock=clock,
    )
    api_client = app.config.get("ALEXA_API_CLIENT") or TimeoutApiClient(ALEXA_API_TIMEOUT_SECONDS)
    endpoint.init_app(app, build_skill(services, api_client), verifiers)
    portal.init_app(app, sheet=services.sheet, clock=clock)

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        # JSON with a reason, never an HTML page or a traceback.
        return jsonify(error=error.description), error.code

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        log.exception("unexpected error serving a request")
        return jsonify(error="internal error"), 500

    return app
