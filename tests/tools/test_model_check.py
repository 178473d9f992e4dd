"""``aftercare model check``: the real interaction model passes, and each kind of
mistake in a copy of it is reported as exactly one problem line."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from skill.intents import handled_intents
from skill.tools.model_check import check_manifest, check_model, check_model_file, model_group

REPOSITORY_ROOT = Path(__file__).parents[2]
MODEL_PATH = REPOSITORY_ROOT / "interaction_model" / "en-US.json"
REAL_MODEL = json.loads(MODEL_PATH.read_text("utf-8"))
HANDLED = handled_intents()

LANGUAGE_MODEL = "interactionModel.languageModel"
RECORD_TREATMENT_DIALOG = "interactionModel.dialog.intents[0] (RecordTreatmentIntent)"


def _language_model(model: dict) -> dict:
    return model["interactionModel"]["languageModel"]


def _intent(model: dict, name: str) -> dict:
    return next(intent for intent in _language_model(model)["intents"] if intent["name"] == name)


def _without_intent(model: dict, name: str) -> None:
    _language_model(model)["intents"].remove(_intent(model, name))


def _intent_path(name: str) -> str:
    """Where the intent is in the real model, so reordering the file keeps these tests true."""
    index = [intent["name"] for intent in _language_model(REAL_MODEL)["intents"]].index(name)
    return f"{LANGUAGE_MODEL}.intents[{index}] ({name})"


def _next_sample_index(name: str) -> int:
    return len(_intent(REAL_MODEL, name)["samples"])


def _intent_reference(name: str) -> str:
    return _intent_path(name).rpartition(".")[2]


def _shouted(name: str) -> str:
    """The intent's first sample, differing only in case and punctuation."""
    return _intent(REAL_MODEL, name)["samples"][0].capitalize() + "?"


def _misspell_samples(model: dict) -> None:
    intent = _intent(model, "ActivityWaitIntent")
    intent["samplez"] = intent.pop("samples")


def _drop_slot_type(model: dict) -> None:
    del _intent(model, "ActivityPermissionIntent")["slots"][0]["type"]


def _add_sample_with_undeclared_slot(model: dict) -> None:
    _intent(model, "ActivityWaitIntent")["samples"].append(
        "how long before I can {activity} on {day}"
    )


def _share_sample_with_another_intent(model: dict) -> None:
    _intent(model, "PainIntent")["samples"].append(_shouted("ResultsIntent"))


def _repeat_sample_in_one_intent(model: dict) -> None:
    _intent(model, "PainIntent")["samples"].append(_shouted("PainIntent"))


def _put_synonym_under_two_values(model: dict) -> None:
    activity = _language_model(model)["types"][0]
    activity["values"][1]["name"]["synonyms"].append("Make Up")


SWIMMING_SYNONYMS = len(_language_model(REAL_MODEL)["types"][0]["values"][1]["name"]["synonyms"])
INTENT_COUNT = len(_language_model(REAL_MODEL)["intents"])


def _add_overlong_sample(model: dict) -> None:
    _intent(model, "CostIntent")["samples"].append("how much " * 30)


def _add_intent_without_handler(model: dict) -> None:
    _language_model(model)["intents"].append(
        {"name": "OrderPizzaIntent", "samples": ["order a pizza"]}
    )


def _drop_handled_intent(model: dict) -> None:
    _without_intent(model, "ActivityWaitIntent")


def _drop_built_in(model: dict) -> None:
    _without_intent(model, "AMAZON.NavigateHomeIntent")


def _name_missing_elicitation_prompt(model: dict) -> None:
    date_slot = model["interactionModel"]["dialog"]["intents"][0]["slots"][0]
    date_slot["prompts"]["elicitation"] = "Elicit.Slot.Nowhere"


def _require_confirmation_without_prompt(model: dict) -> None:
    model["interactionModel"]["dialog"]["intents"][0]["slots"][1]["confirmationRequired"] = True


def _use_invalid_delegation_strategy(model: dict) -> None:
    model["interactionModel"]["dialog"]["delegationStrategy"] = "SOMETIMES"


