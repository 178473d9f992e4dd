"""ask-sdk's serializer, without the two costs that dominated its profile.

Reading an Alexa request into ask-sdk's model objects was the largest single cost of
an answer (see bench/README.md). Two parts of ask-sdk's ``DefaultSerializer`` were
most of it, and this subclass replaces just those two private steps; everything else,
and every result, is ask-sdk's own:

- every timestamp went through ``dateutil.parser.parse``, a general parser for any
  date a person might write. Alexa sends ISO 8601 (``2026-11-28T19:59:00Z``), which
  ``datetime.fromisoformat`` reads some twenty times faster; anything it cannot read
  still goes to dateutil, so what was accepted before is accepted now.
- every nested object's class was found by importing its module by name again.
  :func:`_model_class` remembers the answer.

The overrides use the names Python gives ``DefaultSerializer``'s private methods
(``_DefaultSerializer__…``), so ask-sdk's own code calls them. A test pins that they
are still called, so an ask-sdk release that renames them fails the suite rather than
quietly losing the speed.
"""

from __future__ import annotations

import functools
import importlib
from datetime import date, datetime
from typing import Any

from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope


# A class name always names the same class in a running process, so an answer never
# goes stale and needs no expiry. The names come from ask_sdk_model's own type tables
# (never from the request), and the bound is far above the few dozen model classes a
# request uses.
@functools.lru_cache(maxsize=512)
def _model_class(class_name: str) -> type:
    module_name, _, name = class_name.rpartition(".")
    return getattr(importlib.import_module(module_name), name)


class AlexaSerializer(DefaultSerializer):
    """ask-sdk's DefaultSerializer with fast ISO 8601 timestamps and remembered classes."""

    def envelope(self, parsed: dict[str, Any]) -> RequestEnvelope:
        """The request envelope from JSON the endpoint has already parsed (once)."""
        return self._DefaultSerializer__deserialize(parsed, RequestEnvelope)

    def _DefaultSerializer__deserialize_datetime(self, payload: Any, obj_type: type) -> Any:
        try:
            parsed = datetime.fromisoformat(payload)
        except (TypeError, ValueError):
            return super()._DefaultSerializer__deserialize_datetime(payload, obj_type)
        return parsed.date() if obj_type is date else parsed

    def _DefaultSerializer__load_class_from_name(self, class_name: str) -> type:
        try:
            return _model_class(class_name)
        except (ValueError, ImportError, AttributeError):
            # Not a dotted name of a class that exists: ask-sdk's own answer, and error.
            return super()._DefaultSerializer__load_class_from_name(class_name)
