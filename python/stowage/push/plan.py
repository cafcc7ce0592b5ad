"""The push plan: everything a push sends, settled at build time. A directory
holding ``config.json`` (the image configuration blob), ``manifest.json`` (the
registry manifest) and ``push.json``, which names the image plan the layers are
made again from and each layer's blob.

The manifest is an OCI image manifest (image-spec v1.1) with gzipped layers
(or zstd ones, as the image's pushCompression says):
the open format, the same family as the OCI index of multi-platform images and
as ``toOCILayout``; Docker (20.10+), podman, skopeo, containerd and every current
registry read it.

``push.json`` is ``stowage.contract.push_documents.PushDocument`` (with the
image's pushCompression; a kept blob's ``file`` is its full path).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Optional

from stowage import canonical_json, media_types
from stowage.digest import sha256
from stowage.errors import UserError
from stowage.contract import schema
from stowage.contract.push_documents import Described, PushDocument
from stowage.contract.push_documents import Platform as PlatformDoc
from stowage.layers.blob import Blob
from stowage.layers.compression import Compression
from stowage.supply.annotations import with_annotations

FILE = PushDocument.FILE
OCI_MANIFEST = media_types.OCI_MANIFEST
OCI_CONFIG = media_types.OCI_CONFIG
OCI_INDEX = media_types.OCI_INDEX


@dataclass(frozen=True)
class Content:
    """A small blob or manifest, held in memory: its bytes and digest."""

    data: bytes
    media_type: str

    @property
    def digest(self) -> str:
        return sha256(self.data)

    def descriptor(self) -> dict[str, Any]:
        return {"mediaType": self.media_type, "digest": self.digest, "size": len(self.data)}


@dataclass(frozen=True)
class PushPlan:
    directory: str
    plan: str  # path of the image plan
    compression: Compression
    repo_tag: str
    platform: dict[str, Optional[str]]
    layers: tuple[Blob, ...]
    config: Content
    manifest: Content


def manifest(config: Content, layers: list[Blob], how: Compression,
             annotations: Optional[dict[str, str]] = None) -> Content:
    """The OCI image manifest of ``config`` and the compressed ``layers``."""
    doc = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": config.descriptor(),
        "layers": [{"mediaType": b.media_type(how), "digest": b.digest, "size": b.size} for b in layers],
    }
    return Content(canonical_json.dumps(with_annotations(doc, annotations or {})), OCI_MANIFEST)


def write(directory: str, push: PushPlan) -> None:
    os.makedirs(directory, exist_ok=True)  # kept blobs may be there already
    for name, content in (("config.json", push.config), ("manifest.json", push.manifest)):
        with open(os.path.join(directory, name), "wb") as handle:
            handle.write(content.data)
    p = push.platform
    doc = PushDocument(
        plan=push.plan, compression=push.compression, repo_tag=push.repo_tag,
        platform=PlatformDoc(str(p["os"]), str(p["architecture"]), p.get("variant")),
        config=Described(push.config.digest, len(push.config.data)),
        manifest=Described(push.manifest.digest, len(push.manifest.data)),
        layers=push.layers,
    )
    with open(os.path.join(directory, FILE), "w", encoding="utf-8") as handle:
        json.dump(schema.encode(doc), handle, sort_keys=True)


def _content(directory: str, name: str, media_type: str, expected: Described) -> Content:
    with open(os.path.join(directory, name), "rb") as handle:
        content = Content(handle.read(), media_type)
    if (content.digest, len(content.data)) != (expected.digest, expected.size):
        raise UserError(f"{directory}/{name} does not match its digest in {FILE}: rebuild the push plan")
    return content


def read(directory: str, who: Optional[str] = None) -> PushPlan:
    """The push plan in ``directory`` (a push-plan derivation's output)."""
    d = schema.load(PushDocument, os.path.join(directory, FILE), who)
    return PushPlan(
        directory=directory,
        plan=d.plan,
        compression=d.compression,
        repo_tag=d.repo_tag,
        platform={"os": d.platform.os, "architecture": d.platform.architecture, "variant": d.platform.variant},
        layers=d.layers,
        config=_content(directory, "config.json", OCI_CONFIG, d.config),
        manifest=_content(directory, "manifest.json", OCI_MANIFEST, d.manifest),
    )
