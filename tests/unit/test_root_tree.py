"""The image root from contents (stowage.root.tree): lndir-style merge and rsync-style copy."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import pytest

from stowage.root import tree as root_tree
from stowage.errors import UserError


def package(path: Path, files: dict[str, str], links: Optional[dict[str, str]] = None) -> str:
    """A read-only store-like directory with ``files`` (name: text) and ``links``."""
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text)
    for name, target in (links or {}).items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).symlink_to(target)
    for directory, _, names in os.walk(path):
        for name in names:
            if not os.path.islink(os.path.join(directory, name)):
                os.chmod(os.path.join(directory, name), 0o444)
        os.chmod(directory, 0o555)
    return str(path)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    path = tmp_path / "root"
    path.mkdir()
    return path


def test_merge_links_files_and_makes_directories_real(tmp_path: Path, root: Path) -> None:
    hello = package(tmp_path / "hello", {"bin/hello": "hello", "share/doc/hello/README": "doc"})
    root_tree.merge_contents([hello], str(root))
    assert (root / "bin").is_dir() and not (root / "bin").is_symlink()
    assert (root / "share" / "doc" / "hello").is_dir()
    assert (root / "bin").stat().st_mode & 0o777 == 0o755  # writable for extraCommands
    assert os.readlink(root / "bin" / "hello") == f"{hello}/bin/hello"
    assert (root / "share" / "doc" / "hello" / "README").read_text() == "doc"


def test_merge_the_first_item_wins(tmp_path: Path, root: Path) -> None:
    one = package(tmp_path / "one", {"bin/tool": "one", "etc/a": "one"})
    two = package(tmp_path / "two", {"bin/tool": "two", "bin/other": "two"})
    root_tree.merge_contents([one, two], str(root))
    assert (root / "bin" / "tool").read_text() == "one"
    assert (root / "bin" / "other").read_text() == "two"
    assert (root / "etc" / "a").read_text() == "one"


def test_merge_copies_symlinks_as_they_are(tmp_path: Path, root: Path) -> None:
    item = package(tmp_path / "item", {"lib/libz.so.1.3": "z"}, {"lib/libz.so": "libz.so.1.3", "bin": "/usr/bin"})
    root_tree.merge_contents([item], str(root))
    assert os.readlink(root / "lib" / "libz.so") == "libz.so.1.3"
    assert os.readlink(root / "bin") == "/usr/bin"  # dangling here; kept as is


def test_merge_a_file_does_not_replace_an_earlier_directory(tmp_path: Path, root: Path) -> None:
    one = package(tmp_path / "one", {"etc/a": "one"})
    two = package(tmp_path / "two", {"etc": "a file"})
    root_tree.merge_contents([one, two], str(root))
    assert (root / "etc").is_dir() and (root / "etc" / "a").read_text() == "one"


def test_merge_a_directory_does_not_go_through_an_earlier_symlink(tmp_path: Path, root: Path) -> None:
    elsewhere = package(tmp_path / "elsewhere", {"keep": "x"})
    one = package(tmp_path / "one", {}, {"share": elsewhere})
    two = package(tmp_path / "two", {"share/new": "two"})
    root_tree.merge_contents([one, two], str(root))
    assert os.readlink(root / "share") == elsewhere
    assert sorted(os.listdir(elsewhere)) == ["keep"]


def test_merge_refuses_an_item_that_is_not_a_directory(tmp_path: Path, root: Path) -> None:
    item = tmp_path / "script.sh"
    item.write_text("echo")
    with pytest.raises(UserError, match=f"contents item {item} is not a directory"):
        root_tree.merge_contents([str(item)], str(root))


def test_copy_later_items_overwrite_earlier_ones(tmp_path: Path, root: Path) -> None:
    one = package(tmp_path / "one", {"bin/tool": "one", "etc/a": "one"})
    two = package(tmp_path / "two", {"bin/tool": "two"}, {"etc/b": "a"})
    root_tree.copy_contents([one, two], str(root), keep_dirlinks=False)
    assert not (root / "bin" / "tool").is_symlink()
    assert (root / "bin" / "tool").read_text() == "two"
    assert (root / "bin" / "tool").stat().st_mode & 0o777 == 0o444
    assert (root / "etc").stat().st_mode & 0o777 == 0o755
    assert os.readlink(root / "etc" / "b") == "a"


def test_copy_a_symlink_to_a_directory_is_copied_as_a_directory(tmp_path: Path, root: Path) -> None:
    target = package(tmp_path / "target", {"f": "x"})
    one = package(tmp_path / "one", {}, {"data": target})
    two = package(tmp_path / "two", {"data/g": "y"})
    closure = [target, one, two]
    root_tree.copy_contents([one, two], str(root), keep_dirlinks=False, store_dir=str(tmp_path), closure=closure)
    assert not (root / "data").is_symlink()
    assert sorted(os.listdir(root / "data")) == ["f", "g"]
    assert sorted(os.listdir(target)) == ["f"]


def test_copy_never_follows_a_link_out_of_the_store_or_in_a_loop(tmp_path: Path, root: Path) -> None:
    host = package(tmp_path / "host", {"secret": "host-only"})
    store = tmp_path / "store"
    item = package(store / "item", {"f": "x"}, {"conf": host})
    (Path(item) / "self").symlink_to(".")
    root_tree.copy_contents([item], str(root), keep_dirlinks=False, store_dir=str(store), closure=[item])
    assert (root / "conf").is_symlink() and os.readlink(root / "conf") == host
    assert (root / "self").is_symlink()
    assert (root / "f").read_text() == "x"


def test_copy_keep_dirlinks_keeps_a_symlink_to_a_directory(tmp_path: Path, root: Path) -> None:
    target = package(tmp_path / "target", {"f": "x"})
    one = package(tmp_path / "one", {}, {"data": target})
    root_tree.copy_contents([one], str(root), keep_dirlinks=True)
    assert os.readlink(root / "data") == target


def test_copy_refuses_an_item_that_is_not_a_directory(tmp_path: Path, root: Path) -> None:
    with pytest.raises(UserError, match=f"copyToRoot item {tmp_path}/gone is not a directory"):
        root_tree.copy_contents([str(tmp_path / "gone")], str(root), keep_dirlinks=False)


def test_a_kept_dirlink_never_leads_out_of_the_root(tmp_path: Path) -> None:
    from stowage.errors import UserError
    from stowage.root.tree import copy_contents

    outside = tmp_path / "outside"
    outside.mkdir()
    first = tmp_path / "first"
    first.mkdir()
    (first / "lib").symlink_to(outside)
    second = tmp_path / "second"
    (second / "lib").mkdir(parents=True)
    (second / "lib" / "x.so").write_text("x")
    root = tmp_path / "root"
    root.mkdir()
    with pytest.raises(UserError, match="copyToRoot: /lib is a symlink to .*outside the image root"):
        copy_contents([str(first), str(second)], str(root), keep_dirlinks=True)
    assert list(outside.iterdir()) == []


def test_copy_follows_links_only_into_the_closure(tmp_path: Path, root: Path) -> None:
    store = tmp_path / "store"
    unrelated = package(store / "unrelated", {"secret": "not in the image"})
    pool = package(store / ".links", {"abc": "pooled"})
    item = package(store / "item", {}, {"stolen": unrelated, "pool": pool})
    root_tree.copy_contents([item], str(root), keep_dirlinks=False, store_dir=str(store), closure=[item])
    assert os.readlink(root / "stolen") == unrelated and os.readlink(root / "pool") == pool


@pytest.mark.parametrize("name", [".wh.etc", ".wh..wh..opq"])
def test_whiteout_names_are_refused_in_both_ways(tmp_path: Path, root: Path, name: str) -> None:
    item = package(tmp_path / "item", {f"etc/{name}": ""})
    for make in (root_tree.merge_contents, lambda c, r: root_tree.copy_contents(c, r, keep_dirlinks=False)):
        with pytest.raises(UserError, match=f"etc/{name} is named like a whiteout.*package {item}"):
            make([item], str(root))
