"""The store a script sees when the base image has store paths that the build's
store lacks: both side by side, read-only, in real namespaces (no mocks), and
nothing written to the build's store or left in the root."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import require
from stowage.errors import UserError
from stowage.root import session as root_session

STORE = "/nix/store"
BASE_TOOL = "00000000000000000000000000000000-stowage-test-base-tool"
BASE_LINK = "00000000000000000000000000000001-stowage-test-base-link"


def _root(tmp_path: Path) -> Path:
    require("busybox")
    root = tmp_path / "root"
    (root / "bin").mkdir(parents=True)
    shutil.copy(shutil.which("busybox") or "", root / "bin" / "busybox")
    return root


def _base_store(tmp_path: Path, shadowed: str) -> Path:
    """Copies of a base's store paths: a package, a symlink, and one the build's store has."""
    base = tmp_path / "base-store"
    (base / BASE_TOOL / "share").mkdir(parents=True)
    (base / BASE_TOOL / "share" / "greeting").write_text("from the base\n")
    (base / BASE_LINK).symlink_to(f"{STORE}/{BASE_TOOL}/share")
    (base / shadowed).mkdir()
    (base / shadowed / "only-in-the-copy").write_text("x\n")
    return base


def _script(text: str) -> root_session.Script:
    return root_session.Script("runAsRoot", ["/bin/busybox", "sh", "-e", "-c", text], {"PATH": "/bin"})


def _present() -> str:
    """A store path of the build's store (a directory)."""
    return sorted(p for p in os.listdir(STORE) if not p.startswith(".") and os.path.isdir(f"{STORE}/{p}"))[0]


def test_the_base_store_paths_the_build_lacks_are_beside_the_build_store(tmp_path: Path) -> None:
    root, present = _root(tmp_path), _present()
    base = _base_store(tmp_path, present)
    script = (
        f"b=/bin/busybox; $b cat {STORE}/{BASE_TOOL}/share/greeting {STORE}/{BASE_LINK}/greeting > /seen; "
        f"$b ls {STORE}/{present} > /listing; $b test ! -e {STORE}/{present}/only-in-the-copy; "
        f"for p in {STORE}/x {STORE}/{BASE_TOOL}/x {STORE}/{present}/x; do "
        "if $b touch $p 2>/dev/null; then exit 9; fi; done"
    )
    root_session.run(str(root), STORE, _script(script), str(base))
    assert (root / "seen").read_text() == "from the base\nfrom the base\n"
    assert (root / "listing").read_text().split() == sorted(os.listdir(f"{STORE}/{present}"))
    # Nothing reached the build's store; the root's mount points are gone again.
    assert not os.path.lexists(f"{STORE}/{BASE_TOOL}") and not os.path.lexists(f"{STORE}/{BASE_LINK}")
    assert sorted(os.listdir(root)) == ["bin", "listing", "seen"]
    assert sorted(os.listdir(base)) == sorted([BASE_TOOL, BASE_LINK, present])


def test_without_a_base_store_the_base_paths_are_not_there(tmp_path: Path) -> None:
    """The case the base store is for: a script that runs a base's store path
    fails when the build's store lacks it."""
    root = _root(tmp_path)
    with pytest.raises(UserError, match=r"^runAsRoot failed with exit status 1$"):
        root_session.run(str(root), STORE, _script(f"/bin/busybox cat {STORE}/{BASE_TOOL}/share/greeting"))
