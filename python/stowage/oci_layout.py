"""The OCI image layout (image-spec v1.1, ``image-layout.md``) of a docker-archive:
``oci-layout``, ``index.json`` and ``blobs/sha256/<hex>``, with each image's
configuration, an OCI image manifest, and its layers.

Layers are stored as they are in the archive: uncompressed tars
(``application/vnd.oci.image.layer.v1.tar``) whose digest is their ``diff_id``.
Why not gzip: a layout is a local hand-off (skopeo, umoci, podman read it and
compress when they push); compressing would cost far more time than the copy
(zlib runs at a fraction of the disk's speed) and give blobs that no longer share
their digest with the docker-archive's layers. A layer the archive holds gzipped
stays gzipped (``+gzip``), byte for byte.

Every blob is hashed while copied; an uncompressed layer whose digest is not its
``diff_id`` is refused. Each ``RepoTags`` entry gets an index entry annotated with
``org.opencontainers.image.ref.name`` (the tag, as skopeo's ``oci:DIR:TAG`` and
umoci look it up) and ``io.containerd.image.name`` (the full name).
"""

from __future__ import annotations

import hashlib
import json
import os
import tarfile
from typing import Any, Callable, Optional

from . import canonical_json, docker_archive
from .errors import UserError

Progress = Callable[[str], None]
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER_TAR = "application/vnd.oci.image.layer.v1.tar"
LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
_CHUNK = 1 << 20


def descriptor(media_type: str, digest: str, size: int) -> dict[str, Any]:
    return {"mediaType": media_type, "digest": digest, "size": size}


class Blobs:
    """``blobs/sha256`` of a layout being written; each blob stored once."""

    def __init__(self, root: str) -> None:
        self.directory = os.path.join(root, "blobs", "sha256")
        os.makedirs(self.directory, exist_ok=True)

    def add_bytes(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        path = os.path.join(self.directory, digest)
        if not os.path.exists(path):
            with open(path + ".part", "wb") as handle:
                handle.write(data)
            os.replace(path + ".part", path)
        return "sha256:" + digest

    def add_member(self, archive: tarfile.TarFile, member: tarfile.TarInfo) -> tuple[str, bool]:
        """Copy a member, hashing it; return its digest and whether it is gzipped."""
        source = archive.extractfile(member)
        assert source is not None
        hasher = hashlib.sha256()
        partial = os.path.join(self.directory, "layer.part")
        with open(partial, "wb") as out:
            first = source.read(_CHUNK)
            gzipped = first[:2] == b"\x1f\x8b"
            chunk = first
            while chunk:
                hasher.update(chunk)
                out.write(chunk)
                chunk = source.read(_CHUNK)
        os.replace(partial, os.path.join(self.directory, hasher.hexdigest()))
        return "sha256:" + hasher.hexdigest(), gzipped


def _platform(config: dict[str, Any]) -> dict[str, str]:
    platform = {"architecture": str(config.get("architecture") or "amd64"), "os": str(config.get("os") or "linux")}
    if config.get("variant"):
        platform["variant"] = str(config["variant"])
    return platform


def _image(archive: tarfile.TarFile, entry: Any, blobs: Blobs, path: str, progress: Progress) -> list[dict[str, Any]]:
    """Store one image of the archive; return its index entries."""
    config_bytes = docker_archive.read_bytes(archive, docker_archive.resolve_member(archive, entry["Config"]))
    config = json.loads(config_bytes)
    diff_ids = [d if d.startswith("sha256:") else "sha256:" + d for d in (config.get("rootfs") or {}).get("diff_ids") or []]
    names = list(entry.get("Layers") or [])
    if len(names) != len(diff_ids):
        raise UserError(f"{path}: manifest.json lists {len(names)} layers, the configuration {len(diff_ids)} diff_ids")
    layers = []
    for number, (name, diff_id) in enumerate(zip(names, diff_ids), start=1):
        member = docker_archive.resolve_member(archive, name)
        digest, gzipped = blobs.add_member(archive, member)
        if not gzipped and digest != diff_id:
            raise UserError(f"{path}: layer {name} has digest {digest}, but the configuration says {diff_id}")
        layers.append(descriptor(LAYER_GZIP if gzipped else LAYER_TAR, digest, member.size))
        progress(f"layer {number}: {member.size / 1e6:.1f} MB")
    config_descriptor = descriptor(OCI_CONFIG, blobs.add_bytes(config_bytes), len(config_bytes))
    manifest = canonical_json.dumps(
        {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": config_descriptor, "layers": layers}
    )
    target = {**descriptor(OCI_MANIFEST, blobs.add_bytes(manifest), len(manifest)), "platform": _platform(config)}
    tags = list(entry.get("RepoTags") or [])
    if not tags:
        return [target]
    return [
        {**target, "annotations": {"io.containerd.image.name": tag, "org.opencontainers.image.ref.name": tag.rpartition(":")[2]}}
        for tag in tags
    ]


def write_layout(path: str, root: str, progress: Progress, zstd: Optional[str] = None) -> None:
    """Write the OCI layout of the docker-archive ``path`` into the new directory ``root``."""
    os.makedirs(root)
    blobs = Blobs(root)
    entries: list[dict[str, Any]] = []
    with docker_archive.open_archive(path, "image", zstd) as archive:
        images = docker_archive.read_json(archive, "manifest.json")
        if not isinstance(images, list) or not images:
            raise UserError(f"{path}: manifest.json lists no image")
        for entry in images:
            entries.extend(_image(archive, entry, blobs, path, progress))
    index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}
    with open(os.path.join(root, "index.json"), "wb") as handle:
        handle.write(canonical_json.dumps(index))
    with open(os.path.join(root, "oci-layout"), "wb") as handle:
        handle.write(canonical_json.dumps({"imageLayoutVersion": "1.0.0"}))
