"""``aftercare model check``: validate the Alexa interaction model before Amazon does.

Two passes over each ``interaction_model/<locale>.json``:

- the schema, walked against ask-smapi-model's interaction-model classes (the
  format the Alexa Skills Kit accepts). Their own deserializer drops keys it does
  not know, so a misspelt key would pass silently; the walk reports it instead,
  along with wrong value types, invalid enum values and the keys Amazon requires;
- the meaning: slots, slot types, samples, synonyms, dialog prompts, built-in
  intents, and agreement with the intents the skill's handlers answer.

Every problem is one line that starts with a JSON-path-like location.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable, Collection, Iterator
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import click
from ask_smapi_model.v1.skill.interaction_model.dialog_intents import DialogIntents
from ask_smapi_model.v1.skill.interaction_model.dialog_slot_items import DialogSlotItems
from ask_smapi_model.v1.skill.interaction_model.intent import Intent
from ask_smapi_model.v1.skill.interaction_model.interaction_model_data import InteractionModelData
from ask_smapi_model.v1.skill.interaction_model.interaction_model_schema import (
    InteractionModelSchema,
)
from ask_smapi_model.v1.skill.interaction_model.language_model import LanguageModel
from ask_smapi_model.v1.skill.interaction_model.prompt import Prompt
from ask_smapi_model.v1.skill.interaction_model.prompt_items import PromptItems
from ask_smapi_model.v1.skill.interaction_model.slot_definition import SlotDefinition
from ask_smapi_model.v1.skill.interaction_model.slot_type import SlotType
from ask_smapi_model.v1.skill.interaction_model.type_value import TypeValue
from ask_smapi_model.v1.skill.interaction_model.type_value_object import TypeValueObject
from ask_smapi_model.v1.skill.manifest.skill_manifest_envelope import SkillManifestEnvelope

REPOSITORY_ROOT = Path(__file__).parents[2]
MODEL_FOLDER = "interaction_model"
MANIFEST_NAME = "skill.json"

LANGUAGE_MODEL_PATH = "interactionModel.languageModel"
DIALOG_PATH = "interactionModel.dialog"
PROMPTS_PATH = "interactionModel.prompts"

REQUIRED_BUILT_IN_INTENTS = frozenset(
    {
        "AMAZON.HelpIntent",
        "AMAZON.StopIntent",
        "AMAZON.CancelIntent",
        "AMAZON.FallbackIntent",
        "AMAZON.NavigateHomeIntent",
    }
)

# Keys Amazon requires that the classes' attribute_map cannot say are required.
# A custom type's "values" is checked with the types, because a valueSupplier
# may stand in for it.
REQUIRED_KEYS: dict[type, tuple[str, ...]] = {
    InteractionModelData: ("interactionModel",),
    InteractionModelSchema: ("languageModel",),
    LanguageModel: ("invocationName", "intents"),
    Intent: ("name",),
    SlotDefinition: ("name", "type"),
    SlotType: ("name",),
    TypeValue: ("name",),
    TypeValueObject: ("value",),
    DialogIntents: ("name",),
    DialogSlotItems: ("name", "type"),
    Prompt: ("id", "variations"),
    PromptItems: ("type", "value"),
}

# The primitive type names ask-smapi-model's deserialized_types use, with what a
# JSON value must be to match. bool is a subclass of int, so numbers exclude it.
PRIMITIVE_TYPES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "str": (lambda value: isinstance(value, str), "a string"),
    "bool": (lambda value: isinstance(value, bool), "true or false"),
    "int": (lambda value: isinstance(value, int) and not isinstance(value, bool), "a whole number"),
    "float": (
        lambda value: isinstance(value, int | float) and not isinstance(value, bool),
        "a number",
    ),
    "object": (lambda value: True, "any value"),
}
LIST_TYPE = re.compile(r"list\[(?P<item>.+)\]")
DICT_TYPE = re.compile(r"dict\(str, (?P<item>.+)\)")

SLOT_REFERENCE = re.compile(r"\{([^{}]*)\}")
MAX_SAMPLE_LENGTH = 200  # Amazon refuses a longer sample utterance
# Alexa hears "Can I swim?" and "can i swim" alike; apostrophes change the words.
NOT_SPOKEN = re.compile(r"[^\w{}' ]")
INVOCATION_NAME_PUNCTUATION = frozenset(" .'")

# What the skill's code uses and the manifest must declare, or Alexa refuses it at run
# time: the reminders permission (skill/alexa/reminders_api.py) and APL screens
# (skill/intents/screen.py).
REQUIRED_PERMISSIONS = ("alexa::alerts:reminders:skill:readwrite",)
REQUIRED_INTERFACES = ("ALEXA_PRESENTATION_APL",)


def check_model(model: dict, handled_intents: set[str]) -> list[str]:
    """Every problem in one locale's interaction model, one line each."""
    problems: list[str] = []
    _check_object(model, InteractionModelData, "", problems)
    schema = model.get("interactionModel") if isinstance(model, dict) else None
    if isinstance(schema, dict):
        _check_meaning(schema, handled_intents, problems)
    return problems


