"""A patient's Alexa account: staff issue her a linking code, revoke it, or unlink her.

A code is shown once, on the page that issued it; only its keyed hash is kept
(see ``skill.oauth.linking_codes``). Issuing a new one revokes the last.
Unlinking revokes every link of hers, so each token issued through them stops
working at once, and any code still outstanding.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, g, redirect, render_template, url_for

from skill.aftercare import Listener, written_instant
from skill.oauth.linking_codes import linking_code_hash, new_linking_code
from skill.store import AccountLinks, LinkingCodes, Patient

from .auth import signed_in
from .blueprint import database, portal, services
from .forms import ConfirmForm
from .patients import _patient_or_404

log = logging.getLogger(__name__)

# Long enough to reach her by post or at her next visit; short enough to be worth little if lost.
LINKING_CODE_LIFETIME = timedelta(days=7)


@dataclass(frozen=True)
class AlexaAccount:
    """What the patient page says about her Alexa account."""

    linked_since: str | None
    code_valid_until: str | None


def _written(instant: datetime) -> str:
    return written_instant(instant, Listener(ZoneInfo(g.clinic.timezone)))


def alexa_account(patient: Patient) -> AlexaAccount:
    links = AccountLinks(database()).active_of_patient(patient.id)
    code = LinkingCodes(database()).outstanding(patient.id, services().clock())
    return AlexaAccount(
        linked_since=_written(links[0].linked_at) if links else None,
        code_valid_until=_written(code.expires_at) if code else None,
    )


@portal.context_processor
def linking_helpers():
    return {"alexa_account": alexa_account, "linking_form": ConfirmForm()}


@portal.post("/patients/<int:patient_id>/linking-code")
@signed_in
def issue_linking_code(patient_id: int):
    patient = _patient_or_404(patient_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("portal.patient", patient_id=patient.id), code=303)
    if patient.date_of_birth is None:
        return render_template("portal/linking_code.html", patient=patient, code=None)
    code = new_linking_code()
    issued = LinkingCodes(database()).issue(
        patient_id=patient.id,
        code_hash=linking_code_hash(code, current_app.config["SECRET_KEY"]),
        staff_id=g.staff.id,
        now=services().clock(),
        valid_for=LINKING_CODE_LIFETIME,
    )
    database().commit()
    log.info("staff %s issued linking code %s for patient %s", g.staff.id, issued.id, patient.id)
    return render_template(
        "portal/linking_code.html",
        patient=patient,
        code=code,
        valid_until=_written(issued.expires_at),
    )


@portal.post("/patients/<int:patient_id>/linking-code/revoke")
@signed_in
def revoke_linking_code(patient_id: int):
    patient = _patient_or_404(patient_id)
    if ConfirmForm().validate_on_submit():
        LinkingCodes(database()).revoke_outstanding(patient.id, services().clock())
        database().commit()
        log.info("staff %s revoked the linking code of patient %s", g.staff.id, patient.id)
    return redirect(url_for("portal.patient", patient_id=patient.id), code=303)


@portal.route("/patients/<int:patient_id>/unlink", methods=["GET", "POST"])
@signed_in
def unlink(patient_id: int):
    patient = _patient_or_404(patient_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        now = services().clock()
        ended = AccountLinks(database()).revoke_of_patient(patient.id, now)
        LinkingCodes(database()).revoke_outstanding(patient.id, now)
        database().commit()
        log.info("staff %s unlinked patient %s (%s links)", g.staff.id, patient.id, ended)
        return redirect(url_for("portal.patient", patient_id=patient.id), code=303)
    return render_template(
        "portal/confirm.html",
        form=form,
        question="Unlink her Alexa account?",
        consequence=f"Skin Aftercare will stop answering {patient.name} from your records at "
        "once. To link again she needs a new linking code.",
        button="Unlink her Alexa account",
        back_url=url_for("portal.patient", patient_id=patient.id),
        back_label=patient.name,
    )
