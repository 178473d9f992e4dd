"""The clinic's patient sheet as data: aftercare rules, the session plan, facts.

The content lives in ``patient_sheet.json`` so that a clinic protocol can change
a window or a sentence without touching code. Every entry carries the sheet
sentence it comes from, and :func:`load_sheet` refuses a file that is
incomplete, so a typo fails at start-up rather than mid-conversation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping


class SheetError(ValueError):
    """The patient sheet file is malformed."""


class RuleKind(Enum):
    AVOID = "avoid"  # off-limits until the wait has passed
    START = "start"  # something to begin once the wait has passed, then keep doing
    CONDITION = "condition"  # fine at any time, on the stated condition


@dataclass(frozen=True)
class Rule:
    id: str
    kind: RuleKind
    subject: str  # a noun phrase for lists: "swimming pools"
    wait: timedelta  # exact elapsed time after the treatment
    allowed_from: str | None  # sentence with {when}, spoken while waiting
    allowed: str  # sentence spoken once allowed; may contain {when}
    meanwhile: str | None  # what to do while waiting
    sheet: str  # the patient sheet sentence this rule comes from
    # The answer to "can I?" while waiting, where "Not yet" would say too much:
    # the sheet limits only prolonged sunlight, so a short walk is "Not for long".
    waiting_verdict: str | None = None
    # False where "Yes" once the wait is over would read as the sheet's
    # endorsement (sun tanning): the sheet only stops limiting it.
    endorses: bool = True
    see_also: str | None = None  # a rule whose status is spoken with this one's
    # Words that name a kind of what this rule names ("mascara" is makeup), and
    # the answer that names the kind: {kind}, and {answer} for the rule's own.
    kinds: tuple[str, ...] = ()
    kind_answer: str | None = None
    # Words the sheet does not name whose nearest rule this is ("hot tub").
    similar: tuple[str, ...] = ()


@dataclass(frozen=True)
class Symptoms:
    """What the sheet expects after the procedure; anything else is not expected."""

    expected: tuple[str, ...]  # symptom ids: "redness", "irritation"
    few_days: timedelta  # how long "for a few days" lasts, read on the short side
    answered_by_rule: Mapping[str, str]  # a symptom the sheet answers with a rule
    sheet: str


@dataclass(frozen=True)
class Condition:
    id: str
    clause: str  # "you're pregnant", to follow "if"


@dataclass(frozen=True)
class Candidacy:
    conditions: tuple[Condition, ...]  # in the sheet's order
    sheet: str

    def condition(self, condition_id: str) -> Condition | None:
        return next((c for c in self.conditions if c.id == condition_id), None)


@dataclass(frozen=True)
class TargetArea:
    id: str
    name: str  # as spoken: "stretch marks"
    speech: str | None  # its own answer, where the sheet says more than the list
    # An item of the sheet's "Targeted areas" list, which a clinic records as
    # treated, has a label for forms and pages and the sheet's own words for it.
    label: str | None
    sheet: str | None

    @property
    def listed(self) -> bool:
        return self.sheet is not None


@dataclass(frozen=True)
class Targets:
    areas: tuple[TargetArea, ...]  # in the sheet's order
    list_sheet: str  # the sentence that introduces the "Targeted areas" list
    sheet: str

    def area(self, area_id: str) -> TargetArea | None:
        return next((a for a in self.areas if a.id == area_id), None)

    @property
    def listed(self) -> tuple[TargetArea, ...]:
        """The items of the sheet's list: what a clinic can record as treated."""
        return tuple(area for area in self.areas if area.listed)


@dataclass(frozen=True)
class Fact:
    speech: str
    sheet: str | None  # None only for the "not covered" answer


@dataclass(frozen=True)
class SessionPlan:
    min_gap: timedelta
    max_gap: timedelta
    sheet: str


@dataclass(frozen=True)
class PatientSheet:
    rules: Mapping[str, Rule]  # in the sheet's order
    sessions: SessionPlan
    symptoms: Symptoms
    candidacy: Candidacy
    targets: Targets
    facts: Mapping[str, Fact]

    def rule(self, rule_id: str) -> Rule | None:
        return self.rules.get(rule_id)

    def fact(self, topic: str) -> Fact:
        return self.facts[topic]


