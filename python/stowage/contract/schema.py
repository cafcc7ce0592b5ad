"""The one strict parser of the JSON documents between Nix and Python.

A document is a frozen dataclass whose class names it (``DOCUMENT``) and its
version (``VERSION``). Its JSON form is an object with ``version`` and one key per
field, the field's name in camelCase (``diff_id`` is ``diffId``). Types are
checked exactly: a bool is only ``true``/``false``, an int is never a bool, a
list's items all have the element type; an unknown key or a missing one (a field
without a default) is refused, and so is another version. Nothing is coerced.

Field types understood: ``str``, ``int``, ``bool``, ``Optional[X]``,
``tuple[X, ...]`` (a JSON list), ``Literal[...]``, a nested dataclass, a
``Union`` of dataclasses (told apart by their keys), ``dict[str, X]`` (a JSON
object whose values are all X; ``dict[str, Any]``: any JSON object) and ``Any``
(any JSON value, kept as it is).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
from typing import Any, Literal, Optional, TypeVar, Union

from stowage.errors import UserError

T = TypeVar("T")
_NONE = type(None)


class ContractError(UserError):
    """A document that does not match its schema. ``who`` is the public builder
    whose step read it, when known (else the program reporting it names itself)."""

    def __init__(self, who: Optional[str], message: str) -> None:
        super().__init__(f"{who}: {message}" if who else message)
        self.who = who
        self.message = message


@dataclasses.dataclass(frozen=True)
class _Where:
    who: Optional[str]
    document: str


def camel(name: str) -> str:
    """``diff_id`` → ``diffId``: a field's JSON key."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def builder_of(doc: Any, default: Optional[str]) -> Optional[str]:
    """The ``builder`` a request names, or ``default`` when it names none."""
    who = doc.get("builder") if isinstance(doc, dict) else None
    return who if isinstance(who, str) and who else default


def parse(cls: type[T], doc: Any, who: Optional[str] = None) -> T:
    """Return the document ``doc`` (parsed JSON) as a ``cls``.

    ``who`` names the reader in errors; a request's own ``builder`` wins."""
    where = _Where(builder_of(doc, who), str(getattr(cls, "DOCUMENT")))
    version: int = getattr(cls, "VERSION")
    if not isinstance(doc, dict):
        _fail(where, "", "a JSON object", doc)
    got = doc.get("version")
    if type(got) is not int or got != version:
        raise ContractError(
            where.who,
            f"{where.document} has version {_show(got)}, but this program reads version {version}. "
            "Use the Nix expressions and the Python tools of one stowage release.",
        )
    parsed: T = _object(cls, {k: v for k, v in doc.items() if k != "version"}, where, "")
    return parsed


def load(cls: type[T], path: str, who: Optional[str] = None) -> T:
    """Return the document in the file ``path`` as a ``cls``."""
    try:
        with open(path, encoding="utf-8") as handle:
            doc = json.load(handle)
    except (OSError, ValueError) as error:
        raise ContractError(who, f"cannot read {getattr(cls, 'DOCUMENT')} {path}: {error}. Rebuild it.") from None
    return parse(cls, doc, who)


