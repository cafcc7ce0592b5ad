"""Checks of what the writers make from an archive they accepted: GNU tar and
tarfile read it, no member leaves the root, and every layer is its diff_id."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import tarfile
from pathlib import Path
from typing import Any


def _safe(name: str) -> bool:
    parts = name.split("/")
    return not name.startswith("/") and ".." not in parts


def tar_names(path: Path) -> list[str]:
    """The member names, after GNU tar and tarfile both read the whole archive."""
    subprocess.run(["tar", "-tf", str(path)], check=True, capture_output=True)
    with tarfile.open(path) as archive:
        names = []
        for member in archive:
            if member.isfile():
                handle = archive.extractfile(member)
                assert handle is not None and len(handle.read()) == member.size
            names.append(member.name)
    assert all(_safe(name) for name in names), names
    return names


def layer_digest(data: bytes) -> str:
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return "sha256:" + hashlib.sha256(data).hexdigest()


def check_docker_archive(path: Path) -> None:
    tar_names(path)
    with tarfile.open(path) as archive:
        def read(name: str) -> bytes:
            handle = archive.extractfile(name)
            assert handle is not None
            return handle.read()

        manifest: list[dict[str, Any]] = json.loads(read("manifest.json"))
        for entry in manifest:
            assert _safe(entry["Config"]) and all(_safe(n) for n in entry["Layers"])
            config = json.loads(read(entry["Config"]))
            assert [layer_digest(read(n)) for n in entry["Layers"]] == config["rootfs"]["diff_ids"]


def check_oci_layout(root: Path) -> None:
    blobs = root / "blobs" / "sha256"
    for name in os.listdir(blobs):
        assert "sha256:" + hashlib.sha256((blobs / name).read_bytes()).hexdigest() == "sha256:" + name
    index = json.loads((root / "index.json").read_bytes())
    for target in index["manifests"]:
        manifest = json.loads((blobs / target["digest"][7:]).read_bytes())
        config = json.loads((blobs / manifest["config"]["digest"][7:]).read_bytes())
        layers = [layer_digest((blobs / d["digest"][7:]).read_bytes()) for d in manifest["layers"]]
        assert layers == config["rootfs"]["diff_ids"]
