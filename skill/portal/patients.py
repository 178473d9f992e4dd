"""Patients and their treatments, always reached through the signed-in clinic."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import abort, g, redirect, render_template, request, url_for
from sqlalchemy.exc import IntegrityError

from skill.aftercare import (
    Aftercare,
    Listener,
    TimelineEntry,
    TreatmentInFuture,
    answer_status,
    session_spacing,
    sessions_too_close,
    written_any_time,
    written_instant,
    written_next_session,
    written_timeline,
)
from skill.store import ClinicPatients, Patient, Treatment, Treatments

from .auth import signed_in
from .blueprint import database, portal, services
from .forms import ConfirmForm, PatientForm, SearchForm, TreatmentForm

log = logging.getLogger(__name__)

NOT_FOUND = "There is no such patient or treatment in your clinic."


def _clinic_patients() -> ClinicPatients:
    return ClinicPatients(database(), g.staff.clinic_id)


def _patient_or_404(patient_id: int) -> Patient:
    # Another clinic's patient is exactly as absent as one that never existed.
    patient = _clinic_patients().get(patient_id)
    if patient is None:
        abort(404, NOT_FOUND)
    return patient


def _treatment_or_404(patient: Patient, treatment_id: int) -> Treatment:
    treatment = Treatments(database()).get(patient.id, treatment_id)
    if treatment is None:
        abort(404, NOT_FOUND)
    return treatment


def _zone(treatment: Treatment | None = None) -> ZoneInfo:
    return ZoneInfo((treatment and treatment.timezone) or g.clinic.timezone)


def _written(treatment: Treatment) -> str:
    return written_instant(treatment.treated_at, Listener(_zone(treatment)))


@portal.context_processor
def treatment_helpers():
    return {"written_treatment": _written, "area_names": _area_names}


def _area_names(treatment: Treatment) -> str:
    targets = services().sheet.targets
    areas = (targets.area(area_id) for area_id in treatment.treated_areas or ())
    return ", ".join(area.label for area in areas if area is not None and area.listed)


@portal.get("/patients")
@signed_in
def patients():
    form = SearchForm(request.args)
    found = _clinic_patients().search(form.q.data or "") if form.validate() else []
    return render_template("portal/patients.html", form=form, patients=found)


def _save_patient(form: PatientForm, patient: Patient | None) -> Patient | None:
    """Adds or updates the patient from the form; None (with the form's errors) if refused."""
    reference = (form.clinic_reference.data or "").strip() or None
    clinic_patients = _clinic_patients()
    editing = patient.id if patient else None
    if reference and clinic_patients.reference_taken(reference, by_other_than=editing):
        form.clinic_reference.errors.append("Another patient already has this reference.")
        return None
    name = form.name.data.strip()
    if patient is None:
        patient = clinic_patients.add(
            name=name,
            clinic_reference=reference,
            date_of_birth=form.date_of_birth.data,
            now=services().clock(),
        )
    else:
        patient.name = name
        patient.clinic_reference = reference
        patient.date_of_birth = form.date_of_birth.data
    try:
        database().commit()
    except IntegrityError:  # the same reference, saved a moment ago by a colleague
        database().rollback()
        form.clinic_reference.errors.append("Another patient already has this reference.")
        return None
    return patient


@portal.route("/patients/new", methods=["GET", "POST"])
@signed_in
def add_patient():
    form = PatientForm()
    if form.validate_on_submit():
        patient = _save_patient(form, None)
        if patient is not None:
            log.info("staff %s added patient %s", g.staff.id, patient.id)
            return redirect(url_for("portal.patient", patient_id=patient.id), code=303)
    return render_template("portal/patient_form.html", form=form, patient=None)


@portal.route("/patients/<int:patient_id>/edit", methods=["GET", "POST"])
@signed_in
def edit_patient(patient_id: int):
    patient = _patient_or_404(patient_id)
    form = PatientForm(obj=patient)
    if form.validate_on_submit() and _save_patient(form, patient) is not None:
        log.info("staff %s changed patient %s", g.staff.id, patient.id)
        return redirect(url_for("portal.patient", patient_id=patient.id), code=303)
    return render_template("portal/patient_form.html", form=form, patient=patient)


@dataclass(frozen=True)
class TimelineNow:
    """Her latest treatment's aftercare as it stands now, in the words the skill uses."""

    treated: str
    spoken: str  # what the skill tells her if she opens it now
    entries: tuple[TimelineEntry, ...]
    next_session: str
    any_time: tuple[str, ...]


def _timeline_now(latest: Treatment | None) -> TimelineNow | None:
    if latest is None:
        return None
    listener = Listener(_zone(latest))
    try:
        care = Aftercare(services().sheet, latest.treated_at, services().clock())
    except TreatmentInFuture:
        return None
    return TimelineNow(
        treated=written_instant(care.treated_at, listener),
        spoken=answer_status(care, listener).text,
        entries=written_timeline(care, listener),
        next_session=written_next_session(care, listener),
        any_time=written_any_time(care.sheet),
    )


@portal.get("/patients/<int:patient_id>")
@signed_in
def patient(patient_id: int):
    patient = _patient_or_404(patient_id)
    treatments = Treatments(database()).of_patient(patient.id)
    return render_template(
        "portal/patient.html",
        patient=patient,
        treatments=treatments,
        timeline=_timeline_now(treatments[0] if treatments else None),
    )


def _concerns(patient: Patient, instant: datetime, editing: Treatment | None) -> list[str]:
    """What about this treatment should be confirmed before it is saved."""
    sheet = services().sheet
    now = services().clock()
    listener = Listener(instant.tzinfo)  # type: ignore[arg-type]
    concerns = []
    if instant > now:
        concerns.append(
            f"{written_instant(instant, listener)} is in the future: "
            f"it is now {written_instant(now, listener)}."
        )
    previous = Treatments(database()).previous(
        patient.id, instant, other_than=editing and editing.id
    )
    if previous is not None and sessions_too_close(sheet, previous.treated_at, instant):
        days = (instant - previous.treated_at).days
        concerns.append(
            f"That is {days} days after her previous treatment ({_written(previous)}); "
            f"the aftercare sheet spaces sessions {session_spacing(sheet)} apart."
        )
    return concerns


def _treatment_page(patient: Patient, treatment: Treatment | None):
    """The form that records a treatment, or corrects one."""
    treatments = Treatments(database())
    form = TreatmentForm(obj=None).offer(services().sheet)
    if request.method == "GET":
        if treatment is None:
            form.timezone.data = g.clinic.timezone
            form.session_number.data = treatments.count(patient.id) + 1
        else:
            local = treatment.treated_at.astimezone(_zone(treatment))
            form.treated_on.data, form.treated_at.data = local.date(), local.time()
            form.timezone.data = local.tzinfo.key  # type: ignore[union-attr]
            form.treated_areas.data = list(treatment.treated_areas or [])
            form.session_number.data = treatment.session_number
    concerns: list[str] = []
    if form.validate_on_submit():
        zone = ZoneInfo(form.timezone.data)
        instant = datetime.combine(form.treated_on.data, form.treated_at.data, tzinfo=zone)
        editing = treatment.id if treatment else None
        if treatments.at(patient.id, instant, other_than=editing):
            form.treated_at.errors.append("She already has a treatment at this date and time.")
        else:
            concerns = _concerns(patient, instant, treatment)
            if not concerns or form.confirm_unusual.data:
                return _save_treatment(form, patient, treatment, instant)
    return render_template(
        "portal/treatment_form.html",
        form=form,
        patient=patient,
        treatment=treatment,
        concerns=concerns,
    )


def _save_treatment(
    form: TreatmentForm, patient: Patient, treatment: Treatment | None, instant: datetime
):
    if treatment is None:
        treatment = Treatment(patient_id=patient.id, recorded_at=services().clock())
    treatment.treated_at = instant
    treatment.timezone = form.timezone.data
    treatment.treated_areas = list(form.treated_areas.data)
    treatment.session_number = form.session_number.data
    treatment.recorded_by_staff_id = g.staff.id
    Treatments(database()).add(treatment)
    database().commit()
    log.info("staff %s saved treatment %s of patient %s", g.staff.id, treatment.id, patient.id)
    return redirect(url_for("portal.patient", patient_id=patient.id), code=303)


@portal.route("/patients/<int:patient_id>/treatments/new", methods=["GET", "POST"])
@signed_in
def add_treatment(patient_id: int):
    return _treatment_page(_patient_or_404(patient_id), None)


@portal.route(
    "/patients/<int:patient_id>/treatments/<int:treatment_id>/edit", methods=["GET", "POST"]
)
@signed_in
def edit_treatment(patient_id: int, treatment_id: int):
    patient = _patient_or_404(patient_id)
    return _treatment_page(patient, _treatment_or_404(patient, treatment_id))


@portal.route(
    "/patients/<int:patient_id>/treatments/<int:treatment_id>/delete", methods=["GET", "POST"]
)
@signed_in
def delete_treatment(patient_id: int, treatment_id: int):
    patient = _patient_or_404(patient_id)
    treatment = _treatment_or_404(patient, treatment_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        Treatments(database()).delete(treatment)
        database().commit()
        deleted = (g.staff.id, treatment_id, patient.id)
        log.info("staff %s deleted treatment %s of patient %s", *deleted)
        return redirect(url_for("portal.patient", patient_id=patient.id), code=303)
    return render_template(
        "portal/confirm.html",
        form=form,
        question="Delete this treatment?",
        consequence=f"{patient.name}'s treatment of {_written(treatment)} will be deleted, "
        "and her aftercare will follow the treatment before it.",
        button="Delete the treatment",
        back_url=url_for("portal.patient", patient_id=patient.id),
        back_label=patient.name,
    )
