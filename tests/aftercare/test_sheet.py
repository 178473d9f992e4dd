"""The patient sheet file: every rule traces to the clinic's sheet; bad files fail at load."""

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from skill.aftercare import RuleKind, SheetError, default_sheet, load_sheet

PACKAGED = Path(__file__).parents[2] / "skill" / "aftercare" / "patient_sheet.json"
CLINIC_SHEET = Path(__file__).parents[3] / "shared" / "microneedling-patient-sheet.txt"


def _normalised(text):
    return " ".join(text.replace("\u2019", "'").split())


@pytest.mark.skipif(not CLINIC_SHEET.exists(), reason="the clinic's sheet is not beside the repo")
def test_every_rule_quotes_the_clinic_sheet_word_for_word():
    clinic = _normalised(CLINIC_SHEET.read_text("utf-8"))
    sheet = default_sheet()
    for rule in sheet.rules.values():
        assert _normalised(rule.sheet) in clinic, rule.id
    assert _normalised(sheet.sessions.sheet.split(". ")[1]) in clinic


def test_a_few_days_is_three_days_on_the_short_side():
    # "Minor redness and irritation for a few days": past three days, the skill
    # no longer reassures (see the README).
    assert default_sheet().symptoms.few_days == timedelta(days=3)


@pytest.mark.skipif(not CLINIC_SHEET.exists(), reason="the clinic's sheet is not beside the repo")
def test_every_treated_area_is_one_of_the_sheets_targeted_areas():
    clinic = _normalised(CLINIC_SHEET.read_text("utf-8"))
    targeted = clinic.split("Targeted areas", 1)[1].split("• Micro needling is safe", 1)[0]
    targets = default_sheet().targets
    assert _normalised(targets.list_sheet) in targeted
    for area in targets.listed:
        assert f"• {_normalised(area.sheet)}" in targeted, area.id
        assert area.label.lower().startswith(area.sheet.lower().split(" or ")[0]), area.id
    # The whole list, nothing left out.
    assert targeted.count("•") == len(targets.listed)


def test_rule_kinds_match_their_waits():
    for rule in default_sheet().rules.values():
        assert (rule.kind is RuleKind.CONDITION) == (not rule.wait)


def _write(tmp_path, mutate):
    data = json.loads(PACKAGED.read_text("utf-8"))
    mutate(data)
    path = tmp_path / "sheet.json"
    path.write_text(json.dumps(data), "utf-8")
    return path


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["rules"][0].update(wait_hours=-1), "wait_hours"),
        (lambda d: d["rules"][0].update(wait_hours="48"), "wait_hours"),
        (lambda d: d["rules"][0].update(kind="maybe"), "kind"),
        (lambda d: d["rules"][0].pop("sheet"), "'sheet'"),
        (lambda d: d["rules"][0].update(allowed=""), "empty"),
        (lambda d: d["rules"][0].update(allowed_from="Makeup is fine soon."), "{when}"),
        (lambda d: d["rules"][1].update(id="makeup"), "unique"),
        (lambda d: d["rules"][-1].update(wait_hours=5), "no wait"),
        (lambda d: d["facts"].pop("pain"), "missing"),
        (lambda d: d["sessions"].update(min_gap_days=50), "min_gap_days"),
        (lambda d: d.update(rules={}), "'rules'"),
        (lambda d: d["rules"][0].update(kind_answer="Mascara is makeup."), "{kind}"),
        (lambda d: d["rules"][0].pop("kind_answer"), "come together"),
        (lambda d: d["rules"][1].update(similar=["mascara"]), "already a word of 'makeup'"),
        (lambda d: d["rules"][4].update(see_also="sunbathing"), "names no rule"),
        (lambda d: d["rules"][4].update(endorses="no"), "'endorses'"),
        (lambda d: d["symptoms"].update(few_days=0), "few_days"),
        (lambda d: d["symptoms"].update(expected=[]), "at least one symptom"),
        (lambda d: d["symptoms"].update(answered_by_rule={"soreness": "aspirin"}), "no rule"),
        (lambda d: d["candidacy"].update(conditions=[]), "non-empty list"),
        (lambda d: d["targets"]["areas"].append({"id": "scars", "name": "x"}), "unique"),
        (lambda d: d.pop("targets"), "'targets'"),
        (lambda d: d["targets"].pop("list_sheet"), "'list_sheet'"),
        (lambda d: d["targets"]["areas"][0].pop("sheet"), "both 'label' and 'sheet'"),
        (
            lambda d: [(a.pop("sheet", None), a.pop("label", None)) for a in d["targets"]["areas"]],
            "at least one area",
        ),
    ],
)
def test_a_malformed_sheet_is_refused_with_the_reason(tmp_path, mutate, message):
    with pytest.raises(SheetError, match=message.replace("{", r"\{").replace("}", r"\}")):
        load_sheet(_write(tmp_path, mutate))


def test_a_sheet_that_is_not_json_is_refused(tmp_path):
    path = tmp_path / "sheet.json"
    path.write_text("{not json", "utf-8")
    with pytest.raises(SheetError, match="JSON"):
        load_sheet(path)


def test_the_core_imports_nothing_from_the_web_stack():
    forbidden = ["flask", "ask_sdk_core", "ask_sdk_model", "sqlalchemy", "requests", "urllib3"]
    code = (
        "import sys, skill.aftercare as a; a.default_sheet();"
        f"print([m for m in {forbidden!r} if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
