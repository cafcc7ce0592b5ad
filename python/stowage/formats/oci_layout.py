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

Every blob is hashed while copied, and every layer checked against its
``diff_id`` (a gzipped one as it gunzips); a mismatch is refused. Each ``RepoTags`` entry gets an index entry annotated with
``org.opencontainers.image.ref.name`` (the tag, as skopeo's ``oci:DIR:TAG`` and
umoci look it up) and ``io.containerd.image.name`` (the full name).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from typing import Any, Callable, Optional

from stowage.output.compression import Programs
from stowage.archive import base_layer, docker_archive
from stowage import canonical_json, media_types
from stowage.digest import Digest
from stowage.image import model
from stowage.formats import oci_referrers
from stowage.supply.annotations import CREATED, with_annotations
from stowage.supply.referrers import Attachment

Progress = Callable[[str], None]
OCI_MANIFEST = media_types.OCI_MANIFEST
OCI_INDEX = media_types.OCI_INDEX
OCI_CONFIG = media_types.OCI_CONFIG
LAYER_TAR = media_types.OCI_LAYER_TAR
LAYER_GZIP = media_types.OCI_LAYER_GZIP


def descriptor(media_type: str, digest: str, size: int) -> dict[str, Any]:
    return {"mediaType": media_type, "digest": digest, "size": size}


class Blobs:
    """``blobs/sha256`` of a layout being written; each blob stored once."""

    def __init__(self, root: str) -> None:
        self.directory = os.path.join(root, "blobs", "sha256")
        os.makedirs(self.directory, exist_ok=True)

    def add_bytes(self, data: bytes) -> str:
        digest = Digest.of_bytes(data)
        path = os.path.join(self.directory, digest.hex)
        if not os.path.exists(path):
            with open(path + ".part", "wb") as handle:
                handle.write(data)
            os.replace(path + ".part", path)
        return str(digest)

    def add_layer(self, archive: docker_archive.Archive, layer: model.Layer) -> model.Blob:
        """Copy a layer member, hashing it (and checking its diff_id); return its
        blob (gzipped when the member is)."""
        hasher = hashlib.sha256()
        partial = os.path.join(self.directory, "layer.part")
        gzipped = base_layer.is_gzip(archive, layer)
        with open(partial, "wb") as out:
            for chunk in base_layer.chunks(archive, layer):
                hasher.update(chunk)
                out.write(chunk)
        digest = Digest.of_hash(hasher)
        os.replace(partial, os.path.join(self.directory, digest.hex))
        return model.Blob(LAYER_GZIP if gzipped else LAYER_TAR, str(digest), int(layer.size or 0))


def _platform(config: dict[str, Any]) -> dict[str, str]:
    platform = {"architecture": str(config.get("architecture") or "amd64"), "os": str(config.get("os") or "linux")}
    if config.get("variant"):
        platform["variant"] = str(config["variant"])
    return platform


def _image(archive: docker_archive.Archive, image: model.Image, blobs: Blobs, progress: Progress,
           annotations: dict[str, str]) -> list[dict[str, Any]]:
    """Store one image of the archive; return its index entries."""
    stored = []
    for number, layer in enumerate(image.layers, start=1):
        stored.append(blobs.add_layer(archive, layer))
        progress(f"layer {number}: {stored[-1].size / 1e6:.1f} MB")
    layers = [descriptor(b.media_type, b.digest, b.size) for b in stored]
    config_bytes, config = image.config, docker_archive.config_of(image)
    config_descriptor = descriptor(OCI_CONFIG, blobs.add_bytes(config_bytes), len(config_bytes))
    manifest = canonical_json.dumps(with_annotations(
        {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": config_descriptor, "layers": layers}, annotations
    ))
    target = {**descriptor(OCI_MANIFEST, blobs.add_bytes(manifest), len(manifest)), "platform": _platform(config)}
    tags = list(image.repo_tags)
    if not tags:
        return [target]
    return [
        {**target, "annotations": {"io.containerd.image.name": tag, "org.opencontainers.image.ref.name": tag.rpartition(":")[2]}}
        for tag in tags
    ]


def write_layout(path: str, root: str, progress: Progress, programs: Optional[Programs] = None,
                 annotations: Optional[dict[str, str]] = None, attachments: Optional[list[Attachment]] = None) -> None:
    """Write the OCI layout of the docker-archive ``path`` into the new directory ``root``;
    each image manifest carries ``annotations``, and has ``attachments`` (see ``oci_referrers``)."""
    os.makedirs(root)
    try:
        _write_layout(path, root, progress, programs, annotations or {}, attachments or [])
    except BaseException:
        shutil.rmtree(root)  # no half-written layout is left behind
        raise


def _write_layout(path: str, root: str, progress: Progress, programs: Optional[Programs], annotations: dict[str, str],
                  attachments: list[Attachment]) -> None:
    blobs = Blobs(root)
    entries: list[dict[str, Any]] = []
    with docker_archive.open_archive(path, "image", programs) as archive:
        for image in archive.images():
            entries.extend(_image(archive, image, blobs, progress, annotations))
    created = {k: v for k, v in annotations.items() if k == CREATED}
    entries = oci_referrers.attach(blobs, entries, attachments, created)
    index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}
    with open(os.path.join(root, "index.json"), "wb") as handle:
        handle.write(canonical_json.dumps(index))
    with open(os.path.join(root, "oci-layout"), "wb") as handle:
        handle.write(canonical_json.dumps({"imageLayoutVersion": "1.0.0"}))
