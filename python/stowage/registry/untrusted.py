"""What a registry sends is untrusted: its text reaches the terminal only escaped
and capped (an error body can carry ANSI escapes or megabytes), and its JSON is
parsed with every failure, nesting too deep included, turned into a user error.
"""

from __future__ import annotations

import json
from typing import Any

from stowage.errors import UserError

#: Characters of registry text shown in one message; enough for any real error.
LIMIT = 300


def shown(value: object, limit: int = LIMIT) -> str:
    """``value`` as text safe for a terminal: control, format and other
    non-printable characters as Python escapes, at most ``limit`` characters."""
    whole = str(value)
    text = whole[: limit + 1]
    escaped = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
    return escaped if len(escaped) <= limit and text == whole else escaped[:limit] + "…"


def quoted(value: object, limit: int = 100) -> str:
    """``shown(value)`` in quotes, for a value named inside a sentence."""
    return f"'{shown(value, limit)}'"


def parse_json(data: bytes, what: str) -> Any:
    """The JSON value of ``data``; a user error naming ``what`` when it is none."""
    try:
        return json.loads(data)
    except RecursionError:
        raise UserError(f"{what} is not usable JSON: it is nested too deeply") from None
    except ValueError as error:  # UnicodeDecodeError included
        raise UserError(f"{what} is not valid JSON: {shown(error, 120)}") from None