_RULE_TEXT_FIELDS = ("subject", "allowed", "sheet")
_REQUIRED_FACTS = frozenset(
    {
        "what_it_is",
        "how_it_works",
        "safety",
        "downtime",
        "marks",
        "soreness",
        "results",
        "outcome",
        "sessions_needed",
        "one_session",
        "duration",
        "pain",
        "cost",
        "rollers",
        "home_roller",
        "not_covered",
    }
)


def load_sheet(path: Path | None = None) -> PatientSheet:
    """Reads and validates a patient sheet file (the packaged one by default)."""
    if path is None:
        text = resources.files(__package__).joinpath("patient_sheet.json").read_text("utf-8")
    else:
        text = Path(path).read_text("utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise SheetError(f"not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise SheetError("the sheet must be a JSON object")
    rules = [_parse_rule(raw) for raw in _required(data, "rules", list, "sheet")]
    by_id = {rule.id: rule for rule in rules}
    if len(by_id) != len(rules):
        raise SheetError("rule ids must be unique")
    _check_rule_words(rules)
    return PatientSheet(
        rules=MappingProxyType(by_id),
        sessions=_parse_sessions(_required(data, "sessions", dict, "sheet")),
        symptoms=_parse_symptoms(_required(data, "symptoms", dict, "sheet"), by_id),
        candidacy=_parse_candidacy(_required(data, "candidacy", dict, "sheet")),
        targets=_parse_targets(_required(data, "targets", dict, "sheet")),
        facts=MappingProxyType(_parse_facts(_required(data, "facts", dict, "sheet"))),
    )


@cache
def default_sheet() -> PatientSheet:
    """The packaged sheet, parsed once per process."""
    return load_sheet()


def _required(data: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    value = data.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise SheetError(f"{where}: '{key}' must be a {kind.__name__}")
    if isinstance(value, str) and not value.strip():
        raise SheetError(f"{where}: '{key}' must not be empty")
    return value


def _optional_text(data: Mapping[str, Any], key: str, where: str) -> str | None:
    if data.get(key) is None:
        return None
    return _required(data, key, str, where)


def _parse_rule(raw: Any) -> Rule:
    if not isinstance(raw, dict):
        raise SheetError("each rule must be a JSON object")
    rule_id = _required(raw, "id", str, "rule")
    where = f"rule {rule_id!r}"
    try:
        kind = RuleKind(raw.get("kind"))
    except ValueError:
        raise SheetError(f"{where}: 'kind' must be one of {[k.value for k in RuleKind]}") from None
    wait_hours = raw.get("wait_hours")
    if not isinstance(wait_hours, (int, float)) or isinstance(wait_hours, bool) or wait_hours < 0:
        raise SheetError(f"{where}: 'wait_hours' must be a number of hours, zero or more")
    text = {field: _required(raw, field, str, where) for field in _RULE_TEXT_FIELDS}
    endorses = raw.get("endorses", True)
    if not isinstance(endorses, bool):
        raise SheetError(f"{where}: 'endorses' must be true or false")
    rule = Rule(
        id=rule_id,
        kind=kind,
        wait=timedelta(hours=wait_hours),
        allowed_from=_optional_text(raw, "allowed_from", where),
        meanwhile=_optional_text(raw, "meanwhile", where),
        waiting_verdict=_optional_text(raw, "waiting_verdict", where),
        endorses=endorses,
        see_also=_optional_text(raw, "see_also", where),
        kinds=_words(raw, "kinds", where),
        kind_answer=_optional_text(raw, "kind_answer", where),
        similar=_words(raw, "similar", where),
        **text,
    )
    if bool(rule.kinds) != (rule.kind_answer is not None):
        raise SheetError(f"{where}: 'kinds' and 'kind_answer' come together")
    if rule.kind_answer is not None and "{kind}" not in rule.kind_answer:
        raise SheetError(f"{where}: 'kind_answer' must name the {{kind}}")
    waits = kind is not RuleKind.CONDITION
    if waits != (rule.wait > timedelta(0)):
        raise SheetError(f"{where}: only 'condition' rules have no wait")
    if waits and (rule.allowed_from is None or "{when}" not in rule.allowed_from):
        raise SheetError(f"{where}: a rule with a wait needs 'allowed_from' with {{when}}")
    return rule


def _words(raw: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    words = raw.get(key, [])
    if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
        raise SheetError(f"{where}: '{key}' must be a list of words")
    return tuple(words)


def _check_rule_words(rules: list[Rule]) -> None:
    """A heard word leads to one rule, and every rule a rule points to exists."""
    owners: dict[str, str] = {}
    ids = {rule.id for rule in rules}
    for rule in rules:
        if rule.see_also is not None and rule.see_also not in ids:
            raise SheetError(f"rule {rule.id!r}: 'see_also' names no rule")
        for word in (*rule.kinds, *rule.similar):
            owner = owners.setdefault(word.lower(), rule.id)
            if owner != rule.id:
                raise SheetError(f"rule {rule.id!r}: {word!r} is already a word of {owner!r}")


def _parse_symptoms(raw: Mapping[str, Any], rules: Mapping[str, Rule]) -> Symptoms:
    few_days = _required(raw, "few_days", int, "symptoms")
    if few_days < 1:
        raise SheetError("symptoms: 'few_days' must be a whole number of days, 1 or more")
    answered_by_rule = _required(raw, "answered_by_rule", dict, "symptoms")
    for symptom, rule_id in answered_by_rule.items():
        if rule_id not in rules:
            raise SheetError(f"symptoms: {symptom!r} is answered by no rule {rule_id!r}")
    expected = _words(raw, "expected", "symptoms")
    if not expected:
        raise SheetError("symptoms: 'expected' must name at least one symptom")
    return Symptoms(
        expected=expected,
        few_days=timedelta(days=few_days),
        answered_by_rule=MappingProxyType(dict(answered_by_rule)),
        sheet=_required(raw, "sheet", str, "symptoms"),
    )


def _parse_candidacy(raw: Mapping[str, Any]) -> Candidacy:
    conditions = tuple(
        Condition(
            id=_required(entry, "id", str, "candidacy condition"),
            clause=_required(entry, "if", str, "candidacy condition"),
        )
        for entry in _objects(raw, "conditions", "candidacy")
    )
    return Candidacy(conditions, _required(raw, "sheet", str, "candidacy"))


def _parse_targets(raw: Mapping[str, Any]) -> Targets:
    areas = tuple(_parse_target_area(entry) for entry in _objects(raw, "areas", "targets"))
    if not any(area.listed for area in areas):
        raise SheetError("targets: at least one area must quote the sheet's list ('sheet')")
    return Targets(
        areas,
        list_sheet=_required(raw, "list_sheet", str, "targets"),
        sheet=_required(raw, "sheet", str, "targets"),
    )


def _parse_target_area(entry: Mapping[str, Any]) -> TargetArea:
    where = f"target area {entry.get('id')!r}"
    area = TargetArea(
        id=_required(entry, "id", str, where),
        name=_required(entry, "name", str, where),
        speech=_optional_text(entry, "speech", where),
        label=_optional_text(entry, "label", where),
        sheet=_optional_text(entry, "sheet", where),
    )
    if (area.label is None) != (area.sheet is None):
        raise SheetError(f"{where}: an item of the sheet's list has both 'label' and 'sheet'")
    return area


def _objects(raw: Mapping[str, Any], key: str, where: str) -> list[dict]:
    entries = _required(raw, key, list, where)
    if not entries or not all(isinstance(entry, dict) for entry in entries):
        raise SheetError(f"{where}: '{key}' must be a non-empty list of objects")
    ids = [entry.get("id") for entry in entries]
    if len(set(ids)) != len(ids):
        raise SheetError(f"{where}: the ids in '{key}' must be unique")
    return entries


def _parse_sessions(raw: Mapping[str, Any]) -> SessionPlan:
    min_gap = _required(raw, "min_gap_days", int, "sessions")
    max_gap = _required(raw, "max_gap_days", int, "sessions")
    if not 0 < min_gap <= max_gap:
        raise SheetError("sessions: need 0 < min_gap_days <= max_gap_days")
    return SessionPlan(
        min_gap=timedelta(days=min_gap),
        max_gap=timedelta(days=max_gap),
        sheet=_required(raw, "sheet", str, "sessions"),
    )


def _parse_facts(raw: Mapping[str, Any]) -> dict[str, Fact]:
    missing = _REQUIRED_FACTS - raw.keys()
    if missing:
        raise SheetError(f"facts: missing {sorted(missing)}")
    facts = {}
    for topic, entry in raw.items():
        if not isinstance(entry, dict):
            raise SheetError(f"fact {topic!r} must be a JSON object")
        facts[topic] = Fact(
            speech=_required(entry, "speech", str, f"fact {topic!r}"),
            sheet=_optional_text(entry, "sheet", f"fact {topic!r}"),
        )
    return facts