def check_model_file(path: Path, handled_intents: set[str]) -> list[str]:
    """The problems in one interaction model file, each line prefixed with the file's name."""
    model, unreadable = _load_json(path)
    problems = [unreadable] if unreadable else check_model(model, handled_intents)
    return [f"{path}: {problem}" for problem in problems]


def check_manifest(manifest: Any) -> list[str]:
    """Every problem in the skill manifest (skill.json), one line each: its schema,
    walked against ask-smapi-model's manifest classes, and what the skill needs."""
    problems: list[str] = []
    _check_object(manifest, SkillManifestEnvelope, "", problems)
    body = _object(_object(manifest).get("manifest"))
    declared = {
        item.value.get("name") for item in _objects("manifest.permissions", body.get("permissions"))
    }
    for permission in REQUIRED_PERMISSIONS:
        if permission not in declared:
            problems.append(_at("manifest.permissions", f"{permission} is not declared"))
    custom = _object(_object(body.get("apis")).get("custom"))
    interfaces = {
        item.value.get("type")
        for item in _objects("manifest.apis.custom.interfaces", custom.get("interfaces"))
    }
    for interface in REQUIRED_INTERFACES:
        if interface not in interfaces:
            problems.append(_at("manifest.apis.custom.interfaces", f"{interface} is not declared"))
    return problems


def check_manifest_file(path: Path) -> list[str]:
    manifest, unreadable = _load_json(path)
    problems = [unreadable] if unreadable else check_manifest(manifest)
    return [f"{path}: {problem}" for problem in problems]


@click.group("model")
def model_group() -> None:
    """Work with the Alexa interaction model."""


@model_group.command("check")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def check_command(context: click.Context, paths: tuple[Path, ...]) -> None:
    """Check interaction model files against Amazon's format and the skill's handlers.

    PATHS default to every locale file in interaction_model/ and the manifest
    skill.json (its permissions and interfaces too), under the current directory or
    else the repository.
    """
    from skill.intents import handled_intents  # the handlers, only when checking

    handled = handled_intents()
    found_problems = False
    for path in paths or _default_files():
        if path.name == MANIFEST_NAME:
            problems = check_manifest_file(path)
            summary = _manifest_summary(path, problems)
        else:
            problems = check_model_file(path, handled)
            summary = _summary(path, problems)
        for problem in problems:
            click.echo(problem)
        click.echo(summary)
        found_problems = found_problems or bool(problems)
    if found_problems:
        context.exit(1)


def _default_files() -> list[Path]:
    folder = Path(MODEL_FOLDER)
    if not folder.is_dir():
        folder = REPOSITORY_ROOT / MODEL_FOLDER
    files = sorted(path for path in folder.glob("*.json") if path.name != MANIFEST_NAME)
    if not files:
        raise click.ClickException(f"no interaction model files in {folder}")
    manifest = folder / MANIFEST_NAME
    return files + ([manifest] if manifest.exists() else [])


def _manifest_summary(path: Path, problems: list[str]) -> str:
    if problems:
        return f"{path}: {len(problems)} problem{'' if len(problems) == 1 else 's'}"
    return (
        f"{path}: OK, permissions {', '.join(REQUIRED_PERMISSIONS)}; "
        f"interfaces {', '.join(REQUIRED_INTERFACES)}"
    )


