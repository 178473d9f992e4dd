"""The interaction model, generated: carrier phrases × each locale's words.

``model_source/english.toml`` holds the carrier phrases every English locale
shares ("can I {activity} yet", "when's {activity} okay"); ``<locale>.toml``
holds that locale's words: the invocation name and the slot values (the forms
of each activity, symptoms, conditions, target areas). The sheet data adds the
words a rule is answered for by name ("mascara" is makeup, a "hot tub" is near
a swimming pool), so every such word works in every question form.

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
    intents = [_intent(raw, phrases) for raw in shared["intents"]]
    types = [
        {"name": name, "values": [_value(name, id_, raw, phrases, sheet) for id_, raw in v.items()]}
        for name, v in words["types"].items()
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


def _intent(raw: dict, phrases: dict[str, list[str]]) -> dict:
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
    intent["samples"] = _expand_all(raw.get("samples", []), phrases)
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
