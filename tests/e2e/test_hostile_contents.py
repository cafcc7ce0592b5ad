"""Hostile contents: packages that try to reach the build machine through the
image root, or to change what Docker shows from lower layers. Each is a real
package (builtins.derivation) built into a real image by nix-build."""

from __future__ import annotations

import hashlib
import os
import shutil
import json
import stat
import subprocess
import tarfile
from pathlib import Path

import pytest

from conftest import NIX_OPTIONS, nix_expr, require, run

pytestmark = pytest.mark.e2e


def package(name: str, script: str) -> str:
    """A Nix expression of a package made by ``script`` (/bin/sh, $out unset)."""
    return (
        f'(builtins.derivation {{ name = "{name}"; system = builtins.currentSystem; '
        f'builder = "/bin/sh"; PATH = "/usr/bin:/bin"; args = [ "-ec" {nix_string(script)} ]; }})'
    )


def nix_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("${", "\\${") + '"'


def build_fails(body: str) -> str:
    """Build ``body`` (with ``stowage`` in scope), which must fail; return the builder's error line."""
    require("nix-build")
    result = run(["nix-build", "--no-out-link", *NIX_OPTIONS, "-E", nix_expr(body)], check=False)
    assert result.returncode != 0, f"the build succeeded: {result.stdout}"
    assert "Traceback" not in result.stderr, result.stderr
    lines = [
        line.strip() for line in result.stderr.splitlines()
        if ": error: " in line and not line.startswith(("error:", "warning:"))
    ]
    assert len(lines) == 1, result.stderr
    return lines[0]


# -- includeNixDB through a symlinked nix/var ----------------------------------------


def _nix_state(tmp_path: Path) -> Path:
    """A Nix state directory (``nix/var/nix``) with a real database, locks,
    temporary roots and per-user directories, as a build machine has."""
    require("nix-store")
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    env = dict(os.environ, USER="nobody", NIX_REMOTE=f"local?root={fresh}")
    subprocess.run(["nix-store", "--load-db"], input=b"", env=env, check=True, capture_output=True)
    victim = tmp_path / "victim"
    shutil.copytree(fresh / "nix" / "var", victim, symlinks=True)
    state = victim / "nix"
    (state / "temproots" / "4242").write_text("/nix/store/x\n")
    (state / "gcroots" / "per-user" / "root" / "keep").symlink_to("/nix/store/y")
    (state / "profiles" / "per-user" / "root" / "marker").write_text("mine\n")
    (state / "db" / "big-lock").touch()
    return victim


def _snapshot(top: Path) -> dict[str, tuple[int, int, str]]:
    """Every entry below ``top``: mode, mtime and content (hash or link target)."""
    found: dict[str, tuple[int, int, str]] = {}
    for directory, dirs, files in os.walk(top):
        for name in dirs + files:
            path = Path(directory) / name
            st = path.lstat()
            if stat.S_ISLNK(st.st_mode):
                content = "-> " + os.readlink(path)
            elif stat.S_ISREG(st.st_mode):
                content = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                content = "dir"
            found[str(path.relative_to(top))] = (st.st_mode, st.st_mtime_ns, content)
    return found


@pytest.mark.parametrize("link", ["nix/var", "nix/var/nix"])
@pytest.mark.parametrize("builder", ["buildLayeredImage", "buildImage"])
def test_nix_db_never_writes_through_a_symlink(tmp_path: Path, link: str, builder: str) -> None:
    victim = _nix_state(tmp_path)
    target = victim if link == "nix/var" else victim / "nix"
    before = _snapshot(victim)
    parent = os.path.dirname(link)
    evil = package("evil-nix-var", f"mkdir -p $out/{parent}; ln -s {target} $out/{link}; mkdir $out/bin")
    items = "contents" if builder == "buildLayeredImage" else "copyToRoot"
    line = build_fails(f'stowage.{builder} {{ name = "evil"; includeNixDB = true; {items} = [ {evil} ]; }}')
    assert line.startswith("root-layer: error: "), line
    assert f"/{link} in the image root is a symlink to {target}" in line, line
    assert "-evil-nix-var" in line and "includeNixDB" in line, line
    assert _snapshot(victim) == before


def test_nix_db_is_built_apart_and_copied_in(tmp_path: Path) -> None:
    """A package's own file where the database goes is replaced, not written through."""
    victim = tmp_path / "victim.sqlite"
    victim.write_bytes(b"not yours")
    evil = package("evil-db-file", f"mkdir -p $out/nix/var/nix/db; ln -s {victim} $out/nix/var/nix/db/db.sqlite")
    out = run(["nix-build", "--no-out-link", *NIX_OPTIONS, "-E", nix_expr(
        f'stowage.buildLayeredImage {{ name = "evil"; compressor = "none"; includeNixDB = true; contents = [ {evil} ]; }}'
    )]).stdout.strip()
    assert victim.read_bytes() == b"not yours"
    with tarfile.open(out) as archive:
        manifest = json.load(archive.extractfile("manifest.json"))  # type: ignore[arg-type]
        with tarfile.open(fileobj=archive.extractfile(manifest[0]["Layers"][-1])) as layer:
            member = layer.getmember("nix/var/nix/db/db.sqlite")
            assert member.isfile()
            assert layer.extractfile(member).read(16) == b"SQLite format 3\0"  # type: ignore[union-attr]
            # Nix's own link, made where the database was built, names the image's place.
            assert layer.getmember("nix/var/nix/gcroots/profiles").linkname == "/nix/var/nix/profiles"


def test_a_symlinked_store_directory_is_refused() -> None:
    evil = package("evil-nix-link", "mkdir -p $out; ln -s /nix $out/nix")
    line = build_fails(f'stowage.buildLayeredImage {{ name = "evil"; contents = [ {evil} ]; }}')
    assert "/nix in the image root is a symlink to /nix" in line and "-evil-nix-link" in line, line