def _give_samples_as_string(model: dict) -> None:
    _intent(model, "CostIntent")["samples"] = "how much does it cost"


def _give_number_for_string(model: dict) -> None:
    model["interactionModel"]["prompts"][0]["variations"][0]["value"] = 42


def _use_undeclared_slot_type(model: dict) -> None:
    _intent(model, "ActivityPermissionIntent")["slots"][0]["type"] = "ACTIVITIES"


def _capitalise_invocation_name(model: dict) -> None:
    _language_model(model)["invocationName"] = "Skin Aftercare"


def _shorten_invocation_name(model: dict) -> None:
    _language_model(model)["invocationName"] = "aftercare"


def _change_dialog_slot_type(model: dict) -> None:
    model["interactionModel"]["dialog"]["intents"][0]["slots"][1]["type"] = "AMAZON.DURATION"


def _name_unknown_slot_in_prompt(model: dict) -> None:
    model["interactionModel"]["prompts"][2]["variations"][0]["value"] = "Your treatment was {when}?"


def _add_dialog_slot_missing_from_intent(model: dict) -> None:
    model["interactionModel"]["dialog"]["intents"][0]["slots"].append(
        {
            "name": "zone",
            "type": "AMAZON.TIME",
            "elicitationRequired": False,
            "confirmationRequired": False,
        }
    )


def _give_validation_a_key_of_another_kind(model: dict) -> None:
    # isLessThan compares with one "value"; "values" belongs to isInSet.
    model["interactionModel"]["dialog"]["intents"][0]["slots"][0]["validations"] = [
        {
            "type": "isLessThan",
            "prompt": "Elicit.Slot.RecordTreatmentIntent.date",
            "values": ["2026-01-01"],
        }
    ]


