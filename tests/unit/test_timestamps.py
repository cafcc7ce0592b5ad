"""Timestamps as dockerTools takes them (stowage.timestamps)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from stowage.errors import UserError
from stowage.timestamps import epoch_seconds, rfc3339

NOW = datetime(2024, 2, 29, 12, 30, 45, 999_000, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("value", "seconds", "text"),
    [
        ("1970-01-01T00:00:01Z", 1, "1970-01-01T00:00:01Z"),
        ("1970-01-01T00:00:00Z", 0, "1970-01-01T00:00:00Z"),
        ("2023-11-14T22:13:20+00:00", 1_700_000_000, "2023-11-14T22:13:20Z"),
        ("2023-11-15T00:13:20+02:00", 1_700_000_000, "2023-11-14T22:13:20Z"),
        ("2023-11-14T22:13:20", 1_700_000_000, "2023-11-14T22:13:20Z"),  # no zone: UTC
        ("2023-11-14T22:13:20.75Z", 1_700_000_000, "2023-11-14T22:13:20Z"),
        ("now", 1_709_209_845, "2024-02-29T12:30:45Z"),
        ("2016-12-31T23:59:60Z", 1_483_228_800, "2017-01-01T00:00:00Z"),  # a leap second
    ],
)
def test_times(value: str, seconds: int, text: str) -> None:
    assert epoch_seconds(value, "mtime", NOW) == seconds
    assert rfc3339(value, "created", NOW) == text


def test_now_in_another_zone_is_written_in_utc() -> None:
    now = NOW.astimezone(timezone(timedelta(hours=-5)))
    assert rfc3339("now", "created", now) == "2024-02-29T12:30:45Z"


@pytest.mark.parametrize("value", ["yesterday", "", "2023-13-01T00:00:00Z", "1700000000", "Now"])
def test_a_bad_time_is_named(value: str) -> None:
    for function in (epoch_seconds, rfc3339):
        with pytest.raises(UserError, match=f"created must be an RFC 3339 time.*; got {value!r}"):
            function(value, "created", NOW)


def test_a_time_before_1970_is_refused() -> None:
    with pytest.raises(UserError, match="mtime must not be before 1970; got '1969-12-31T23:59:59Z'"):
        epoch_seconds("1969-12-31T23:59:59Z", "mtime", NOW)


def test_a_time_beyond_the_tar_field_is_refused() -> None:
    from datetime import datetime, timezone

    import pytest

    from stowage.errors import UserError
    from stowage.timestamps import epoch_seconds

    with pytest.raises(UserError, match="mtime must fit a tar header"):
        epoch_seconds("9999-01-01T00:00:00Z", "mtime", datetime.now(timezone.utc))
