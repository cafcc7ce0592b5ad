"""Strict reading of versioned JSON documents (stowage.contract.jsondoc)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stowage.contract import jsondoc
from stowage.errors import UserError


def test_fields_accepts_exactly_the_keys() -> None:
    doc = {"a": 1, "b": 2}
    assert jsondoc.fields(doc, "the doc", {"a"}, frozenset({"b"})) is doc
    assert jsondoc.fields({"a": 1}, "the doc", {"a"}, frozenset({"b"})) == {"a": 1}


def test_fields_names_missing_and_unknown_keys() -> None:
    with pytest.raises(UserError, match=r"the doc does not match its schema: missing \['a'\], unknown \['c'\]"):
        jsondoc.fields({"c": 1}, "the doc", {"a"})


@pytest.mark.parametrize(("value", "kind"), [([1], "list"), ("x", "str"), (None, "NoneType")])
def test_fields_needs_an_object(value: object, kind: str) -> None:
    with pytest.raises(UserError, match=f"the doc must be a JSON object; got {kind}"):
        jsondoc.fields(value, "the doc", {"a"})


def test_versioned() -> None:
    assert jsondoc.versioned({"version": 1}, "the doc", 1) == {"version": 1}


@pytest.mark.parametrize(("doc", "got"), [({"version": 2}, "2"), ({}, "None"), ([1], r"\[1\]")])
def test_versioned_refuses_another_version(doc: object, got: str) -> None:
    with pytest.raises(UserError, match=f"the doc has version {got}, but this program reads version 1"):
        jsondoc.versioned(doc, "the doc", 1)


def test_optional_str() -> None:
    assert jsondoc.optional_str(None) is None
    assert jsondoc.optional_str("x") == "x"
    with pytest.raises(UserError, match="expected a string or null; got 3"):
        jsondoc.optional_str(3)


def test_read_attrs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "attrs.json"
    path.write_text(json.dumps({"stowage": {"version": 1}}))
    monkeypatch.setenv("NIX_ATTRS_JSON_FILE", str(path))
    assert jsondoc.read_attrs() == {"stowage": {"version": 1}}
    monkeypatch.delenv("NIX_ATTRS_JSON_FILE")
    monkeypatch.setenv("NIX_BUILD_TOP", str(tmp_path))
    (tmp_path / ".attrs.json").write_text("{}")
    assert jsondoc.read_attrs() == {}


def test_read_attrs_falls_back_to_the_build_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Nix 2.8 in the sandbox names the host path of .attrs.json, which is not there.
    (tmp_path / ".attrs.json").write_text(json.dumps({"stowage": 1}))
    monkeypatch.setenv("NIX_ATTRS_JSON_FILE", str(tmp_path / "host" / ".attrs.json"))
    monkeypatch.setenv("NIX_BUILD_TOP", str(tmp_path))
    assert jsondoc.read_attrs() == {"stowage": 1}


def test_read_attrs_prefers_the_named_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".attrs.json").write_text(json.dumps({"where": "top"}))
    named = tmp_path / "named.json"
    named.write_text(json.dumps({"where": "named"}))
    monkeypatch.setenv("NIX_ATTRS_JSON_FILE", str(named))
    monkeypatch.setenv("NIX_BUILD_TOP", str(tmp_path))
    assert jsondoc.read_attrs() == {"where": "named"}
