"""Strict reading of the versioned JSON documents passed between Nix and Python.

Every document is an object with a ``version``; a reader accepts exactly the keys
it knows, so a change of schema is caught instead of silently ignored.
"""

from __future__ import annotations

import json
import os
from typing import Any, Optional

from stowage.errors import UserError


def attrs_path() -> str:
    """Return where Nix put ``.attrs.json``.

    Nix 2.8 names the file's host path in ``NIX_ATTRS_JSON_FILE`` also inside
    the sandbox, where that path does not exist; the file is then in the build
    directory."""
    named = os.environ.get("NIX_ATTRS_JSON_FILE")
    if named and os.path.exists(named):
        return named
    return os.path.join(os.environ.get("NIX_BUILD_TOP", "."), ".attrs.json")


def read_attrs() -> dict[str, Any]:
    """Return the build's structured attributes (Nix's ``.attrs.json``)."""
    with open(attrs_path(), encoding="utf-8") as handle:
        attrs: dict[str, Any] = json.load(handle)
    return attrs


def fields(doc: Any, what: str, required: set[str], optional: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Return ``doc`` after checking it is an object with exactly these keys."""
    if not isinstance(doc, dict):
        raise UserError(f"{what} must be a JSON object; got {type(doc).__name__}")
    missing = required - doc.keys()
    unknown = doc.keys() - required - optional
    if missing or unknown:
        raise UserError(
            f"{what} does not match its schema: missing {sorted(missing)}, unknown {sorted(unknown)}"
        )
    return doc


def versioned(doc: Any, what: str, version: int) -> dict[str, Any]:
    """Return ``doc`` after checking its ``version``."""
    if not isinstance(doc, dict) or doc.get("version") != version:
        got = doc.get("version") if isinstance(doc, dict) else doc
        raise UserError(
            f"{what} has version {got!r}, but this program reads version {version}; "
            "the Nix expressions and the Python tools come from different releases"
        )
    return doc


def optional_str(value: Any) -> Optional[str]:
    if value is None or isinstance(value, str):
        return value
    raise UserError(f"expected a string or null; got {value!r}")


def string(value: Any, what: str) -> str:
    """``value`` if it is a string; a UserError naming ``what`` otherwise."""
    if isinstance(value, str):
        return value
    raise UserError(f"{what} must be a string; got {value!r}")


def integer(value: Any, what: str) -> int:
    """``value`` if it is an integer (not a boolean); a UserError otherwise."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise UserError(f"{what} must be an integer; got {value!r}")


def strings(value: Any, what: str) -> tuple[str, ...]:
    """``value`` if it is a list of strings, as a tuple."""
    if isinstance(value, list):
        return tuple(string(item, f"an item of {what}") for item in value)
    raise UserError(f"{what} must be a list of strings; got {value!r}")
