"""The clinic's inbox of check-ins: what linked patients told the skill and chose to send.

Newest first, unexpected ones flagged, each with the patient, the time since
her treatment and her aftercare timeline as it stood then; staff mark them
reviewed (who and when is kept). Every page shows how many are not reviewed yet.
Another clinic's check-in is a 404, exactly like one that does not exist.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import abort, g, redirect, render_template, request, url_for

from skill.aftercare import Listener, written_instant
from skill.aftercare.check_ins import WrittenCheckIn, written_check_in
from skill.store import CheckIn, ClinicCheckIns, Patient

from .auth import _safe_next, signed_in
from .blueprint import database, portal, services
from .forms import ConfirmForm

log = logging.getLogger(__name__)

PAGE_SIZE = 25
NOT_FOUND = "There is no such check-in in your clinic."
UNREVIEWED = "unreviewed"


@dataclass(frozen=True)
class InboxEntry:
    check_in: CheckIn
    patient: Patient
    written: WrittenCheckIn
    reviewed: str | None  # "ann@bright.example, Saturday, November 28, 10:05 AM"


def _inbox() -> ClinicCheckIns:
    return ClinicCheckIns(database(), g.staff.clinic_id)


def _listener() -> Listener:
    return Listener(ZoneInfo(g.clinic.timezone))


def _entry(check_in: CheckIn, patient: Patient) -> InboxEntry:
    listener = _listener()
    written = written_check_in(
        services().sheet,
        heard=check_in.heard,
        symptom_id=check_in.symptom_id,
        symptom_name=check_in.symptom_name,
        flagged=check_in.unexpected,
        reported_at=check_in.reported_at,
        treated_at=check_in.treated_at,
        listener=listener,
    )
    reviewed = None
    if check_in.reviewed_at is not None:
        reviewed = f"{check_in.reviewed_by}, {written_instant(check_in.reviewed_at, listener)}"
    return InboxEntry(check_in, patient, written, reviewed)


@portal.before_request
def count_unreviewed() -> None:
    # After auth's load_signed_in_staff (this module imports auth, so its hook is
    # registered first): every page's header shows how many wait for review.
    staff = g.get("staff")
    if staff is None or request.endpoint == "portal.static":  # a stylesheet has no header
        g.unreviewed_check_ins = None
    else:
        g.unreviewed_check_ins = _inbox().count(unreviewed_only=True)


def _check_ins_of(patient: Patient) -> list[InboxEntry]:
    return [_entry(check_in, patient) for check_in in _inbox().of_patient(patient.id)]


@portal.context_processor
def check_in_helpers():
    return {
        "unreviewed_check_ins": g.get("unreviewed_check_ins"),
        "check_ins_of": _check_ins_of,
        "review_form": ConfirmForm(),
    }


@portal.get("/check-ins")
@signed_in
def check_ins():
    unreviewed_only = request.args.get("show") == UNREVIEWED
    page = max(request.args.get("page", 1, type=int), 1)
    found = _inbox().newest(
        limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE, unreviewed_only=unreviewed_only
    )
    return render_template(
        "portal/check_ins.html",
        entries=[_entry(*row) for row in found[:PAGE_SIZE]],
        unreviewed_only=unreviewed_only,
        page=page,
        more=len(found) > PAGE_SIZE,
    )


def _check_in_or_404(check_in_id: int) -> tuple[CheckIn, Patient]:
    found = _inbox().get(check_in_id)
    if found is None:
        abort(404, NOT_FOUND)
    return found


@portal.get("/check-ins/<int:check_in_id>")
@signed_in
def check_in(check_in_id: int):
    return render_template("portal/check_in.html", entry=_entry(*_check_in_or_404(check_in_id)))


@portal.post("/check-ins/<int:check_in_id>/review")
@signed_in
def review_check_in(check_in_id: int):
    _check_in_or_404(check_in_id)
    if ConfirmForm().validate_on_submit():
        now = services().clock()
        if _inbox().mark_reviewed(check_in_id, by=g.staff.email, now=now):
            database().commit()
            log.info("staff %s reviewed check-in %s", g.staff.id, check_in_id)
    own_page = url_for("portal.check_in", check_in_id=check_in_id)
    back = request.args.get("next")
    return redirect(_safe_next(back) if back else own_page, code=303)
