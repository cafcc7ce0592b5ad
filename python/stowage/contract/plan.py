"""The image plan: the versioned JSON document that ``mk-config`` writes and
``stream`` reads. It names every byte source of the image and settles every
choice, so that streaming makes none.

Schema (version 2; camelCase keys)::

    {"version": 2,
     "repoTag": "name:tag", "created": RFC 3339 or "now", "mtime": RFC 3339 or "now",
     "architecture": "amd64", "variant": null or "v7", "config": {...},
     "owner": {"uid": 0, "gid": 0, "uname": "root", "gname": "root"},
     "storeDir": "/nix/store",
     "base": null or {"archive": path, "history": [...],
                      "layers": [{"member": name, "diffId": "sha256:..", "size": n}]},
     "storeLayers": [{"paths": ["/nix/store/..", ...],
                      "diffId": "sha256:.." or null, "size": n or null,
                      "reason": "own layer: 12.9 MiB used by 52 paths" (optional),
                      "listing": {"file": path, "digest": "sha256:..", "entries": n}
                                 (optional)}, ...],
     "customisationLayer": {"tar": path, "diffId": "sha256:..", "size": n}}

A store layer with a ``diffId`` was recorded by its own derivation: the stream
writes it without hashing and checks its size; one without is hashed while it is
written. ``reason`` (set when ``mk-config`` grouped the layer) says why its paths
are together; it is for the reader and changes no byte of the image. ``listing``
(a recorded layer's ``stowage.contract.listing``) lets the stream write the layer
from that file instead of listing the store; it changes no byte either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Optional

from stowage import canonical_json
from stowage.contract import schema
from stowage.contract.listing import Listing

VERSION = 2


@dataclass(frozen=True)
class Owner:
    uid: int
    gid: int
    uname: str
    gname: str


@dataclass(frozen=True)
class BlobLayer:
    """A layer whose bytes already exist: a base member, or a prebuilt tar."""

    source: str  # the base archive member name, or the tar's path
    diff_id: str
    size: int


@dataclass(frozen=True)
class StoreLayer:
    """A layer of store paths; ``diff_id`` and ``size`` when a record has them."""

    paths: tuple[str, ...]
    diff_id: Optional[str] = None
    size: Optional[int] = None
    reason: Optional[str] = None
    listing: Optional[Listing] = None


@dataclass(frozen=True)
class Base:
    archive: str
    layers: tuple[BlobLayer, ...]
    history: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class ImagePlan:
    repo_tag: str
    created: str
    mtime: str
    architecture: str
    variant: Optional[str]
    config: dict[str, Any]
    owner: Owner
    store_dir: str
    base: Optional[Base]
    store_layers: tuple[StoreLayer, ...]
    customisation_layer: BlobLayer

    def to_json(self) -> bytes:
        """Return the plan document's canonical bytes."""
        return canonical_json.dumps(_encode(self))


def _encode_blob(layer: BlobLayer, source_key: str) -> dict[str, Any]:
    return {source_key: layer.source, "diffId": layer.diff_id, "size": layer.size}


def _encode_store_layer(layer: StoreLayer) -> dict[str, Any]:
    doc: dict[str, Any] = {"paths": list(layer.paths), "diffId": layer.diff_id, "size": layer.size}
    if layer.reason is not None:
        doc["reason"] = layer.reason
    if layer.listing is not None:
        found = layer.listing
        doc["listing"] = {"file": found.file, "digest": found.digest, "entries": found.entries}
    return doc


def _encode(plan: ImagePlan) -> dict[str, Any]:
    base = None
    if plan.base is not None:
        base = {
            "archive": plan.base.archive,
            "history": list(plan.base.history),
            "layers": [_encode_blob(layer, "member") for layer in plan.base.layers],
        }
    o = plan.owner
    return {
        "version": VERSION,
        "repoTag": plan.repo_tag,
        "created": plan.created,
        "mtime": plan.mtime,
        "architecture": plan.architecture,
        "variant": plan.variant,
        "config": plan.config,
        "owner": {"uid": o.uid, "gid": o.gid, "uname": o.uname, "gname": o.gname},
        "storeDir": plan.store_dir,
        "base": base,
        "storeLayers": [_encode_store_layer(layer) for layer in plan.store_layers],
        "customisationLayer": _encode_blob(plan.customisation_layer, "tar"),
    }


# The plan document's JSON form, for the strict parser (stowage.contract.schema).


@dataclass(frozen=True)
class _BaseLayerDoc:
    member: str
    diff_id: str
    size: int


@dataclass(frozen=True)
class _TarLayerDoc:
    tar: str
    diff_id: str
    size: int


@dataclass(frozen=True)
class _StoreLayerDoc:
    paths: tuple[str, ...]
    diff_id: Optional[str]
    size: Optional[int]
    reason: Optional[str] = None
    listing: Optional[Listing] = None


@dataclass(frozen=True)
class _BaseDoc:
    archive: str
    history: tuple[dict[str, Any], ...]
    layers: tuple[_BaseLayerDoc, ...]


@dataclass(frozen=True)
class PlanDocument:
    DOCUMENT: ClassVar[str] = "the image plan (plan.json)"
    VERSION: ClassVar[int] = VERSION

    repo_tag: str
    created: str
    mtime: str
    architecture: str
    variant: Optional[str]
    config: dict[str, Any]
    owner: Owner
    store_dir: str
    base: Optional[_BaseDoc]
    store_layers: tuple[_StoreLayerDoc, ...]
    customisation_layer: _TarLayerDoc


def parse(doc: Any, who: Optional[str] = None) -> ImagePlan:
    """Return the plan in ``doc`` (parsed JSON), checked strictly; ``who`` names errors."""
    d = schema.parse(PlanDocument, doc, who)
    base = None
    if d.base is not None:
        layers = tuple(BlobLayer(b.member, b.diff_id, b.size) for b in d.base.layers)
        base = Base(d.base.archive, layers, d.base.history)
    c = d.customisation_layer
    return ImagePlan(
        repo_tag=d.repo_tag,
        created=d.created,
        mtime=d.mtime,
        architecture=d.architecture,
        variant=d.variant,
        config=d.config,
        owner=d.owner,
        store_dir=d.store_dir,
        base=base,
        store_layers=tuple(StoreLayer(s.paths, s.diff_id, s.size, s.reason, s.listing) for s in d.store_layers),
        customisation_layer=BlobLayer(c.tar, c.diff_id, c.size),
    )
