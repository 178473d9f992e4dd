"""The interaction model, generated: carrier phrases × each locale's words.

``model_source/english.toml`` holds what every English locale shares: the
carrier phrases ("can I {activity} yet", "when's {activity} okay") and the
common words for each slot value (the forms of each activity, symptoms,
conditions, target areas). ``<locale>.toml`` holds that locale's own: the
invocation name, its spelling (phrases such as <anaesthetic>), the samples its
speakers add to an intent ("am I alright to {activity}", "till when should I
avoid {activity}") and the forms they add to a value ("swimming baths",
"gym session"). The sheet data adds the words a rule is answered for by name
("mascara" is makeup, a "hot tub" is near a swimming pool), so every such word
works in every question form.

``interaction_model/<locale>.json`` is this module's output, committed; a test
proves it is what the sources generate (after changing a source, rewrite it
with ``AFTERCARE_UPDATE_GOLDEN=1 pytest tests/test_model_build.py``), and
``aftercare model check`` checks it as Amazon would.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

from skill.aftercare import PatientSheet, default_sheet

SOURCE_FOLDER = Path(__file__).with_name("model_source")
SHARED_SOURCE = "english.toml"
# Every locale with a model, in the order the manifest lists them.
LOCALES = ("en-US", "en-GB", "en-CA", "en-AU", "en-IN")
MODEL_FOLDER = Path(__file__).parents[2] / "interaction_model"
# A group of alternatives "(a|b|)", or a phrase "<name>".
_CHOICE = re.compile(r"\(([^()]*)\)|<(\w+)>")


def expand(pattern: str, phrases: dict[str, list[str]]) -> list[str]:
    """Every sentence a pattern stands for, in order, each once."""
    choice = _CHOICE.search(pattern)
    if choice is None:
        return [" ".join(pattern.split())]
    options = choice[1].split("|") if choice[1] is not None else phrases[choice[2]]
    before, after = pattern[: choice.start()], pattern[choice.end() :]
    sentences = (s for option in options for s in expand(before + option + after, phrases))
    return list(dict.fromkeys(sentences))


def _expand_all(patterns: list[str], phrases: dict[str, list[str]]) -> list[str]:
    return list(dict.fromkeys(s for pattern in patterns for s in expand(pattern, phrases)))


def _read(name: str) -> dict[str, Any]:
    return tomllib.loads((SOURCE_FOLDER / name).read_text("utf-8"))


def build_model(locale: str = "en-US", sheet: PatientSheet | None = None) -> dict:
    """The interaction model for ``locale``, as the Alexa Skills Kit accepts it."""
    sheet = sheet or default_sheet()
    shared, words = _read(SHARED_SOURCE), _read(f"{locale}.toml")
    phrases = {**shared["phrases"], **words.get("phrases", {})}
    own_samples = words.get("samples", {})
    unknown = own_samples.keys() - {raw["name"] for raw in shared["intents"]}
    if unknown:
        raise ValueError(f"{locale}.toml: samples for intents the model has not: {sorted(unknown)}")
    intents = [_intent(raw, own_samples.get(raw["name"], []), phrases) for raw in shared["intents"]]
    types = [
        {"name": name, "values": [_value(name, id_, raw, phrases, sheet) for id_, raw in v.items()]}
        for name, v in _merged_types(shared["types"], words.get("types", {}), locale).items()
    ]
    return {
        "interactionModel": {
            "languageModel": {
                "invocationName": words["invocationName"],
                "intents": intents,
                "types": types,
            },
            "dialog": shared["dialog"],
            "prompts": shared["prompts"],
        }
    }


def _merged_types(shared: dict, own: dict, locale: str) -> dict[str, dict[str, dict]]:
    """The shared slot values, each with the locale's own forms after the shared ones."""
    merged = {
        name: {id_: dict(raw) for id_, raw in values.items()} for name, values in shared.items()
    }
    for name, values in own.items():
        for value_id, raw in values.items():
            if value_id not in merged.get(name, {}):
                raise ValueError(f"{locale}.toml: {name}.{value_id} is not a shared value")
            value = merged[name][value_id]
            for key, forms in raw.items():
                value[key] = [*value.get(key, []), *forms]
    return merged


def _intent(raw: dict, own_samples: list[str], phrases: dict[str, list[str]]) -> dict:
    intent: dict[str, Any] = {"name": raw["name"]}
    if "slots" in raw:
        intent["slots"] = [
            {
                "name": slot["name"],
                "type": slot["type"],
                **({"samples": _expand_all(slot["samples"], phrases)} if "samples" in slot else {}),
            }
            for slot in raw["slots"]
        ]
    intent["samples"] = _expand_all([*raw.get("samples", []), *own_samples], phrases)
    return intent


def _value(
    type_name: str, value_id: str, raw: dict, phrases: dict[str, list[str]], sheet: PatientSheet
) -> dict:
    """One slot value: its first form is the name, the others its synonyms.

    An activity's forms also cover the sheet's words for its rule: each kind
    ("wear mascara") and each word it only resembles ("go in a hot tub").
    """
    forms = _expand_all(raw["forms"], phrases)
    rule = sheet.rule(value_id) if type_name == "ACTIVITY" else None
    if rule is not None:
        for key, words in (("kind", rule.kinds), ("similar", rule.similar)):
            if words:
                forms += _expand_all(raw[f"{key}_forms"], {**phrases, key: list(words)})
    name, *synonyms = dict.fromkeys(forms)
    synonyms = [s for s in synonyms if s.lower() != name.lower()]
    unique = list({s.lower(): s for s in reversed(synonyms)}.values())[::-1]
    return {"id": value_id, "name": {"value": name, "synonyms": unique}}


def model_json(locale: str = "en-US") -> str:
    """The model file's text, as committed."""
    return json.dumps(build_model(locale), indent=2, ensure_ascii=False) + "\n"
