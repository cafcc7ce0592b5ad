"""The push plan: everything a push sends, settled at build time. A directory
holding ``config.json`` (the image configuration blob), ``manifest.json`` (the
registry manifest) and ``push.json``, which names the image plan the layers are
made again from and each layer's blob.

The manifest is an OCI image manifest (image-spec v1.1) with gzipped layers
(or zstd ones, as the image's pushCompression says):
the open format, the same family as the OCI index of multi-platform images and
as ``toOCILayout``; Docker (20.10+), podman, skopeo, containerd and every current
registry read it.

``push.json`` (version 2)::

    {"version": 2, "plan": path of plan.json, "repoTag": "name:tag",
     "format", "level", "keep", "zstd": the compression (layers.compression),
     "platform": {"os": "linux", "architecture": "amd64", "variant": null or "v7"},
     "config": {"digest", "size"}, "manifest": {"digest", "size"},
     "layers": [{"key", "diffId", "digest", "size", "compressed", "file"} (as blobs.json)]}
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Optional

from stowage import canonical_json, media_types
from stowage.digest import sha256
from stowage.errors import UserError
from stowage.contract.jsondoc import fields, integer, optional_str, string, versioned
from stowage.layers import compression as layer_compression
from stowage.layers.blob import Blob
from stowage.layers.compression import KEYS, Compression
from stowage.supply.annotations import with_annotations

VERSION = 2
FILE = "push.json"
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


def _blob_doc(b: Blob) -> dict[str, Any]:
    return {"key": b.key, "diffId": b.diff_id, "digest": b.digest, "size": b.size, "compressed": b.compressed,
            "file": b.file}


def write(directory: str, push: PushPlan) -> None:
    os.makedirs(directory, exist_ok=True)  # kept blobs may be there already
    for name, content in (("config.json", push.config), ("manifest.json", push.manifest)):
        with open(os.path.join(directory, name), "wb") as handle:
            handle.write(content.data)
    doc = {
        "version": VERSION, "plan": push.plan, **push.compression.to_json(), "repoTag": push.repo_tag,
        "platform": push.platform,
        "config": {"digest": push.config.digest, "size": len(push.config.data)},
        "manifest": {"digest": push.manifest.digest, "size": len(push.manifest.data)},
        "layers": [_blob_doc(b) for b in push.layers],
    }
    with open(os.path.join(directory, FILE), "w", encoding="utf-8") as handle:
        json.dump(doc, handle, sort_keys=True)


def _content(directory: str, name: str, media_type: str, expected: Any) -> Content:
    with open(os.path.join(directory, name), "rb") as handle:
        content = Content(handle.read(), media_type)
    e = fields(expected, f"{name} of {directory}", {"digest", "size"})
    if (content.digest, len(content.data)) != (e["digest"], e["size"]):
        raise UserError(f"{directory}/{name} does not match its digest in {FILE}: rebuild the push plan")
    return content


def _layer(doc: Any, what: str) -> Blob:
    d = fields(doc, what, {"key", "diffId", "digest", "size", "compressed", "file"})
    return Blob(optional_str(d["key"]), optional_str(d["diffId"]), string(d["digest"], what),
                integer(d["size"], what), bool(d["compressed"]), optional_str(d["file"]))


def read(directory: str) -> PushPlan:
    """The push plan in ``directory`` (a push-plan derivation's output)."""
    path = os.path.join(directory, FILE)
    try:
        with open(path, encoding="utf-8") as handle:
            doc = json.load(handle)
    except (OSError, ValueError) as error:
        raise UserError(f"cannot read the push plan {path}: {error}") from None
    keys = {"version", "plan", "repoTag", "platform", "config", "manifest", "layers"} | KEYS
    d = fields(versioned(doc, path, VERSION), path, keys)
    p = fields(d["platform"], f"platform of {path}", {"os", "architecture", "variant"})
    return PushPlan(
        directory=directory,
        plan=string(d["plan"], f"plan of {path}"),
        compression=layer_compression.parse(d, path),
        repo_tag=string(d["repoTag"], f"repoTag of {path}"),
        platform={k: optional_str(v) for k, v in p.items()},
        layers=tuple(_layer(layer, f"a layer of {path}") for layer in d["layers"]),
        config=_content(directory, "config.json", OCI_CONFIG, d["config"]),
        manifest=_content(directory, "manifest.json", OCI_MANIFEST, d["manifest"]),
    )
