"""How she is: what she reports, classified against what the sheet expects.

The sheet expects minor redness and irritation for a few days, and answers
soreness with a rule (a painkiller). Everything else she reports is something
the sheet does not expect: the answer says what it does expect and sends her
to her clinic, or to medical help now if it feels severe. It never diagnoses.
"""

from __future__ import annotations

from datetime import timedelta
from enum import Enum

from .engine import Aftercare
from .phrasing import Speech, spoken_elapsed
from .sheet import PatientSheet

FINE = "fine"  # the symptom id for "I'm fine": nothing to report


class Finding(Enum):
    EXPECTED = "expected"  # the sheet expects it (for a few days)
    ANSWERED_BY_RULE = "rule"  # the sheet has a rule for it (soreness: a painkiller)
    NOT_EXPECTED = "not expected"  # anything else, including words we don't know
    FINE = "fine"


def classify(symptom_id: str | None, sheet: PatientSheet) -> Finding:
    if symptom_id == FINE:
        return Finding.FINE
    if symptom_id in sheet.symptoms.expected:
        return Finding.EXPECTED
    if symptom_id in sheet.symptoms.answered_by_rule:
        return Finding.ANSWERED_BY_RULE
    return Finding.NOT_EXPECTED


def answer_symptom(
    sheet: PatientSheet,
    symptom_id: str | None,
    named: str | None,
    care: Aftercare | None,
    how_long: bool = False,
) -> Speech:
    """The answer to "my face is swollen", "is redness normal?" or, with
    ``how_long``, "how long will the redness last?".

    ``named`` is the symptom's name as the model resolves it ("swelling"), to
    say it back; ``care`` is her aftercare, when her treatment is known.
    """
    symptoms = sheet.symptoms
    finding = classify(symptom_id, sheet)
    if finding is Finding.FINE:
        return Speech("Glad to hear it.")
    if finding is Finding.ANSWERED_BY_RULE:
        rule = sheet.rules[symptoms.answered_by_rule[symptom_id]]
        if how_long:
            text = (
                f"The sheet doesn't say how long {symptom_id} lasts; "
                f"{rule.allowed[:1].lower()}{rule.allowed[1:]} "
                "If it doesn't ease, please contact your clinic."
            )
        else:
            # A fact of the same name says more than the rule: which painkiller, who to ask.
            text = sheet.fact(symptom_id).speech if symptom_id in sheet.facts else rule.allowed
        return Speech(text, card=f"{text}\n{rule.sheet}")
    if finding is Finding.NOT_EXPECTED:
        about = f"the {named}" if named else "it"
        text = (
            "Your aftercare sheet expects only minor redness and irritation, so please "
            f"contact your clinic about {about}. If it feels severe, get medical help now."
        )
        return Speech(text, card=f"{text}\n{symptoms.sheet}")
    return Speech(_expected(care, symptoms.few_days, how_long), card=symptoms.sheet)


def _expected(care: Aftercare | None, few_days: timedelta, how_long: bool) -> str:
    expects = "the sheet expects minor redness and irritation for a few days after the procedure"
    if care is None:
        if how_long:
            return f"A few days: {expects}. If it lasts longer, please contact your clinic."
        return (
            "Minor redness and irritation are expected for a few days after the procedure. "
            "If it's been longer, or it's more than minor, please contact your clinic."
        )
    elapsed = spoken_elapsed(care.elapsed)
    if care.elapsed >= few_days:
        if how_long:
            opening = "A few days, the sheet says"
        else:
            opening = (
                "Not this long after: the sheet expects minor redness and irritation "
                "for only a few days"
            )
        return (
            f"{opening}, and it's been {elapsed} since your treatment. "
            "Please contact your clinic about it."
        )
    opening = "A few days" if how_long else "That's expected if it's minor"
    return f"{opening}: {expects}, and it's been {elapsed} since yours."
