"""The Python reference grammar agrees with the shared vectors (as the Nix one does)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stowage.errors import UserError
from stowage.reference import is_name, is_tag, parse_repo_tag

VECTORS = json.loads((Path(__file__).resolve().parents[1] / "vectors.json").read_text())


@pytest.mark.parametrize("name", VECTORS["names"]["valid"])
def test_valid_names(name: str) -> None:
    assert is_name(name)


@pytest.mark.parametrize("name", VECTORS["names"]["invalid"])
def test_invalid_names(name: str) -> None:
    assert not is_name(name)


@pytest.mark.parametrize("tag", VECTORS["tags"]["valid"])
def test_valid_tags(tag: str) -> None:
    assert is_tag(tag)


@pytest.mark.parametrize("tag", VECTORS["tags"]["invalid"])
def test_invalid_tags(tag: str) -> None:
    assert not is_tag(tag)


def test_repo_tag() -> None:
    assert parse_repo_tag("localhost:5000/app:v1", "--repo-tag") == "localhost:5000/app:v1"
    for bad in ("app", "localhost:5000/app", "App:v1", "app:", "app:.x"):
        with pytest.raises(UserError, match="--repo-tag must be NAME:TAG"):
            parse_repo_tag(bad, "--repo-tag")
