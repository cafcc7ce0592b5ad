"""The OCI image layout of a docker-archive (stowage.formats.oci_layout), read
back by the spec's rules and by skopeo and umoci."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import subprocess
import tarfile
from pathlib import Path

import pytest

from conftest import require
from stowage import media_types
from stowage.errors import UserError
from stowage.formats.oci_layout import write_layout


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def layer_tar(name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


PLAIN = layer_tar("etc/hostname", b"box\n")
GZIPPED_TAR = layer_tar("bin/app", b"#!/bin/sh\n")
GZIPPED = gzip.compress(GZIPPED_TAR, mtime=0)


def archive(path: Path, tags: list[str], *, diff_ids: list[str] | None = None) -> str:
    config = json.dumps({"architecture": "arm", "variant": "v7", "os": "linux",
                         "rootfs": {"type": "layers",
                                    "diff_ids": diff_ids or [sha256(PLAIN), sha256(GZIPPED_TAR)]}}).encode()
    members = {"a.tar": PLAIN, "b.tar.gz": GZIPPED, "config.json": config,
               "manifest.json": json.dumps([{"Config": "config.json", "RepoTags": tags,
                                             "Layers": ["a.tar", "b.tar.gz"]}]).encode()}
    with tarfile.open(path, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return str(path)


def blob(root: Path, digest: str) -> bytes:
    data = (root / "blobs" / "sha256" / digest.removeprefix("sha256:")).read_bytes()
    assert sha256(data) == digest
    return data


def test_every_blob_is_named_by_its_digest_and_layers_keep_their_compression(tmp_path: Path) -> None:
    root = tmp_path / "layout"
    lines: list[str] = []
    write_layout(archive(tmp_path / "in.tar", ["example.com/app:1.0", "app:latest"]), str(root), lines.append)
    assert json.loads((root / "oci-layout").read_bytes()) == {"imageLayoutVersion": "1.0.0"}
    index = json.loads((root / "index.json").read_bytes())
    assert index["mediaType"] == media_types.OCI_INDEX
    assert [e["annotations"]["org.opencontainers.image.ref.name"] for e in index["manifests"]] == ["1.0", "latest"]
    assert index["manifests"][0]["annotations"]["io.containerd.image.name"] == "example.com/app:1.0"
    assert index["manifests"][0]["platform"] == {"architecture": "arm", "variant": "v7", "os": "linux"}
    assert index["manifests"][0]["digest"] == index["manifests"][1]["digest"]
    manifest = json.loads(blob(root, index["manifests"][0]["digest"]))
    assert manifest["mediaType"] == media_types.OCI_MANIFEST
    assert manifest["config"]["mediaType"] == media_types.OCI_CONFIG
    assert json.loads(blob(root, manifest["config"]["digest"]))["variant"] == "v7"
    assert [(d["mediaType"], d["size"]) for d in manifest["layers"]] == [
        (media_types.OCI_LAYER_TAR, len(PLAIN)), (media_types.OCI_LAYER_GZIP, len(GZIPPED))]
    assert [blob(root, d["digest"]) for d in manifest["layers"]] == [PLAIN, GZIPPED]
    assert lines == [f"layer 1: {len(PLAIN) / 1e6:.1f} MB", f"layer 2: {len(GZIPPED) / 1e6:.1f} MB"]
    assert not [p for p in (root / "blobs" / "sha256").iterdir() if p.name.endswith(".part")]


def test_skopeo_and_umoci_read_the_layout(tmp_path: Path) -> None:
    require("skopeo", "umoci")
    root = tmp_path / "layout"
    write_layout(archive(tmp_path / "in.tar", ["app:1.0"]), str(root), lambda line: None)
    shown = subprocess.run(["skopeo", "inspect", "--raw", f"oci:{root}:1.0"], capture_output=True, text=True, check=True)
    assert len(json.loads(shown.stdout)["layers"]) == 2
    bundle = tmp_path / "bundle"
    subprocess.run(["umoci", "raw", "unpack", "--rootless", "--image", f"{root}:1.0", str(bundle)],
                   capture_output=True, check=True)
    assert (bundle / "etc" / "hostname").read_bytes() == b"box\n"
    assert (bundle / "bin" / "app").read_bytes() == b"#!/bin/sh\n"


def test_a_lying_archive_leaves_no_layout_behind(tmp_path: Path) -> None:
    root = tmp_path / "layout"
    bad = archive(tmp_path / "bad.tar", ["app:1"], diff_ids=[sha256(PLAIN), sha256(PLAIN)])
    with pytest.raises(UserError, match=r"layer b\.tar\.gz: its digest is sha256:"):
        write_layout(bad, str(root), lambda line: None)
    assert not root.exists()
