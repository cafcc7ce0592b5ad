"""Unpacking a base image for runAsRoot (stowage.root.unpack), on an archive made
here with tarfile: the root outside the store, and only the store paths that the
build's store lacks, into a directory of their own."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from pathlib import Path

from stowage.root import unpack

STORE = "/nix/store"
ABSENT = "00000000000000000000000000000000-stowage-test-tool"
ABSENT_LINK = "00000000000000000000000000000001-stowage-test-link"
DELETED = "00000000000000000000000000000002-stowage-test-deleted"


def _present() -> str:
    return sorted(p for p in os.listdir(STORE) if not p.startswith(".") and os.path.isdir(f"{STORE}/{p}"))[0]


def _layer(members: list[tuple[str, bytes, str]]) -> bytes:
    """A layer of (name, type, data or link target) members."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, kind, payload in members:
            info = tarfile.TarInfo(name)
            info.type, info.mode, info.mtime = kind, 0o755 if kind == tarfile.DIRTYPE else 0o555, 7
            if kind == tarfile.SYMTYPE:
                info.linkname = payload
            data = payload.encode() if kind == tarfile.REGTYPE else b""
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _archive(path: Path, layers: list[bytes]) -> str:
    diff_ids = ["sha256:" + hashlib.sha256(layer).hexdigest() for layer in layers]
    config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": diff_ids}})
    files = {"config.json": config.encode(), **{f"{i}.tar": layer for i, layer in enumerate(layers)}}
    manifest = [{"Config": "config.json", "RepoTags": ["base:1"], "Layers": [f"{i}.tar" for i in range(len(layers))]}]
    files["manifest.json"] = json.dumps(manifest).encode()
    with tarfile.open(path, "w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return str(path)


def test_only_the_store_paths_the_build_lacks_are_unpacked_beside_the_root(tmp_path: Path) -> None:
    present, d, f, s = _present(), tarfile.DIRTYPE, tarfile.REGTYPE, tarfile.SYMTYPE
    lower = _layer([
        ("etc", d, ""), ("etc/hostname", f, "base\n"), ("nix", d, ""), ("nix/store", d, ""),
        (f"nix/store/{present}", d, ""), (f"nix/store/{present}/only-in-the-image", f, "x"),
        (f"nix/store/{ABSENT}", d, ""), (f"nix/store/{ABSENT}/bin", d, ""),
        (f"nix/store/{ABSENT}/bin/tool", f, "#!/bin/sh\n"), (f"nix/store/{ABSENT_LINK}", s, f"{STORE}/{ABSENT}/bin"),
        (f"nix/store/{DELETED}", d, ""),
    ])
    upper = _layer([("nix", d, ""), ("nix/store", d, ""), (f"nix/store/.wh.{DELETED}", f, "")])
    archive = _archive(tmp_path / "base.tar", [lower, upper])
    root, copies = tmp_path / "root", tmp_path / "copies"
    root.mkdir()
    copies.mkdir()
    assert unpack.unpack(archive, "base:1", str(root), store_dir=STORE, store_copy=str(copies)) == [ABSENT, ABSENT_LINK]
    assert (root / "etc" / "hostname").read_text() == "base\n"
    assert os.listdir(root / "nix" / "store") == []
    assert sorted(os.listdir(copies)) == [ABSENT, ABSENT_LINK]
    tool = copies / ABSENT / "bin" / "tool"
    assert tool.read_text() == "#!/bin/sh\n" and tool.stat().st_mode & 0o777 == 0o555 and tool.stat().st_mtime == 7
    assert os.readlink(copies / ABSENT_LINK) == f"{STORE}/{ABSENT}/bin"
    assert not os.path.lexists(f"{STORE}/{ABSENT}")