def encode(value: Any) -> Any:
    """The JSON form of a document (with its ``version``) or of one of its values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        doc = {camel(f.name): encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        version = getattr(type(value), "VERSION", None)
        return doc if version is None else {"version": version, **doc}
    if isinstance(value, tuple):
        return [encode(item) for item in value]
    return value


@functools.lru_cache(maxsize=None)
def _fields(cls: Any) -> tuple[tuple[str, str, Any, bool], ...]:
    """(key, field name, type, required) of each field of ``cls``."""
    hints = typing.get_type_hints(cls)
    result = []
    for f in dataclasses.fields(cls):
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        result.append((camel(f.name), f.name, hints[f.name], required))
    return tuple(result)


def _object(cls: Any, doc: Any, where: _Where, at: str) -> Any:
    if not isinstance(doc, dict):
        _fail(where, at, describe(cls), doc)
    known = {key for key, _, _, _ in _fields(cls)}
    unknown = sorted(set(doc) - known)
    if unknown:
        raise ContractError(
            where.who,
            f"{where.document} has the unknown key {_join(at, unknown[0])}; got {_show(doc[unknown[0]])}. "
            f"Its keys are {', '.join(sorted(known))}: use the Nix expressions and the Python tools of one "
            "stowage release.",
        )
    values = {}
    for key, name, tp, required in _fields(cls):
        if key in doc:
            values[name] = _value(tp, doc[key], where, _join(at, key))
        elif required:
            raise ContractError(
                where.who,
                f"{where.document} has no {_join(at, key)} ({describe(tp)}). Use the Nix expressions and "
                "the Python tools of one stowage release.",
            )
    return cls(**values)


def _value(tp: Any, value: Any, where: _Where, at: str) -> Any:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is Any:
        return value
    if origin in (Union, types.UnionType):
        return _union(tp, args, value, where, at)
    if origin is Literal:
        if value not in args or type(value) is not type(args[0]):
            _fail(where, at, describe(tp), value)
        return value
    if origin is tuple:
        if not isinstance(value, list):
            _fail(where, at, describe(tp), value)
        return tuple(_value(args[0], item, where, f"{at}[{i}]") for i, item in enumerate(value))
    if origin is dict or tp is dict:
        if not isinstance(value, dict):
            _fail(where, at, describe(tp), value)
        if len(args) == 2 and args[1] is not Any:
            return {key: _value(args[1], item, where, f"{at}.{key}") for key, item in value.items()}
        return value
    if _is_document(tp):
        return _object(tp, value, where, at)
    if tp in (str, int, bool) and type(value) is tp:
        return value
    _fail(where, at, describe(tp), value)


def _union(tp: Any, args: tuple[Any, ...], value: Any, where: _Where, at: str) -> Any:
    """``Optional[X]``, or the one dataclass of the union whose keys ``value`` has."""
    if value is None and _NONE in args:
        return None
    options = [a for a in args if a is not _NONE]
    if len(options) == 1 and options[0] in (str, int, bool):
        if type(value) is not options[0]:
            _fail(where, at, describe(tp), value)
        return value
    if len(options) == 1:
        return _value(options[0], value, where, at)
    if isinstance(value, dict):
        for option in options:
            keys = {key for key, _, _, _ in _fields(option)}
            needed = {key for key, _, _, required in _fields(option) if required}
            if _is_document(option) and needed <= value.keys() <= keys:
                return _object(option, value, where, at)
    _fail(where, at, describe(tp), value)


def describe(tp: Any) -> str:
    """The type ``tp`` in words, for messages."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (Union, types.UnionType):
        words = " or ".join(describe(a) for a in args if a is not _NONE)
        return f"{words} or null" if _NONE in args else words
    if origin is Literal:
        return "one of " + ", ".join(json.dumps(a) for a in args)
    if origin is tuple:
        return f"a list of which each item is {describe(args[0])}"
    if origin is dict or tp is dict:
        if len(args) == 2 and args[1] is not Any:
            return f"a JSON object of which each value is {describe(args[1])}"
        return "a JSON object"
    if _is_document(tp):
        return "an object with the keys " + ", ".join(key for key, _, _, _ in _fields(tp))
    names = {str: "a string", int: "an integer", bool: "a boolean (true or false)"}
    return names.get(tp, "any JSON value")


def _is_document(tp: Any) -> bool:
    """Whether ``tp`` is a dataclass (a JSON object of known keys)."""
    return isinstance(tp, type) and dataclasses.is_dataclass(tp)


def _fail(where: _Where, at: str, expected: str, value: Any) -> typing.NoReturn:
    what = f"{where.document}'s {at}" if at else where.document
    raise ContractError(
        where.who,
        f"{what} must be {expected}; got {_show(value)}. Use the Nix expressions and the Python "
        "tools of one stowage release.",
    )


def _join(at: str, key: str) -> str:
    return f"{at}.{key}" if at else key


def _show(value: Any) -> str:
    """``value`` as JSON (so the string "false" shows quoted), cut to one short line."""
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 120 else text[:117] + "..."


def check_value(tp: Any, value: Any, who: Optional[str], document: str) -> Any:
    """Return ``value`` checked to be of type ``tp`` (a part of a document)."""
    return _value(tp, value, _Where(who, document), "")
