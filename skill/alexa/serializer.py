"""Reading an Alexa request into ask-sdk's model objects, with readers made once per type.

ask-sdk's ``DefaultSerializer`` reads a request by reflection: for every value it
parses the type's name again ("list[…]", "dict(str, …)", a dotted class name), looks
the class up, asks it for its attribute map, and calls its ``__init__``. That was the
largest single cost of an answer (see bench/README.md). Here each type gets a reader
the first time it is met (:func:`_reader`), built from the same tables ask-sdk reads
(``deserialized_types``, ``attribute_map``, ``get_real_child_model``), so later
requests only walk the JSON. The result is ask-sdk's own model objects, set exactly as
ask-sdk sets them (unknown keys included), so handlers and ``request_util`` work
unchanged; a test checks every recorded request against ask-sdk's own reading.

The readers know only the shapes Alexa sends. Anything else (a string where an
object belongs, an unknown request type, a timestamp ``datetime.fromisoformat``
cannot read, a key that starts with an underscore) makes them give up
(:class:`_Unfamiliar`), and the whole request is read again by ask-sdk's own code,
so an odd request gets exactly ask-sdk's answer or ask-sdk's error.

On that slow path, timestamps are read as the readers read them: through
``datetime.fromisoformat`` first, and dateutil's general parser only for what it cannot
read (by overriding the name Python gives ``DefaultSerializer``'s private method,
``_DefaultSerializer__deserialize_datetime``, pinned by a test).
"""

from __future__ import annotations

import decimal
import functools
import importlib
import re
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from typing import Any

from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

Reader = Callable[[Any], Any]  # a JSON value (never None) -> what ask-sdk makes of it


class _Unfamiliar(Exception):
    """The request has a shape the readers do not read exactly as ask-sdk would."""


# A class name always names the same class in a running process, so an answer never
# goes stale and needs no expiry. The names come from ask_sdk_model's own type tables
# (never from the request), and the bound is far above the few dozen model classes a
# request uses.
@functools.lru_cache(maxsize=512)
def _model_class(class_name: str) -> type:
    module_name, _, name = class_name.rpartition(".")
    return getattr(importlib.import_module(module_name), name)


_NATIVE = {"int": int, "long": int, "float": float, "str": str, "bool": bool}
_LIST = re.compile(r"list\[(.*)\]")  # as ask-sdk matches them
_DICT = re.compile(r"dict\(([^,]*), (.*)\)")


# Like _model_class: type names come only from ask_sdk_model's tables, one reader per
# type, never stale; a request meets a few dozen.
@functools.lru_cache(maxsize=512)
def _reader(type_name: str) -> Reader:
    """The reader for a type as ask_sdk_model's tables name it."""
    if type_name in _NATIVE:
        return _exactly(_NATIVE[type_name])
    if type_name == "object":
        return _as_is
    if type_name in ("date", "datetime"):
        return _iso_datetime if type_name == "datetime" else _iso_date
    if type_name.startswith("list["):
        items = _LIST.match(type_name)
        if items is None or "," in items.group(1):
            return _unfamiliar  # ask-sdk's positional lists: no request carries one
        return _list_of(_reader(items.group(1).strip()))
    if type_name.startswith("dict("):
        values = _DICT.match(type_name)
        if values is None:
            return _unfamiliar
        return _dict_of(_reader(values.group(2)))
    try:
        model = _model_class(type_name)
    except (ValueError, ImportError, AttributeError):
        return _unfamiliar  # ask-sdk's error, should such a value ever arrive
    return _class_reader(model)


def _class_reader(model: type) -> Reader:
    if issubclass(model, Enum):
        return _enum(model)
    if not hasattr(model, "deserialized_types"):
        return _as_is
    if hasattr(model, "get_real_child_model"):
        return _by_discriminator(model)
    return _ModelReader(model)


def _unfamiliar(value: Any) -> Any:
    raise _Unfamiliar


def _as_is(value: Any) -> Any:
    return value


def _exactly(kind: type) -> Reader:
    """A JSON string, number or boolean of the type named: ask-sdk's ``kind(value)``."""

    def read(value: Any) -> Any:
        if type(value) is kind:
            return value
        if kind is float and type(value) is int and abs(value) < 2**53:
            return float(value)  # JSON writes 213.0 as 213 (a screen's dpi)
        raise _Unfamiliar

    return read


def _iso_datetime(value: Any) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise _Unfamiliar from None  # dateutil may still read it, on the slow path


def _iso_date(value: Any) -> date:
    return _iso_datetime(value).date()


def _enum(kind: type[Enum]) -> Reader:
    def read(value: Any) -> Enum:
        try:
            return kind(value)
        except (TypeError, ValueError):
            raise _Unfamiliar from None

    return read


def _list_of(item: Reader) -> Reader:
    def read(value: Any) -> list:
        if type(value) is not list:
            raise _Unfamiliar
        return [None if each is None else item(each) for each in value]

    return read


def _dict_of(item: Reader) -> Reader:
    def read(value: Any) -> dict:
        if type(value) is not dict:
            raise _Unfamiliar
        return {key: None if each is None else item(each) for key, each in value.items()}

    return read


def _by_discriminator(base: type) -> Reader:
    """A class ask-sdk resolves by the JSON's discriminator ("type": "IntentRequest")."""

    def read(value: Any) -> Any:
        if type(value) is not dict:
            raise _Unfamiliar
        try:
            concrete = _concrete(base.get_real_child_model(value))
        except Exception:
            # No discriminator, one no table names, or an unhashable one.
            raise _Unfamiliar from None
        return concrete(value)

    return read


