"""The canonical JSON encoding (stowage.canonical_json)."""

from __future__ import annotations

import json

import pytest

from stowage import canonical_json


def test_sorted_keys_no_white_space() -> None:
    assert canonical_json.dumps({"b": [1, {"d": None, "c": True}], "a": "x"}) == (
        b'{"a":"x","b":[1,{"c":true,"d":null}]}'
    )


def test_non_ascii_is_written_as_utf8() -> None:
    data = canonical_json.dumps({"label": "café ☕"})
    assert data == '{"label":"café ☕"}'.encode()
    assert json.loads(data) == {"label": "café ☕"}


def test_insertion_order_does_not_matter() -> None:
    one = {"x": 1, "y": {"b": 2, "a": 1}}
    two = {"y": {"a": 1, "b": 2}, "x": 1}
    assert canonical_json.dumps(one) == canonical_json.dumps(two)


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_values_json_cannot_hold_are_refused(value: float) -> None:
    with pytest.raises(ValueError):
        canonical_json.dumps({"x": value})
