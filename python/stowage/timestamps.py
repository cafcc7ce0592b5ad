"""Timestamps as dockerTools takes them: RFC 3339 strings, or ``"now"``."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from stowage.errors import UserError

NOW = "now"
_TAR_TIME_MAX = 8**11 - 1  # 11 octal digits in a ustar header


_LEAP_SECOND = re.compile(r"(T\d\d:\d\d:)60(?=[.Z+-])")


def _parse(value: str, what: str) -> datetime:
    # A leap second (second 60) is the next minute's first, as in Unix time.
    leap = _LEAP_SECOND.search(value) is not None
    try:
        parsed = datetime.fromisoformat(_LEAP_SECOND.sub(r"\g<1>59", value)) + timedelta(seconds=leap)
    except ValueError:
        raise UserError(
            f"{what} must be an RFC 3339 time such as 1970-01-01T00:00:01Z, or \"now\"; got {value!r}"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed


def epoch_seconds(value: str, what: str, now: datetime) -> int:
    """Return ``value`` as whole seconds since the epoch (``now`` for "now")."""
    moment = now if value == NOW else _parse(value, what)
    seconds = int(moment.timestamp())
    if seconds < 0:
        raise UserError(f"{what} must not be before 1970; got {value!r}")
    if seconds > _TAR_TIME_MAX:
        raise UserError(f"{what} must fit a tar header (before the year 2242); got {value!r}")
    return seconds


def rfc3339(value: str, what: str, now: datetime) -> str:
    """Return ``value`` in UTC as ``YYYY-MM-DDTHH:MM:SSZ`` (``now`` for "now")."""
    moment = now if value == NOW else _parse(value, what)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
