"""The layer between two states of a root: changes, parents, whiteouts."""

from __future__ import annotations

import os
from pathlib import Path

from stowage.tar import headers as tarformat
from stowage.root.diff import changes, snapshot


def _changes(root: Path, before: dict, skip: tuple[str, ...] = ()) -> list:
    return changes(str(root), before, snapshot(str(root), skip), str(root) + "-whiteouts")


def _names(root: Path, before: dict) -> list[str]:
    return [e.name.decode() for e in _changes(root, before)]


def _tree(root: Path) -> None:
    (root / "etc" / "deep").mkdir(parents=True)
    (root / "etc" / "keep").write_text("k")
    (root / "etc" / "gone").write_text("g")
    (root / "etc" / "deep" / "x").write_text("x")
    (root / "var").mkdir()
    (root / "var" / "log").write_text("l")
    # Times before the change, so that a change moves them on.
    for path in (root / "etc" / "deep" / "x", root / "etc" / "deep", root / "etc"):
        os.utime(path, (1, 1))


def test_nothing_changed_gives_an_empty_layer(tmp_path: Path) -> None:
    _tree(tmp_path)
    assert _names(tmp_path, snapshot(str(tmp_path), [])) == []


def test_new_changed_and_gone_paths(tmp_path: Path) -> None:
    _tree(tmp_path)
    before = snapshot(str(tmp_path), [])
    (tmp_path / "etc" / "gone").unlink()
    (tmp_path / "etc" / "deep" / "x").unlink()
    (tmp_path / "etc" / "deep").rmdir()
    os.chmod(tmp_path / "var" / "log", 0o600)
    (tmp_path / "new").write_text("n")
    names = _names(tmp_path, before)
    # A gone directory's whiteout hides what was below it; unchanged etc/keep is not listed.
    assert names == ["etc/", "etc/.wh.deep", "etc/.wh.gone", "new", "var/", "var/log"]


def test_whiteouts_are_empty_root_owned_files(tmp_path: Path) -> None:
    _tree(tmp_path)
    before = snapshot(str(tmp_path), [])
    (tmp_path / "etc" / "gone").unlink()
    whiteout = [e for e in _changes(tmp_path, before) if b".wh." in e.name]
    assert [(e.typeflag, e.size, e.owner) for e in whiteout] == [(tarformat.REGTYPE, 0, (0, 0))]
    assert os.path.getsize(whiteout[0].source) == 0


def test_a_file_replaced_by_a_directory_lists_the_directory(tmp_path: Path) -> None:
    _tree(tmp_path)
    before = snapshot(str(tmp_path), [])
    (tmp_path / "var" / "log").unlink()
    (tmp_path / "var" / "log").mkdir()
    (tmp_path / "var" / "log" / "a").write_text("a")
    assert _names(tmp_path, before) == ["var/", "var/log/", "var/log/a"]


def test_skipped_paths_are_neither_changes_nor_whiteouts(tmp_path: Path) -> None:
    _tree(tmp_path)
    before = snapshot(str(tmp_path), ("var",))
    (tmp_path / "var" / "log").unlink()
    (tmp_path / "var").rmdir()
    assert _changes(tmp_path, before, ("var",)) == []
