"""Where a build step finds its structured attributes (stowage.contract.jsondoc)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stowage.contract import jsondoc


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
