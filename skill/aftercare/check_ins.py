"""Check-ins: how she is, passed on to her clinic when she says yes.

After the sheet's answer to how she is (``symptoms.answer_symptom``), a patient
whose Alexa account is linked to her clinic is asked whether to let the clinic
know; a patient who reports her own treatment is asked instead whether she
would like to link her clinic account. Only her yes sends a check-in: the
symptom words as recognised, when, and how long after her treatment. The skill
never promises what the clinic will do, nor when.

The clinic reads check-ins in its portal: each one flagged when she reported
something the sheet does not expect, or redness past the sheet's few days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .engine import Aftercare
from .phrasing import (
    Listener,
    Speech,
    TimelineEntry,
    spoken_elapsed,
    written_instant,
    written_timeline,
)
from .sheet import PatientSheet
from .symptoms import Finding, classify

OFFER_CHECK_IN = "Shall I let your clinic know?"
OFFER_LINKING = (
    "Would you like to link your clinic account, so that next time I can let your clinic know?"
)
CHECK_IN_SENT = Speech(
    "I've sent it to your clinic. If it feels severe, don't wait — get medical help now."
)
FINE_SENT = Speech("I've let your clinic know you're feeling fine.")
CHECK_IN_NOT_SENT = Speech("Okay, I won't send it.")
LINKING_DECLINED = Speech("Okay.")


def check_in_sent(sheet: PatientSheet, symptom_id: str | None) -> Speech:
    """What she hears once the check-in is on its way to her clinic."""
    return FINE_SENT if classify(symptom_id, sheet) is Finding.FINE else CHECK_IN_SENT


def unexpected(sheet: PatientSheet, symptom_id: str | None, since: timedelta | None) -> bool:
    """Whether the clinic should see this check-in flagged: something the sheet does
    not expect (or a word the skill does not know), or what it expects for a few
    days reported after them."""
    finding = classify(symptom_id, sheet)
    if finding is Finding.NOT_EXPECTED:
        return True
    return finding is Finding.EXPECTED and since is not None and since >= sheet.symptoms.few_days


@dataclass(frozen=True)
class WrittenCheckIn:
    """A check-in as the clinic's inbox shows it."""

    reported: str  # "swelling (she said “really swollen”)"
    finding: str  # "Not something the aftercare sheet expects"
    when: str  # "Saturday, November 28, 10:00 AM"
    since_treatment: str  # "2 days after her treatment"
    timeline: tuple[TimelineEntry, ...]  # her aftercare as it stood when she checked in


def written_check_in(
    sheet: PatientSheet,
    *,
    heard: str | None,
    symptom_id: str | None,
    symptom_name: str | None,
    flagged: bool,
    reported_at: datetime,
    treated_at: datetime | None,
    listener: Listener,
) -> WrittenCheckIn:
    """What the clinic reads of a check-in, in its own zone."""
    # The treatment she was answered from, which the skill only ever takes from before now.
    care = None if treated_at is None else Aftercare(sheet, treated_at, reported_at)
    return WrittenCheckIn(
        reported=_reported(heard, symptom_name),
        finding=_finding(sheet, symptom_id, flagged),
        when=written_instant(reported_at, listener),
        since_treatment=(
            f"{spoken_elapsed(care.elapsed)} after her treatment"
            if care is not None
            else "no treatment on record"
        ),
        timeline=written_timeline(care, listener) if care is not None else (),
    )


def _reported(heard: str | None, symptom_name: str | None) -> str:
    if symptom_name and heard and heard != symptom_name:
        return f"{symptom_name} (she said “{heard}”)"
    return symptom_name or (f"“{heard}”" if heard else "nothing the skill could make out")


def _finding(sheet: PatientSheet, symptom_id: str | None, flagged: bool) -> str:
    finding = classify(symptom_id, sheet)
    if finding is Finding.FINE:
        return "Feeling fine"
    if finding is Finding.ANSWERED_BY_RULE:
        rule = sheet.rules[sheet.symptoms.answered_by_rule[symptom_id]]  # type: ignore[index]
        return f"The sheet answers it: {rule.allowed}"
    if finding is Finding.EXPECTED:
        if flagged:
            return "The aftercare sheet expects it for only a few days, and it lasted longer"
        return "The aftercare sheet expects it for a few days"
    return "Not something the aftercare sheet expects"