MUTATIONS: list = [
    pytest.param(
        _misspell_samples,
        f"{_intent_path('ActivityWaitIntent')}: unknown key 'samplez'",
        id="misspelt key",
    ),
    pytest.param(
        _drop_slot_type,
        f"{_intent_path('ActivityPermissionIntent')}.slots[0] (activity): missing key 'type'",
        id="slot without a type",
    ),
    pytest.param(
        _add_sample_with_undeclared_slot,
        f"{_intent_path('ActivityWaitIntent')}.samples[{_next_sample_index('ActivityWaitIntent')}]: "
        "{day} in 'how long before I can {activity} on {day}' is not a slot of this intent",
        id="undeclared slot in a sample",
    ),
    pytest.param(
        _share_sample_with_another_intent,
        f"{_intent_path('PainIntent')}.samples[{_next_sample_index('PainIntent')}]: "
        f"{_shouted('ResultsIntent')!r} is already a sample of {_intent_reference('ResultsIntent')}",
        id="sample in two intents",
    ),
    pytest.param(
        _repeat_sample_in_one_intent,
        f"{_intent_path('PainIntent')}.samples[{_next_sample_index('PainIntent')}]: "
        f"{_shouted('PainIntent')!r} repeats samples[0]",
        id="sample twice in one intent",
    ),
    pytest.param(
        _put_synonym_under_two_values,
        f"{LANGUAGE_MODEL}.types[0] (ACTIVITY).values[1] (swimming).name.synonyms[{SWIMMING_SYNONYMS}]: "
        "'Make Up' is already a name or synonym of values[0] (makeup)",
        id="synonym under two values",
    ),
    pytest.param(
        _add_intent_without_handler,
        f"{LANGUAGE_MODEL}.intents[{INTENT_COUNT}] (OrderPizzaIntent): no handler answers this intent",
        id="intent without a handler",
    ),
    pytest.param(
        _add_overlong_sample,
        f"{_intent_path('CostIntent')}.samples[{_next_sample_index('CostIntent')}]: "
        "longer than 200 characters",
        id="sample longer than Amazon takes",
    ),
    pytest.param(
        _drop_handled_intent,
        f"{LANGUAGE_MODEL}.intents: no intent 'ActivityWaitIntent', though a handler answers it",
        id="handled intent not in the model",
    ),
    pytest.param(
        _drop_built_in,
        f"{LANGUAGE_MODEL}.intents: required built-in intent AMAZON.NavigateHomeIntent is missing",
        id="missing built-in",
    ),
    pytest.param(
        _name_missing_elicitation_prompt,
        f"{RECORD_TREATMENT_DIALOG}.slots[0] (date).prompts.elicitation: "
        "no prompt with id 'Elicit.Slot.Nowhere'",
        id="elicitation prompt that does not exist",
    ),
    pytest.param(
        _require_confirmation_without_prompt,
        f"{RECORD_TREATMENT_DIALOG}.slots[1] (time): confirmationRequired needs a prompts.confirmation",
        id="confirmation without a prompt",
    ),
    pytest.param(
        _use_invalid_delegation_strategy,
        "interactionModel.dialog.delegationStrategy: 'SOMETIMES' is not one of ALWAYS, SKILL_RESPONSE",
        id="invalid enum value",
    ),
    pytest.param(
        _give_samples_as_string,
        f"{_intent_path('CostIntent')}.samples: expected a list, got a string",
        id="string for a list",
    ),
    pytest.param(
        _give_number_for_string,
        "interactionModel.prompts[0] (Elicit.Slot.RecordTreatmentIntent.date).variations[0].value: "
        "expected a string, got a number",
        id="number for a string",
    ),
    pytest.param(
        _use_undeclared_slot_type,
        f"{_intent_path('ActivityPermissionIntent')}.slots[0] (activity).type: "
        "slot type 'ACTIVITIES' is neither built in (AMAZON.*) nor declared in types",
        id="undeclared slot type",
    ),
    pytest.param(
        _capitalise_invocation_name,
        f"{LANGUAGE_MODEL}.invocationName: 'Skin Aftercare' must be lower case",
        id="invocation name in capitals",
    ),
    pytest.param(
        _shorten_invocation_name,
        f"{LANGUAGE_MODEL}.invocationName: 'aftercare' must be at least two words",
        id="one-word invocation name",
    ),
    pytest.param(
        _change_dialog_slot_type,
        f"{RECORD_TREATMENT_DIALOG}.slots[1] (time).type: "
        "'AMAZON.DURATION' differs from the language model's 'AMAZON.TIME'",
        id="dialog slot of another type",
    ),
    pytest.param(
        _name_unknown_slot_in_prompt,
        "interactionModel.prompts[2] (Confirm.Intent.RecordTreatmentIntent).variations[0]: "
        "{when} is not a slot of dialog intents[0] (RecordTreatmentIntent)",
        id="prompt naming an unknown slot",
    ),
    pytest.param(
        _add_dialog_slot_missing_from_intent,
        f"{RECORD_TREATMENT_DIALOG}.slots[2] (zone): no slot 'zone' on this intent in the language model",
        id="dialog slot not on the intent",
    ),
    pytest.param(
        _give_validation_a_key_of_another_kind,
        f"{RECORD_TREATMENT_DIALOG}.slots[0] (date).validations[0]: unknown key 'values'",
        id="polymorphic validation with a wrong key",
    ),
]


def test_the_real_model_has_no_problems():
    assert check_model(REAL_MODEL, HANDLED) == []


@pytest.mark.parametrize(("mutate", "expected"), MUTATIONS)
def test_each_mistake_is_one_problem(mutate: Callable[[dict], None], expected: str):
    model = copy.deepcopy(REAL_MODEL)
    mutate(model)
    assert check_model(model, HANDLED) == [expected]


def test_a_file_that_is_not_json_is_one_problem(tmp_path):
    path = tmp_path / "en-US.json"
    path.write_text("{not json", "utf-8")
    [problem] = check_model_file(path, HANDLED)
    assert problem.startswith(f"{path}: cannot read JSON: ")


