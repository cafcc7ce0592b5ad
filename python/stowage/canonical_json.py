"""The one JSON encoding for every document whose bytes are digested.

Sorted keys, no insignificant white space, UTF-8 (RFC 8785-like, without its
number rules: every number we write is an integer).
"""

from __future__ import annotations

import json
from typing import Any


def dumps(value: Any) -> bytes:
    """Return the canonical UTF-8 bytes of ``value``."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")
