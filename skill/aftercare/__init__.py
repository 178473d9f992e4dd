"""The clinical core: the patient sheet's rules, exact time arithmetic, phrasing.

Pure Python: nothing here imports Flask, ask-sdk, SQLAlchemy or an HTTP client,
and "now" always arrives as a parameter.

    sheet = default_sheet()
    care = Aftercare(sheet, treated_at=..., now=...)
    verdict = care.check(sheet.rule("makeup"))
    answer_permission(care, verdict, Listener(ZoneInfo("America/New_York"))).text
    # "Not yet. Makeup is fine from 3 PM tomorrow."
"""

from .engine import (
    Aftercare,
    Milestone,
    SessionWindow,
    TreatmentInFuture,
    Verdict,
    sessions_too_close,
)
from .phrasing import (
    Listener,
    Period,
    Speech,
    TimelineEntry,
    answer_fact,
    answer_future_treatment,
    answer_next_session,
    answer_overview,
    answer_permission,
    answer_permission_during,
    answer_session_count,
    answer_status,
    answer_wait,
    spoken_day,
    spoken_elapsed,
    spoken_instant,
    spoken_wait,
    timeline_card,
    written_instant,
    written_next_session,
    written_timeline,
)
from .sheet import (
    Fact,
    PatientSheet,
    Rule,
    RuleKind,
    SheetError,
    TreatedArea,
    default_sheet,
    load_sheet,
)

__all__ = [
    "Aftercare",
    "Fact",
    "Listener",
    "Milestone",
    "Period",
    "PatientSheet",
    "Rule",
    "RuleKind",
    "SessionWindow",
    "SheetError",
    "Speech",
    "TimelineEntry",
    "TreatedArea",
    "TreatmentInFuture",
    "Verdict",
    "answer_fact",
    "answer_future_treatment",
    "answer_next_session",
    "answer_overview",
    "answer_permission",
    "answer_permission_during",
    "answer_session_count",
    "answer_status",
    "answer_wait",
    "default_sheet",
    "load_sheet",
    "spoken_day",
    "spoken_elapsed",
    "spoken_instant",
    "spoken_wait",
    "sessions_too_close",
    "timeline_card",
    "written_instant",
    "written_next_session",
    "written_timeline",
]