def _ok_lines(folder) -> str:
    """One OK line per locale's model, in file name order."""
    lines = []
    for path in sorted(MODEL_PATH.parent.glob("en-*.json")):
        intents = json.loads(path.read_text("utf-8"))["interactionModel"]["languageModel"][
            "intents"
        ]
        samples = sum(len(intent.get("samples", [])) for intent in intents)
        lines.append(f"{folder}/{path.name}: OK, {len(intents)} intents, {samples} samples\n")
    return "".join(lines)


def _manifest_ok_line(shown_path) -> str:
    return (
        f"{shown_path}: OK, permissions alexa::alerts:reminders:skill:readwrite; "
        "interfaces ALEXA_PRESENTATION_APL\n"
    )


def test_the_command_passes_every_locales_model_and_the_manifest_by_default(monkeypatch):
    monkeypatch.chdir(REPOSITORY_ROOT)
    result = CliRunner().invoke(model_group, ["check"])
    assert result.exit_code == 0, result.output
    assert result.output == _ok_lines("interaction_model") + _manifest_ok_line(
        "interaction_model/skill.json"
    )
    assert len(result.output.splitlines()) == 6  # en-AU, en-CA, en-GB, en-IN, en-US, skill


def test_the_command_finds_the_repository_model_from_elsewhere(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(model_group, ["check"])
    assert result.exit_code == 0, result.output
    assert result.output == _ok_lines(MODEL_PATH.parent) + _manifest_ok_line(MANIFEST_PATH)


def test_the_command_fails_with_one_line_per_problem(tmp_path):
    model = copy.deepcopy(REAL_MODEL)
    _misspell_samples(model)
    _capitalise_invocation_name(model)
    path = tmp_path / "en-US.json"
    path.write_text(json.dumps(model), "utf-8")
    result = CliRunner().invoke(model_group, ["check", str(path)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{path}: {_intent_path('ActivityWaitIntent')}: unknown key 'samplez'",
        f"{path}: {LANGUAGE_MODEL}.invocationName: 'Skin Aftercare' must be lower case",
        f"{path}: 2 problems",
    ]


# --- the manifest ---------------------------------------------------------

MANIFEST_PATH = REPOSITORY_ROOT / "interaction_model" / "skill.json"


def manifest() -> dict:
    return json.loads(MANIFEST_PATH.read_text("utf-8"))


def test_the_manifest_declares_the_reminders_permission_and_apl():
    assert check_manifest(manifest()) == []


def test_a_manifest_without_the_reminders_permission_is_refused():
    broken = manifest()
    del broken["manifest"]["permissions"]

    assert check_manifest(broken) == [
        "manifest.permissions: alexa::alerts:reminders:skill:readwrite is not declared"
    ]


def test_a_manifest_without_apl_is_refused():
    broken = manifest()
    broken["manifest"]["apis"]["custom"]["interfaces"] = []

    assert check_manifest(broken) == [
        "manifest.apis.custom.interfaces: ALEXA_PRESENTATION_APL is not declared"
    ]


def test_a_misspelt_manifest_key_and_a_wrong_viewport_are_reported():
    broken = manifest()
    broken["manifest"]["permissions"][0]["nmae"] = "x"
    viewport = broken["manifest"]["apis"]["custom"]["interfaces"][0]["supportedViewports"][0]
    viewport["shape"] = "OVAL"

    assert check_manifest(broken) == [
        "manifest.permissions[0] (alexa::alerts:reminders:skill:readwrite): unknown key 'nmae'",
        "manifest.apis.custom.interfaces[0].supportedViewports[0].shape: 'OVAL' is not one of RECTANGLE, ROUND",
    ]


def test_model_check_checks_the_manifest_too(tmp_path):
    broken = manifest()
    del broken["manifest"]["permissions"]
    path = tmp_path / "skill.json"
    path.write_text(json.dumps(broken), "utf-8")

    result = CliRunner().invoke(model_group, ["check", str(path)])

    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{path}: manifest.permissions: alexa::alerts:reminders:skill:readwrite is not declared",
        f"{path}: 1 problem",
    ]