def _summary(path: Path, problems: list[str]) -> str:
    if problems:
        return f"{path}: {len(problems)} problem{'' if len(problems) == 1 else 's'}"
    # A model without problems has every level of this shape.
    model, _ = _load_json(path)
    intents = model["interactionModel"]["languageModel"]["intents"]
    samples = sum(len(intent.get("samples", [])) for intent in intents)
    return f"{path}: OK, {len(intents)} intents, {samples} samples"


def _load_json(path: Path) -> tuple[Any, str | None]:
    try:
        return json.loads(path.read_text("utf-8")), None
    except (OSError, ValueError) as error:
        return None, f"cannot read JSON: {error}"


# --- locations -------------------------------------------------------------


def _at(path: str, message: str) -> str:
    return f"{path or '(top level)'}: {message}"


def _key_path(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _item_path(path: str, index: int, item: Any) -> str:
    return f"{path}{_item_step(index, item)}"


def _item_step(index: int, item: Any) -> str:
    """``[3] (ActivityWaitIntent)``: the name or id makes the index easy to find."""
    label = None
    if isinstance(item, dict):
        label = next((item[key] for key in ("name", "id") if isinstance(item.get(key), str)), None)
    return f"[{index}] ({label})" if label else f"[{index}]"


# --- schema ----------------------------------------------------------------


def _check_value(value: Any, type_name: str, path: str, problems: list[str]) -> None:
    if list_type := LIST_TYPE.fullmatch(type_name):
        if not isinstance(value, list):
            problems.append(_at(path, f"expected a list, got {_json_kind(value)}"))
            return
        for index, item in enumerate(value):
            _check_value(item, list_type["item"], _item_path(path, index, item), problems)
    elif dict_type := DICT_TYPE.fullmatch(type_name):
        if not isinstance(value, dict):
            problems.append(_at(path, f"expected an object, got {_json_kind(value)}"))
            return
        for key, item in value.items():
            _check_value(item, dict_type["item"], _key_path(path, key), problems)
    elif type_name in PRIMITIVE_TYPES:
        matches, description = PRIMITIVE_TYPES[type_name]
        if not matches(value):
            problems.append(_at(path, f"expected {description}, got {_json_kind(value)}"))
    else:
        _check_object(value, _model_class(type_name), path, problems)


def _check_object(value: Any, model_class: type, path: str, problems: list[str]) -> None:
    if issubclass(model_class, Enum):
        allowed = [member.value for member in model_class]
        if value not in allowed:
            problems.append(_at(path, f"{value!r} is not one of {', '.join(allowed)}"))
        return
    if not isinstance(value, dict):
        problems.append(_at(path, f"expected an object, got {_json_kind(value)}"))
        return
    concrete_class = _concrete_class(value, model_class, path, problems)
    if concrete_class is None:
        return
    attribute_for_key = {key: attribute for attribute, key in concrete_class.attribute_map.items()}
    for key, item in value.items():
        attribute = attribute_for_key.get(key)
        if attribute is None:
            problems.append(_at(path, f"unknown key {key!r}"))
        else:
            item_type = concrete_class.deserialized_types[attribute]
            _check_value(item, item_type, _key_path(path, key), problems)
    for key in REQUIRED_KEYS.get(concrete_class, ()):
        if key not in value:
            problems.append(_at(path, f"missing key {key!r}"))


def _concrete_class(value: dict, model_class: type, path: str, problems: list[str]) -> type | None:
    """The subclass a polymorphic object's discriminator names (slot validations,
    value suppliers), or the class itself when it is not polymorphic."""
    subclasses = getattr(model_class, "discriminator_value_class_map", None)
    if not subclasses:
        return model_class
    key = model_class.json_discriminator_key
    if key not in value:
        problems.append(_at(path, f"missing key {key!r}"))
        return None
    tag = value[key]
    if not isinstance(tag, str) or tag not in subclasses:
        problems.append(_at(_key_path(path, key), f"{tag!r} is not one of {', '.join(subclasses)}"))
        return None
    return _model_class(subclasses[tag])


@cache
def _model_class(dotted_name: str) -> type:
    if not dotted_name.startswith("ask_smapi_model."):
        raise ValueError(f"ask-smapi-model uses a type this check does not know: {dotted_name!r}")
    module_name, _, class_name = dotted_name.rpartition(".")
    return getattr(importlib.import_module(module_name), class_name)


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


# --- meaning ---------------------------------------------------------------
# The schema pass has reported wrongly typed values already, so these checks
# skip them (through _object, _objects, _strings, _text) rather than report them
# twice.


class _Item(NamedTuple):
    """One element of a list in the model."""

    path: str  # where it is, to start a problem line with
    reference: str  # its last step, "intents[5] (ResultsIntent)", to name it in another line
    value: Any


def _check_meaning(schema: dict, handled: set[str], problems: list[str]) -> None:
    language_model = _object(schema.get("languageModel"))
    _check_invocation_name(language_model.get("invocationName"), problems)
    custom_types = _check_types(language_model.get("types"), problems)
    prompts = _check_prompts(schema.get("prompts"), problems)
    intents = language_model.get("intents")
    # Without a list of intents every intent would be reported missing, on top of
    # the schema's line.
    if isinstance(intents, list):
        slot_types_by_intent = _check_intents(intents, custom_types, handled, problems)
        _check_dialog(_object(schema.get("dialog")), slot_types_by_intent, prompts, problems)


def _check_invocation_name(name: Any, problems: list[str]) -> None:
    if not isinstance(name, str):
        return
    path = f"{LANGUAGE_MODEL_PATH}.invocationName"
    if name != name.lower():
        problems.append(_at(path, f"{name!r} must be lower case"))
    if not all(
        character.isalpha() or character in INVOCATION_NAME_PUNCTUATION for character in name
    ):
        problems.append(
            _at(path, f"{name!r} may hold only letters, spaces, apostrophes and periods")
        )
    if len(name.split()) < 2:
        problems.append(_at(path, f"{name!r} must be at least two words"))


def _check_types(types: Any, problems: list[str]) -> set[str]:
    """Checks the custom slot types; returns their names."""
    names: dict[str, _Item] = {}
    for slot_type in _objects(f"{LANGUAGE_MODEL_PATH}.types", types):
        if name := _text(slot_type.value, "name"):
            _note_unique(name, slot_type, names, "type name", problems)
        # A catalog or inline value supplier stands in for the values.
        if "values" not in slot_type.value and "valueSupplier" not in slot_type.value:
            problems.append(_at(slot_type.path, "missing key 'values'"))
        _check_type_values(slot_type, problems)
    return set(names)


def _check_type_values(slot_type: _Item, problems: list[str]) -> None:
    # A spoken word must resolve to one value, so names and synonyms are unique across the type.
    owners: dict[str, str] = {}
    ids: dict[str, _Item] = {}
    for value in _objects(f"{slot_type.path}.values", slot_type.value.get("values")):
        if value_id := _text(value.value, "id"):
            _note_unique(value_id, value, ids, "id", problems)
        spoken = _object(value.value.get("name"))
        name = _text(spoken, "value")
        words = [(f"{value.path}.name.value", name)] if name else []
        synonyms = _strings(f"{value.path}.name.synonyms", spoken.get("synonyms"))
        words += [(synonym.path, synonym.value) for synonym in synonyms]
        for path, word in words:
            key = " ".join(word.lower().split())
            if key in owners:
                problems.append(
                    _at(path, f"{word!r} is already a name or synonym of {owners[key]}")
                )
            else:
                owners[key] = value.reference


def _check_intents(
    intents: list, custom_types: set[str], handled: set[str], problems: list[str]
) -> dict[str, dict[str, str | None]]:
    """Checks the language model's intents; returns each intent's slot types by slot name."""
    path = f"{LANGUAGE_MODEL_PATH}.intents"
    names: dict[str, _Item] = {}
    slot_types_by_intent: dict[str, dict[str, str | None]] = {}
    sample_owners: dict[str, str] = {}
    for intent in _objects(path, intents):
        slot_types = _check_slots(intent, custom_types, problems)
        if name := _text(intent.value, "name"):
            _note_unique(name, intent, names, "intent name", problems)
            slot_types_by_intent.setdefault(name, slot_types)
            if name not in handled:
                problems.append(_at(intent.path, "no handler answers this intent"))
        samples = list(_strings(f"{intent.path}.samples", intent.value.get("samples")))
        _check_slot_references(samples, slot_types, problems)
        _check_repeated_samples(samples, problems)
        # Alexa could not tell which of two intents a shared sample means.
        for sample in samples:
            owner = sample_owners.setdefault(_normalised(sample.value), intent.reference)
            if owner != intent.reference:
                problems.append(
                    _at(sample.path, f"{sample.value!r} is already a sample of {owner}")
                )
        for slot in _objects(f"{intent.path}.slots", intent.value.get("slots")):
            slot_samples = list(_strings(f"{slot.path}.samples", slot.value.get("samples")))
            _check_slot_references(slot_samples, slot_types, problems)
            _check_repeated_samples(slot_samples, problems)
    for built_in in sorted(REQUIRED_BUILT_IN_INTENTS - set(names)):
        problems.append(_at(path, f"required built-in intent {built_in} is missing"))
    # A missing required built-in is reported once, above, even when a handler answers it.
    for missing in sorted(handled - set(names) - REQUIRED_BUILT_IN_INTENTS):
        problems.append(_at(path, f"no intent {missing!r}, though a handler answers it"))
    return slot_types_by_intent


def _check_slots(
    intent: _Item, custom_types: set[str], problems: list[str]
) -> dict[str, str | None]:
    """Checks one intent's slot declarations; returns their types by slot name."""
    names: dict[str, _Item] = {}
    types_by_name: dict[str, str | None] = {}
    for slot in _objects(f"{intent.path}.slots", intent.value.get("slots")):
        slot_type = _text(slot.value, "type")
        if slot_type and not slot_type.startswith("AMAZON.") and slot_type not in custom_types:
            message = (
                f"slot type {slot_type!r} is neither built in (AMAZON.*) nor declared in types"
            )
            problems.append(_at(f"{slot.path}.type", message))
        if name := _text(slot.value, "name"):
            _note_unique(name, slot, names, "slot name", problems)
            types_by_name.setdefault(name, slot_type)
    return types_by_name


def _check_slot_references(
    samples: list[_Item], slot_names: Collection[str], problems: list[str]
) -> None:
    for sample in samples:
        for slot_name in SLOT_REFERENCE.findall(sample.value):
            if slot_name not in slot_names:
                message = f"{{{slot_name}}} in {sample.value!r} is not a slot of this intent"
                problems.append(_at(sample.path, message))


def _check_repeated_samples(samples: list[_Item], problems: list[str]) -> None:
    first: dict[str, str] = {}
    for sample in samples:
        if len(sample.value) > MAX_SAMPLE_LENGTH:
            problems.append(_at(sample.path, f"longer than {MAX_SAMPLE_LENGTH} characters"))
        owner = first.setdefault(_normalised(sample.value), sample.reference)
        if owner != sample.reference:
            problems.append(_at(sample.path, f"{sample.value!r} repeats {owner}"))


def _check_prompts(prompts: Any, problems: list[str]) -> dict[str, _Item]:
    """Checks the prompts on their own; returns them by id."""
    by_id: dict[str, _Item] = {}
    for prompt in _objects(PROMPTS_PATH, prompts):
        if prompt.value.get("variations") == []:
            problems.append(
                _at(f"{prompt.path}.variations", "a prompt needs at least one variation")
            )
        if prompt_id := _text(prompt.value, "id"):
            _note_unique(prompt_id, prompt, by_id, "prompt id", problems)
    return by_id


def _check_dialog(
    dialog: dict,
    slot_types_by_intent: dict[str, dict[str, str | None]],
    prompts: dict[str, _Item],
    problems: list[str],
) -> None:
    for intent in _objects(f"{DIALOG_PATH}.intents", dialog.get("intents")):
        name = _text(intent.value, "name")
        model_slot_types = slot_types_by_intent.get(name) if name else None
        if name and model_slot_types is None:
            problems.append(_at(intent.path, f"no intent {name!r} in the language model"))
        used_prompt_ids = _check_prompt_references(intent, prompts, problems)
        slot_names: set[str] = set()
        for slot in _objects(f"{intent.path}.slots", intent.value.get("slots")):
            used_prompt_ids += _check_prompt_references(slot, prompts, problems)
            for validation in _objects(f"{slot.path}.validations", slot.value.get("validations")):
                prompt_id = _text(validation.value, "prompt")
                used_prompt_ids += _known_prompt(
                    f"{validation.path}.prompt", prompt_id, prompts, problems
                )
            if slot_name := _text(slot.value, "name"):
                slot_names.add(slot_name)
                if model_slot_types is not None:
                    _check_dialog_slot_type(slot, slot_name, model_slot_types, problems)
        used_prompts = [prompts[prompt_id] for prompt_id in dict.fromkeys(used_prompt_ids)]
        _check_prompt_slots(intent, slot_names, used_prompts, problems)


def _check_dialog_slot_type(
    slot: _Item, slot_name: str, model_slot_types: dict[str, str | None], problems: list[str]
) -> None:
    """A dialog slot is the language model's slot of that name, so it has the same type."""
    if slot_name not in model_slot_types:
        problems.append(
            _at(slot.path, f"no slot {slot_name!r} on this intent in the language model")
        )
        return
    slot_type, model_type = _text(slot.value, "type"), model_slot_types[slot_name]
    if slot_type and model_type and slot_type != model_type:
        message = f"{slot_type!r} differs from the language model's {model_type!r}"
        problems.append(_at(f"{slot.path}.type", message))


def _check_prompt_references(
    intent_or_slot: _Item, prompts: dict[str, _Item], problems: list[str]
) -> list[str]:
    """Checks the prompts a dialog intent or slot names and needs; returns the ids that exist."""
    named = _object(intent_or_slot.value.get("prompts"))
    used: list[str] = []
    for purpose in ("elicitation", "confirmation"):
        prompt_id = _text(named, purpose)
        used += _known_prompt(
            f"{intent_or_slot.path}.prompts.{purpose}", prompt_id, prompts, problems
        )
        if intent_or_slot.value.get(f"{purpose}Required") is True and prompt_id is None:
            problems.append(
                _at(intent_or_slot.path, f"{purpose}Required needs a prompts.{purpose}")
            )
    return used


def _known_prompt(
    path: str, prompt_id: str | None, prompts: dict[str, _Item], problems: list[str]
) -> list[str]:
    if prompt_id is None:
        return []
    if prompt_id not in prompts:
        problems.append(_at(path, f"no prompt with id {prompt_id!r}"))
        return []
    return [prompt_id]


def _check_prompt_slots(
    intent: _Item, slot_names: set[str], prompts: list[_Item], problems: list[str]
) -> None:
    # A prompt can fill in only the slots of the dialog it is spoken in.
    for prompt in prompts:
        for variation in _objects(f"{prompt.path}.variations", prompt.value.get("variations")):
            for slot_name in SLOT_REFERENCE.findall(_text(variation.value, "value") or ""):
                if slot_name not in slot_names:
                    message = f"{{{slot_name}}} is not a slot of dialog {intent.reference}"
                    problems.append(_at(variation.path, message))


# --- helpers ---------------------------------------------------------------


def _object(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _objects(list_path: str, items: Any) -> Iterator[_Item]:
    if not isinstance(items, list):
        return
    key = list_path.rpartition(".")[2]
    for index, item in enumerate(items):
        if isinstance(item, dict):
            step = _item_step(index, item)
            yield _Item(f"{list_path}{step}", f"{key}{step}", item)


def _strings(list_path: str, items: Any) -> Iterator[_Item]:
    if not isinstance(items, list):
        return
    key = list_path.rpartition(".")[2]
    for index, item in enumerate(items):
        if isinstance(item, str):
            yield _Item(f"{list_path}[{index}]", f"{key}[{index}]", item)


def _text(obj: dict, key: str) -> str | None:
    value = obj.get(key)
    return value if isinstance(value, str) else None


def _note_unique(
    key: str, item: _Item, first_seen: dict[str, _Item], what: str, problems: list[str]
) -> None:
    if key in first_seen:
        problems.append(
            _at(item.path, f"{what} {key!r} is already used by {first_seen[key].reference}")
        )
    else:
        first_seen[key] = item


def _normalised(sample: str) -> str:
    return " ".join(NOT_SPOKEN.sub(" ", sample.lower()).split())
