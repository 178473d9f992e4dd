"""``/oauth``: the page where a patient links her Alexa account, and Alexa's token endpoint.

The Alexa app opens ``/oauth/authorize`` in a browser. The page asks for the
linking code her clinic gave her and her date of birth, then shows which clinic
she is about to link to; "Link" sends the browser back to Alexa with a code and
the ``state`` Alexa sent, unchanged. A request that names an unknown client or
a redirect URI the client did not register gets an HTML page, never a redirect.

Alexa exchanges the code at ``/oauth/token`` (JSON, no CSRF token: client
authentication protects it). Failed linking attempts are counted per address
(429 past the limit) and per code (burnt after too many wrong dates of birth).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from authlib.oauth2 import OAuth2Error
from flask import Blueprint, Flask, current_app, render_template, request
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.exceptions import TooManyRequests
from wtforms import DateField, HiddenField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length

from skill.portal.blueprint import protect_pages
from skill.store import Clinics, LinkingCodes, Patient, SignInFailures, usable

from . import server
from .linking_codes import linking_code_hash
from .server import database, linking_server

log = logging.getLogger(__name__)

THROTTLE_WINDOW = timedelta(minutes=15)
FAILURES_PER_ADDRESS = 10
# Wrong dates of birth with one code before it is burnt and the clinic must issue another.
WRONG_BIRTH_DATES_PER_CODE = 5
# From "these are your details" to "Link": time to read the page, not to wander off.
CONFIRM_WITHIN = timedelta(minutes=10)
NO_MATCH = (
    "That linking code and date of birth don't match a record. Check both, "
    "or ask your clinic for a new code."
)
# The redirect after "Link" leaves this site for Alexa's: the pages' CSP must allow it.
ALEXA_ORIGINS = "https://pitangui.amazon.com https://layla.amazon.com https://alexa.amazon.co.jp"

oauth = Blueprint("oauth", __name__, url_prefix="/oauth", template_folder="templates")


class LinkingCodeForm(FlaskForm):
    code = StringField(
        "Linking code",
        validators=[DataRequired(), Length(max=40)],
        description="The code your clinic gave you, such as K7QM2-XR4PD.",
    )
    date_of_birth = DateField("Your date of birth", validators=[InputRequired()])


class ConfirmLinkForm(FlaskForm):
    verified = HiddenField(validators=[DataRequired()])
    link = SubmitField("Link my account")
    cancel = SubmitField("Cancel")


@oauth.after_request
def protect_authorize_pages(response):
    response = protect_pages(response)
    response.headers["Content-Security-Policy"] = response.headers[
        "Content-Security-Policy"
    ].replace("form-action 'self'", f"form-action 'self' {ALEXA_ORIGINS}")
    return response


def _refused(message: str, status: int = 400):
    return render_template("oauth/refused.html", message=message), status


def _verifications() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="aftercare-linking")


def _throttle(address: str, now) -> None:
    if SignInFailures(database()).for_account(_failure_key(address), now - THROTTLE_WINDOW) >= (
        FAILURES_PER_ADDRESS
    ):
        log.warning("account linking throttled")
        raise TooManyRequests(
            "Too many tries. Wait 15 minutes and try again, or ask your clinic for help.",
            retry_after=int(THROTTLE_WINDOW.total_seconds()),
        )


def _failure_key(address: str) -> str:
    # Counted apart from staff sign-ins (whose keys are emails) from the same address.
    return f"linking from {address}"


def _record_failure(address: str, now) -> None:
    failures = SignInFailures(database())
    failures.record(_failure_key(address), address, now)
    failures.forget_older_than(now - THROTTLE_WINDOW)


@oauth.route("/authorize", methods=["GET", "POST"])
def authorize():
    authorization = linking_server()
    try:
        grant = authorization.get_consent_grant(end_user=None)
    except OAuth2Error as error:
        if error.redirect_uri:  # the client and its redirect URI are known: tell it there
            return authorization.handle_error_response(None, error)
        log.warning("authorization request refused: %s", error.error)
        return _refused(
            "This link can't be used to link an Alexa account. "
            "Start again from the Skin Aftercare skill in the Alexa app."
        )
    if "verified" in request.form:
        return _confirm(authorization, grant)
    form = LinkingCodeForm()
    if not form.validate_on_submit():
        return render_template("oauth/authorize.html", form=form)
    now = authorization.clock()
    address = request.remote_addr or "unknown"
    _throttle(address, now)
    codes = LinkingCodes(database())
    code = codes.by_hash(linking_code_hash(form.code.data, current_app.config["SECRET_KEY"]))
    patient = None if code is None else database().get(Patient, code.patient_id)
    if code is None or patient is None or not usable(code, now):
        _record_failure(address, now)
        database().commit()
        log.info("linking code not recognised")
        return render_template("oauth/authorize.html", form=form, failed=NO_MATCH)
    if patient.date_of_birth != form.date_of_birth.data:
        _record_failure(address, now)
        code.wrong_birth_dates += 1
        if code.wrong_birth_dates >= WRONG_BIRTH_DATES_PER_CODE:
            code.revoked_at = now
            log.warning("linking code %s burnt after wrong dates of birth", code.id)
        database().commit()
        log.info("linking code %s: date of birth did not match", code.id)
        return render_template("oauth/authorize.html", form=form, failed=NO_MATCH)
    clinic = Clinics(database()).get(patient.clinic_id)
    confirm = ConfirmLinkForm(verified=_verifications().dumps(code.id), formdata=None)
    return render_template("oauth/confirm.html", form=confirm, clinic=clinic)


def _confirm(authorization, grant):
    """ "Link my account" or "Cancel", after the code and date of birth matched."""
    form = ConfirmLinkForm()
    if not form.validate_on_submit():
        return _refused("The page had expired. Start again from the Alexa app.")
    try:
        code_id = _verifications().loads(form.verified.data, max_age=CONFIRM_WITHIN.seconds)
    except BadSignature:
        return _refused("The page had expired. Start again from the Alexa app.")
    if form.cancel.data:
        log.info("account linking cancelled")
        return authorization.create_authorization_response(grant=grant, grant_user=None)
    now = authorization.clock()
    code = LinkingCodes(database()).get(code_id)
    if code is None or not usable(code, now):
        return _refused(
            "This linking code has been used or is no longer valid. Ask your clinic for a new one."
        )
    code.used_at = now
    response = authorization.create_authorization_response(
        grant=grant, grant_user=database().get(Patient, code.patient_id)
    )
    database().commit()
    log.info("linking code %s used for patient %s", code.id, code.patient_id)
    return response


@oauth.post("/token")
def token():
    """Alexa's code exchange and refreshes. Whatever the answer, what it changed
    is kept: a refused replay has revoked a link."""
    response = linking_server().create_token_response()
    database().commit()
    return response


@oauth.errorhandler(TooManyRequests)
def too_many_tries(error: TooManyRequests):
    page, status = _refused(error.description, 429)
    return page, status, {"Retry-After": error.retry_after}


def init_app(app: Flask, clock: Callable[[], datetime]) -> None:
    server.init_app(app, clock)
    app.register_blueprint(oauth)