@functools.lru_cache(maxsize=512)  # names from the discriminator tables, as _model_class
def _concrete(class_name: str) -> _ModelReader:
    return _ModelReader(_model_class(class_name))


class _Field:
    """One attribute of a model class: its name, its declared type, and that type's
    reader, made the first time a request carries the field. Made sooner, it imported
    every class a request could name (a device's supported interfaces name the whole
    APL package), where ask-sdk imports only the classes a request does name."""

    __slots__ = ("attribute", "type_name", "read")

    def __init__(self, attribute: str, type_name: str | None) -> None:
        self.attribute = attribute
        self.type_name = type_name
        self.read: Reader | None = None

    def reader(self) -> Reader:
        if self.read is None:
            self.read = _unfamiliar if self.type_name is None else _reader(self.type_name)
        return self.read


class _ModelReader:
    """Reads a JSON object into one model class, as ask-sdk's ``__deserialize_model``:
    a new instance, each attribute its JSON key names read by its declared type, and
    every other key set as it is.

    The class's fields are worked out on first use, not when the reader is made: a
    model can contain itself (a list slot's values are slot values).
    """

    def __init__(self, model: type) -> None:
        self._model = model
        self._fields: dict[str, _Field] | None = None  # by JSON key
        self._attributes: frozenset[str] = frozenset()
        self._blank: dict[str, Any] | None = None

    def _prepare(self) -> dict[str, _Field]:
        model = self._model
        try:
            types = model.deserialized_types
            names = {name: name for name in types} | getattr(model, "attribute_map", {})
            blank = _blank_attributes(model)
        except Exception:
            raise _Unfamiliar from None  # ask-sdk fails on this class too
        fields = {key: _Field(attribute, types.get(attribute)) for attribute, key in names.items()}
        # Set before the fields, which tell other threads that all three are ready.
        self._attributes, self._blank = frozenset(names), blank
        self._fields = fields
        return fields

    def __call__(self, value: Any) -> Any:
        fields = self._prepare() if self._fields is None else self._fields
        if type(value) is not dict:
            raise _Unfamiliar
        if self._blank is None:
            instance = self._model()
        else:
            instance = self._model.__new__(self._model)
            instance.__dict__.update(self._blank)
        attributes = instance.__dict__
        for key, item in value.items():
            field = fields.get(key)
            if field is not None:
                read = field.read or field.reader()
                attributes[field.attribute] = None if item is None else read(item)
            elif key.startswith("_") or key in self._attributes:
                # ask-sdk sets an unknown key after the known ones, so it could replace
                # one (or reach the object's own machinery): let ask-sdk decide.
                raise _Unfamiliar
            else:
                attributes[key] = item
        return instance


def _blank_attributes(model: type) -> dict[str, Any] | None:
    """What ``model()`` sets on a new instance, when copying that is the same as calling
    it: plain attributes of immutable values, the same every time. None otherwise."""
    first, second = vars(model()), vars(model())  # what ask-sdk calls for every object
    plain = (type(None), str, int, float, bool)
    if first != second or not all(type(value) in plain for value in first.values()):
        return None
    return first


Writer = Callable[[Any], Any]  # a model object (or list, dict, plain value) -> JSON value
_PLAIN = (str, int, float, bool, type(None))
_STOCK = DefaultSerializer()


def _write(value: Any) -> Any:
    """What ask-sdk's ``serialize`` makes of ``value``: by a writer made once per model
    class, or by ask-sdk itself for anything else (dates, enums, tuples, decimals)."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is list:
        return [_write(item) for item in value]
    if kind is dict:
        return {key: _write(item) for key, item in value.items()}
    writer = _writer(kind)
    return _STOCK.serialize(value) if writer is None else writer(value)


# Keyed by model class: the classes of the objects a response is built from, a few
# dozen; a class's attributes never change, so a writer never goes stale.
@functools.lru_cache(maxsize=512)
def _writer(kind: type) -> Writer | None:
    """As ask-sdk's ``serialize`` writes a model object: each attribute its
    ``deserialized_types`` names that is not None, under its ``attribute_map`` key."""
    attributes = getattr(kind, "deserialized_types", None)
    if not isinstance(attributes, dict) or issubclass(kind, _NOT_MODELS):
        return None
    keys = getattr(kind, "attribute_map", {})
    fields = [(attribute, keys.get(attribute, attribute)) for attribute in attributes]

    def write(model: Any) -> dict[str, Any]:
        written = {}
        for attribute, key in fields:
            value = getattr(model, attribute)
            if value is not None:
                written[key] = _write(value)
        return written

    return write


# What ask-sdk's serialize tells apart before it treats an object as a model.
_NOT_MODELS = (*DefaultSerializer.PRIMITIVE_TYPES, list, tuple, dict, date, Enum, decimal.Decimal)


class AlexaSerializer(DefaultSerializer):
    """ask-sdk's DefaultSerializer, reading requests with readers made once per type and
    writing responses with writers made once per class."""

    def serialize(self, obj: Any) -> Any:
        return _write(obj)

    def envelope(self, parsed: dict[str, Any]) -> RequestEnvelope:
        """The request envelope from JSON the endpoint has already parsed (once)."""
        try:
            return _reader("ask_sdk_model.request_envelope.RequestEnvelope")(parsed)
        except (_Unfamiliar, RecursionError):
            return self._DefaultSerializer__deserialize(parsed, RequestEnvelope)

    def _DefaultSerializer__deserialize_datetime(self, payload: Any, obj_type: type) -> Any:
        try:
            parsed = datetime.fromisoformat(payload)
        except (TypeError, ValueError):
            return super()._DefaultSerializer__deserialize_datetime(payload, obj_type)
        return parsed.date() if obj_type is date else parsed
