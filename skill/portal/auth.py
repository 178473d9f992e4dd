"""Signing in and out: argon2id passwords, server-side sessions, throttled guessing.

The session cookie (signed by Flask, Secure, HttpOnly, SameSite=Lax) carries
only a random token; the ``staff_sessions`` table says whom it signs in and
until when. Signing in clears the cookie's session and starts a new token
(rotation), so nothing set before sign-in survives it; signing out deletes the
row, so a copied cookie is worthless from then on.
"""

from __future__ import annotations

import functools
import logging
from datetime import timedelta
from urllib.parse import urlsplit

from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, g, redirect, render_template, request, session, url_for
from werkzeug.exceptions import TooManyRequests

from skill.store import Clinics, SignInFailures, StaffAccount, StaffAccounts, StaffSessions

from .blueprint import SESSION_LIFETIME, database, portal, services
from .forms import ChoosePasswordForm, ConfirmForm, SignInForm

log = logging.getLogger(__name__)

SESSION_TOKEN = "staff_session"
THROTTLE_WINDOW = timedelta(minutes=15)
FAILURES_PER_ACCOUNT = 5
FAILURES_PER_ADDRESS = 20
WRONG_CREDENTIALS = "That email and password do not match an account."


@portal.before_request
def load_signed_in_staff() -> None:
    token = session.get(SESSION_TOKEN)
    g.staff = None
    g.clinic = None
    if token:
        g.staff = StaffSessions(database()).staff_for(token, services().clock())
    if g.staff is not None:
        g.clinic = Clinics(database()).get(g.staff.clinic_id)


def signed_in(view):
    """The view needs a signed-in staff member; others are sent to sign in first."""

    @functools.wraps(view)
    def wrapper(**kwargs):
        if g.staff is None:
            return redirect(url_for("portal.sign_in", next=request.full_path.rstrip("?")))
        return view(**kwargs)

    return wrapper


def admin_only(view):
    @functools.wraps(view)
    def wrapper(**kwargs):
        if not g.staff.is_admin:
            abort(403, "Ask an admin of your clinic to add or remove staff.")
        return view(**kwargs)

    return signed_in(wrapper)


def _safe_next(target: str | None) -> str:
    """Where to go after signing in: a portal page of this site, never another site."""
    parts = urlsplit(target or "")
    if parts.scheme or parts.netloc or not parts.path.startswith("/portal/"):
        return url_for("portal.patients")
    return target  # type: ignore[return-value]


def _start_session(account: StaffAccount) -> None:
    """Signs the account in, with a fresh session: nothing from before survives."""
    session.clear()
    g.pop("csrf_token", None)  # Flask-WTF's cached token belonged to the old session
    token = StaffSessions(database()).start(account.id, services().clock(), SESSION_LIFETIME)
    session[SESSION_TOKEN] = token


def _throttle(email: str, address: str) -> None:
    failures = SignInFailures(database())
    since = services().clock() - THROTTLE_WINDOW
    if (
        failures.for_account(email, since) >= FAILURES_PER_ACCOUNT
        or failures.from_address(address, since) >= FAILURES_PER_ADDRESS
    ):
        log.warning("sign-in throttled")
        raise TooManyRequests(
            "Too many failed sign-ins. Wait 15 minutes and try again, "
            "or ask your clinic's admin for a new sign-in link.",
            retry_after=int(THROTTLE_WINDOW.total_seconds()),
        )


def _check_password(account: StaffAccount | None, password: str) -> bool:
    stored = account.password_hash if account is not None else None
    try:
        services().passwords.verify(stored or services().no_such_account, password)
    except (VerificationError, InvalidHashError):
        return False
    return stored is not None


@portal.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    form = SignInForm()
    if not form.validate_on_submit():
        return render_template("portal/sign_in.html", form=form)
    db = database()
    now = services().clock()
    email = form.email.data.strip().lower()
    address = request.remote_addr or "unknown"
    _throttle(email, address)
    accounts = StaffAccounts(db)
    account = accounts.by_email(email)
    if not _check_password(account, form.password.data):
        SignInFailures(db).record(email, address, now)
        SignInFailures(db).forget_older_than(now - THROTTLE_WINDOW)
        db.commit()
        log.info("sign-in failed (staff %s)", account.id if account else "unknown")
        return render_template("portal/sign_in.html", form=form, failed=WRONG_CREDENTIALS)
    assert account is not None and account.password_hash is not None
    passwords = services().passwords
    if passwords.check_needs_rehash(account.password_hash):
        accounts.set_password(account, passwords.hash(form.password.data))
    SignInFailures(db).forget_account(email)
    StaffSessions(db).end_expired(now)
    _start_session(account)
    db.commit()
    log.info("staff %s signed in", account.id)
    return redirect(_safe_next(request.args.get("next")), code=303)


@portal.post("/sign-out")
def sign_out():
    token = session.get(SESSION_TOKEN)
    if token:
        StaffSessions(database()).end(token)
        database().commit()
    if g.staff is not None:
        log.info("staff %s signed out", g.staff.id)
    session.clear()
    return redirect(url_for("portal.sign_in", signed_out=1), code=303)


@portal.route("/welcome/<token>", methods=["GET", "POST"])
def welcome(token: str):
    """A one-time link: the person chooses a password and is signed in."""
    db = database()
    account = StaffAccounts(db).by_setup_token(token, services().clock())
    if account is None:
        abort(
            404,
            "This sign-in link has expired or was already used. "
            "Ask your clinic's admin for a new one.",
        )
    form = ChoosePasswordForm()
    if not form.validate_on_submit():
        clinic = Clinics(db).get(account.clinic_id)
        return render_template("portal/welcome.html", form=form, account=account, clinic=clinic)
    StaffAccounts(db).set_password(account, services().passwords.hash(form.password.data))
    _start_session(account)
    db.commit()
    log.info("staff %s chose a password", account.id)
    return redirect(url_for("portal.patients"), code=303)


@portal.get("/")
@signed_in
def home():
    return redirect(url_for("portal.patients"))


@portal.context_processor
def page_context():
    # Every page's header: who is signed in, and the sign-out button's token.
    return {"staff": g.get("staff"), "clinic": g.get("clinic"), "sign_out_form": ConfirmForm()}
