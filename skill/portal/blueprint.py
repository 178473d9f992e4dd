"""The clinic portal: staff record their patients' treatments in server-rendered pages.

One blueprint under ``/portal``. Every page works without JavaScript. Every
query goes through the signed-in clinic (``ClinicPatients``, ``StaffAccounts``
scoped by clinic), so another clinic's ids find nothing and answer 404, as an
id that does not exist does. Errors are HTML pages; ``/alexa`` keeps its JSON.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from flask import Blueprint, Flask, current_app, render_template, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.middleware.proxy_fix import ProxyFix

from skill.aftercare import PatientSheet
from skill.store import get_store

log = logging.getLogger(__name__)

EXTENSION_KEY = "aftercare_portal"
# A working day; the cookie itself ends with the browser session.
SESSION_LIFETIME = timedelta(hours=12)
# How long a one-time sign-in link (a new colleague, a forgotten password) stays valid.
SETUP_LINK_LIFETIME = timedelta(days=7)

portal = Blueprint(
    "portal",
    __name__,
    url_prefix="/portal",
    template_folder="templates",
    static_folder="static",
)
csrf = CSRFProtect()


@dataclass
class PortalServices:
    sheet: PatientSheet
    clock: Callable[[], datetime]
    passwords: PasswordHasher
    _no_such_account: str | None = None

    @property
    def no_such_account(self) -> str:
        """A hash to check against when an account does not exist, so that a wrong
        email takes as long as a wrong password and reveals nothing. Made on first
        use: hashing takes a tenth of a second that start-up need not spend."""
        if self._no_such_account is None:
            self._no_such_account = self.passwords.hash("no such account")
        return self._no_such_account


def services() -> PortalServices:
    found: PortalServices = current_app.extensions[EXTENSION_KEY]
    return found


def database() -> Session:
    """The request's one ORM Session (closed when the request ends)."""
    return get_store(current_app).request_session()


@portal.before_request
def check_csrf() -> None:
    # Every form of the portal posts; each POST must carry the session's token.
    # (/alexa and, next, the OAuth token endpoint are not the portal's and are exempt.)
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()


@portal.after_request
def protect_pages(response):
    # Patient data: never cached, never framed, no scripts, no referrer to leak a link.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    )
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@portal.route("/<path:unknown>", methods=["GET", "POST"])
def unknown_page(unknown: str):
    # Routed here, a mistyped portal address gets the portal's HTML 404 page.
    raise NotFound()


ERROR_TITLES = {
    400: "The form could not be read",
    403: "Only your clinic's admins can do that",
    404: "Page not found",
    405: "Page not found",
    429: "Too many attempts",
}


@portal.errorhandler(CSRFError)
def csrf_error(error: CSRFError):
    log.warning("portal form refused: %s", error.description)
    message = (
        "The form had expired or did not come from this site, so nothing was saved. "
        "Go back, reload the page and try again."
    )
    return render_template("portal/error.html", title="Nothing was saved", message=message), 400


@portal.errorhandler(HTTPException)
def http_error(error: HTTPException):
    code = error.code or 500
    if code == 405:  # a known page asked the wrong way reads like a missing one
        code = 404
    title = ERROR_TITLES.get(code, "Something went wrong")
    response = render_template("portal/error.html", title=title, message=error.description)
    headers = {"Retry-After": error.retry_after} if getattr(error, "retry_after", None) else {}
    return response, code, headers


@portal.errorhandler(Exception)
def unexpected_error(error: Exception):
    # Where it failed, but not the exception's message: that may quote patient data.
    where = "".join(traceback.format_tb(error.__traceback__))
    log.error("portal request failed: %s\n%s", type(error).__name__, where)
    message = "Nothing you entered was lost that you cannot enter again. Please try once more."
    return render_template("portal/error.html", title="Something went wrong", message=message), 500


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, without building the signer for a request that
    sends no cookies at all (Alexa's never do): building it took a twentieth of an
    Alexa answer. Such a request gets a new, empty session, as Flask would give it."""

    def open_session(self, app: Flask, request) -> SecureCookieSession | None:
        if app.secret_key and "HTTP_COOKIE" not in request.environ:
            return self.session_class()
        return super().open_session(app, request)


def init_app(app: Flask, sheet: PatientSheet, clock: Callable[[], datetime]) -> None:
    from . import auth, check_ins, linking, patients, staff  # noqa: F401  (their views join it)

    app.config.update(
        SESSION_COOKIE_NAME="aftercare_portal",
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Only forms the portal checks itself carry tokens (see check_csrf).
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=None,  # a form stays valid as long as the session does
    )
    if app.config["TRUSTED_PROXIES"]:
        # Behind a TLS proxy the client's address is in X-Forwarded-For; throttling needs it.
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    app.session_interface = CookieSessions()
    csrf.init_app(app)
    # argon2-cffi's defaults: argon2id with RFC 9106's second recommended profile.
    # (Tests may pass a cheaper PASSWORD_HASHER.)
    passwords = app.config.get("PASSWORD_HASHER") or PasswordHasher()
    app.extensions[EXTENSION_KEY] = PortalServices(sheet=sheet, clock=clock, passwords=passwords)
    app.register_blueprint(portal)
