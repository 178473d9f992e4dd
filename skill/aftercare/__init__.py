"""The clinical core: the patient sheet's rules, exact time arithmetic, phrasing.

Pure Python: nothing here imports Flask, ask-sdk, SQLAlchemy or an HTTP client,
and "now" always arrives as a parameter. Every sentence the skill speaks or
writes on a card is built here; handlers only pick.

    sheet = default_sheet()
    care = Aftercare(sheet, treated_at=..., now=...)
    verdict = care.check(sheet.rule("makeup"))
    answer_permission(care, verdict, Listener(ZoneInfo("America/New_York"))).text
    # "Not yet. Makeup is fine from 3 PM tomorrow."
"""

from . import dialogue, locales
from .engine import Aftercare, Milestone, SessionWindow, TreatmentInFuture, Verdict
from .phrasing import (
    Listener,
    Period,
    Speech,
    answer_candidacy,
    answer_fact,
    answer_future_treatment,
    answer_naming_the_word,
    answer_next_session,
    answer_overview,
    answer_permission,
    answer_permission_during,
    answer_recorded_treatment,
    answer_saved,
    answer_session_count,
    answer_status,
    answer_targets,
    answer_wait,
    example_clock,
    example_day,
    in_locale,
    next_change,
    period_name,
    spoken_day,
    spoken_elapsed,
    spoken_instant,
    spoken_wait,
    timeline_card,
    whole_day,
    whole_instant,
)
from .sheet import Fact, PatientSheet, Rule, RuleKind, SheetError, default_sheet, load_sheet
from .symptoms import FINE, Finding, answer_symptom, classify

__all__ = [
    "FINE",
    "Aftercare",
    "Fact",
    "Finding",
    "Listener",
    "Milestone",
    "Period",
    "PatientSheet",
    "Rule",
    "RuleKind",
    "SessionWindow",
    "SheetError",
    "Speech",
    "TreatmentInFuture",
    "Verdict",
    "answer_candidacy",
    "answer_fact",
    "answer_future_treatment",
    "answer_naming_the_word",
    "answer_next_session",
    "answer_overview",
    "answer_permission",
    "answer_permission_during",
    "answer_recorded_treatment",
    "answer_saved",
    "answer_session_count",
    "answer_status",
    "answer_symptom",
    "answer_targets",
    "answer_wait",
    "classify",
    "default_sheet",
    "dialogue",
    "example_clock",
    "example_day",
    "in_locale",
    "load_sheet",
    "locales",
    "next_change",
    "period_name",
    "spoken_day",
    "spoken_elapsed",
    "spoken_instant",
    "spoken_wait",
    "timeline_card",
    "whole_day",
    "whole_instant",
]
