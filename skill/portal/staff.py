"""An admin adds and removes the clinic's staff; each newcomer gets a one-time link."""

from __future__ import annotations

import logging

from flask import abort, g, render_template, url_for

from skill.store import StaffAccount, StaffAccounts, StaffSessions

from .auth import admin_only
from .blueprint import SETUP_LINK_LIFETIME, database, portal, services
from .forms import ConfirmForm, StaffForm

log = logging.getLogger(__name__)


def _staff_page(form: StaffForm, new_link: tuple[StaffAccount, str] | None = None):
    accounts = StaffAccounts(database()).of_clinic(g.staff.clinic_id)
    return render_template(
        "portal/staff.html",
        form=form,
        accounts=accounts,
        new_link=new_link,
        confirm_form=ConfirmForm(),
        link_days=SETUP_LINK_LIFETIME.days,
    )


def _one_time_link(account: StaffAccount) -> tuple[StaffAccount, str]:
    token = StaffAccounts(database()).issue_setup_link(
        account, services().clock(), SETUP_LINK_LIFETIME
    )
    return account, url_for("portal.welcome", token=token, _external=True)


def _colleague_or_404(staff_id: int) -> StaffAccount:
    account = StaffAccounts(database()).get(g.staff.clinic_id, staff_id)
    if account is None:
        abort(404, "There is no such staff account in your clinic.")
    return account


@portal.route("/staff", methods=["GET", "POST"])
@admin_only
def staff():
    form = StaffForm()
    if not form.validate_on_submit():
        return _staff_page(form)
    accounts = StaffAccounts(database())
    if accounts.by_email(form.email.data) is not None:
        form.email.errors.append("This email already has an account.")
        return _staff_page(form)
    account = accounts.add(
        clinic_id=g.staff.clinic_id,
        email=form.email.data,
        is_admin=form.is_admin.data,
        now=services().clock(),
    )
    new_link = _one_time_link(account)
    database().commit()
    log.info("staff %s added staff %s", g.staff.id, account.id)
    return _staff_page(StaffForm(formdata=None), new_link)


@portal.post("/staff/<int:staff_id>/link")
@admin_only
def new_sign_in_link(staff_id: int):
    """A new one-time link (a forgotten password); the old password stops working."""
    account = _colleague_or_404(staff_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    new_link = _one_time_link(account)
    account.password_hash = None
    StaffSessions(database()).end_all(account.id)
    database().commit()
    log.info("staff %s issued a sign-in link for staff %s", g.staff.id, account.id)
    return _staff_page(StaffForm(formdata=None), new_link)


@portal.route("/staff/<int:staff_id>/remove", methods=["GET", "POST"])
@admin_only
def remove_staff(staff_id: int):
    account = _colleague_or_404(staff_id)
    if account.id == g.staff.id:
        abort(400, "You cannot remove your own account; ask another admin.")
    form = ConfirmForm()
    if form.validate_on_submit():
        StaffAccounts(database()).remove(account)
        database().commit()
        log.info("staff %s removed staff %s", g.staff.id, staff_id)
        return _staff_page(StaffForm(formdata=None))
    return render_template(
        "portal/confirm.html",
        form=form,
        question=f"Remove {account.email}?",
        consequence="They are signed out everywhere at once and can no longer sign in.",
        button="Remove the account",
        back_url=url_for("portal.staff"),
        back_label="Staff",
    )
