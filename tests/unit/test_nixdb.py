"""The Nix database of includeNixDB (stowage.store.nixdb), loaded by the real
nix-store and read back with sqlite3."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from conftest import require
from stowage.contract.graph import parse_graph
from stowage.errors import UserError
from stowage.store import nixdb

HASH = "sha256:" + "1" * 52
RAW_GRAPH: list[dict[str, Any]] = [
    {"path": "/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-app", "narHash": HASH, "narSize": 200,
     "references": ["/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-libc", "/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-app"]},
    {"path": "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-libc", "narHash": HASH, "narSize": 100, "references": []},
    {"path": "/nix/store/cccccccccccccccccccccccccccccccc-other", "narHash": HASH, "narSize": 1, "references": []},
]
# As a build step gets it: parsed by the contract (stowage.contract.graph).
GRAPH = parse_graph(RAW_GRAPH, "buildLayeredImage")
PATHS = ["/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-app", "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-libc"]


def test_registration_lists_only_the_paths_asked_for_sorted() -> None:
    assert nixdb.registration(GRAPH, PATHS) == (
        f"{PATHS[1]}\n{HASH}\n100\n\n0\n"
        f"{PATHS[0]}\n{HASH}\n200\n\n2\n{PATHS[1]}\n{PATHS[0]}\n"
    )


def _register(tmp_path: Path, name: str) -> Path:
    root = tmp_path / name
    root.mkdir()
    scratch = tmp_path / f"{name}-scratch"
    scratch.mkdir()
    nixdb.register(str(root), GRAPH, PATHS, nix_store="nix-store", seconds=1, scratch=str(scratch))
    assert list(scratch.iterdir()) == []  # nothing left behind
    return root


def test_the_database_registers_the_closure_with_a_fixed_time_and_same_bytes(tmp_path: Path) -> None:
    require("nix-store")
    root = _register(tmp_path, "one")
    database = root / "nix" / "var" / "nix" / "db" / "db.sqlite"
    connection = sqlite3.connect(database)
    try:
        rows = connection.execute("SELECT path, registrationTime, narSize FROM ValidPaths ORDER BY path").fetchall()
        refs = connection.execute("SELECT COUNT(*) FROM Refs").fetchone()[0]
    finally:
        connection.close()
    assert rows == [(PATHS[1], 1, 100), (PATHS[0], 1, 200)]
    assert refs == 2
    assert database.read_bytes() == (_register(tmp_path, "two") / database.relative_to(root)).read_bytes()
    assert not [p for p in root.rglob("*") if p.name.endswith(".lock")]
    assert (root / "nix").stat().st_mode & 0o777 == 0o755


def test_a_symlink_where_the_database_goes_is_refused(tmp_path: Path) -> None:
    require("nix-store")
    root = tmp_path / "root"
    root.mkdir()
    (root / "nix").symlink_to(tmp_path)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with pytest.raises(UserError, match=r"^includeNixDB: /nix in the image root is not a directory"):
        nixdb.register(str(root), GRAPH, PATHS, nix_store="nix-store", seconds=1, scratch=str(scratch))


def test_a_missing_nix_store_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="includeNixDB needs nix-store, but /nonexistent/nix-store cannot run"):
        nixdb.register(str(tmp_path), GRAPH, PATHS, nix_store="/nonexistent/nix-store", seconds=1, scratch=str(tmp_path))
