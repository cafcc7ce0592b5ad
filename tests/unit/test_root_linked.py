"""The link-mode root without the root (stowage.root.linked): the entries are the
ones the root made on disk gives, for any contents."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from stowage.errors import UserError
from stowage.layers import tarball
from stowage.root import linked, tree as root_tree

WHY = "the store layers below put the image's store there"
RELS = ["nix", "nix/store"]

# A package: relative paths (a few names, so that packages collide) that are
# files, symlinks (to a relative or absolute target) or empty directories.
_NAMES = st.sampled_from(["bin", "lib", "share", "a", "b", "nix", "etc", "é"])
_PATHS = st.lists(_NAMES, min_size=1, max_size=3).map("/".join)
_KINDS = st.sampled_from(["file", "link", "dir"])
_PACKAGE = st.dictionaries(_PATHS, _KINDS, max_size=8)


def _make(top: Path, spec: dict[str, str]) -> str:
    """Make the package ``spec`` under ``top`` (a path is skipped when an earlier
    one made its parent something other than a directory)."""
    top.mkdir()
    for rel, kind in sorted(spec.items()):
        path = top / rel
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if kind == "file":
                path.write_text(rel)
            elif kind == "link":
                path.symlink_to("../target" if len(rel) % 2 else "/nix/store/x-other/" + rel)
            else:
                path.mkdir()
        except (FileExistsError, NotADirectoryError):
            continue
    return str(top)


def _on_disk(contents: list[str], scratch: Path) -> list[tarball.Entry]:
    root = scratch / "root"
    root.mkdir()
    root_tree.merge_contents(contents, str(root))
    root_tree.require_directories(str(root), RELS, contents, WHY)
    return tarball.tree_entries(str(root))


@settings(max_examples=150, deadline=None)
@given(st.lists(_PACKAGE, min_size=1, max_size=4))
def test_the_entries_are_those_of_the_root_on_disk(packages: list[dict[str, str]]) -> None:
    scratch = Path(tempfile.mkdtemp(prefix="linked-"))
    try:
        contents = [_make(scratch / f"p{n}", spec) for n, spec in enumerate(packages)]
        try:
            expected = _on_disk(contents, scratch)
        except UserError as error:  # "nix" made a link or file: the same refusal
            with pytest.raises(UserError) as raised:
                linked.merged_entries(contents, RELS, WHY)
            assert str(raised.value) == str(error)
            return
        assert linked.merged_entries(contents, RELS, WHY) == expected
    finally:
        for directory, _, _ in os.walk(scratch):
            os.chmod(directory, 0o755)
        shutil.rmtree(scratch)


def test_busybox_like_contents(tmp_path: Path) -> None:
    """Many applet links and an application: links, real directories, same order."""
    busybox = tmp_path / "busybox"
    (busybox / "bin").mkdir(parents=True)
    (busybox / "bin" / "busybox").write_text("#!")
    for applet in ("sh", "ls", "true", "cat"):
        (busybox / "bin" / applet).symlink_to("busybox")
    app = tmp_path / "app"
    (app / "bin").mkdir(parents=True)
    (app / "bin" / "app").write_text("app")
    (app / "bin" / "sh").write_text("not busybox's")  # the first item wins
    entries = linked.merged_entries([str(busybox), str(app)], RELS, WHY)
    assert [(e.name, e.linkname) for e in entries] == [
        (b"bin/", b""), (b"bin/app", os.fsencode(app / "bin" / "app")),
        (b"bin/busybox", os.fsencode(busybox / "bin" / "busybox")), (b"bin/cat", b"busybox"),
        (b"bin/ls", b"busybox"), (b"bin/sh", b"busybox"), (b"bin/true", b"busybox"),
    ]
    assert entries == _on_disk([str(busybox), str(app)], tmp_path)


def test_a_whiteout_and_a_file_item_are_refused(tmp_path: Path) -> None:
    item = tmp_path / "p"
    (item / "etc").mkdir(parents=True)
    (item / "etc" / ".wh.passwd").write_text("")
    with pytest.raises(UserError, match="named like a whiteout"):
        linked.merged_entries([str(item)], RELS, WHY)
    (tmp_path / "file").write_text("")
    with pytest.raises(UserError, match="is not a directory"):
        linked.merged_entries([str(tmp_path / "file")], RELS, WHY)
