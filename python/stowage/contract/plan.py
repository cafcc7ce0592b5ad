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
                      "reason": "own layer: 12.9 MiB used by 52 paths" (optional)}, ...],
     "customisationLayer": {"tar": path, "diffId": "sha256:..", "size": n}}

A store layer with a ``diffId`` was recorded by its own derivation: the stream
writes it without hashing and checks its size; one without is hashed while it is
written. ``reason`` (set when ``mk-config`` grouped the layer) says why its paths
are together; it is for the reader and changes no byte of the image.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from stowage import canonical_json
from stowage.errors import UserError
from stowage.contract.jsondoc import fields, integer, optional_str, string, strings, versioned

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


def _decode_blob(doc: Any, source_key: str) -> BlobLayer:
    what = "a layer of the image plan"
    d = fields(doc, what, {source_key, "diffId", "size"})
    return BlobLayer(
        string(d[source_key], f"{source_key} of {what}"),
        string(d["diffId"], f"diffId of {what}"),
        integer(d["size"], f"size of {what}"),
    )


def _decode_base(doc: Any) -> Optional[Base]:
    if doc is None:
        return None
    d = fields(doc, "the plan's base", {"archive", "history", "layers"})
    return Base(
        str(d["archive"]),
        tuple(_decode_blob(layer, "member") for layer in d["layers"]),
        tuple(d["history"]),
    )


def _decode_store_layer(doc: Any) -> StoreLayer:
    what = "a store layer of the image plan"
    d = fields(doc, what, {"paths", "diffId", "size"}, frozenset({"reason"}))
    return StoreLayer(
        strings(d["paths"], f"paths of {what}"),
        optional_str(d["diffId"]),
        None if d["size"] is None else integer(d["size"], f"size of {what}"),
        None if "reason" not in d else string(d["reason"], f"reason of {what}"),
    )


def parse(doc: Any) -> ImagePlan:
    """Return the plan in ``doc`` (parsed JSON), checking its version and keys."""
    d = fields(
        versioned(doc, "the image plan", VERSION),
        "the image plan",
        {
            "version", "repoTag", "created", "mtime", "architecture", "variant", "config",
            "owner", "storeDir", "base", "storeLayers", "customisationLayer",
        },
    )
    o = fields(d["owner"], "the plan's owner", {"uid", "gid", "uname", "gname"})
    if not isinstance(d["storeLayers"], list):
        raise UserError(f"storeLayers of the image plan must be a list; got {d['storeLayers']!r}")
    if not isinstance(d["config"], dict):
        raise UserError(f"config of the image plan must be an object; got {d['config']!r}")
    return ImagePlan(
        repo_tag=str(d["repoTag"]),
        created=str(d["created"]),
        mtime=str(d["mtime"]),
        architecture=str(d["architecture"]),
        variant=optional_str(d["variant"]),
        config=dict(d["config"]),
        owner=Owner(
            integer(o["uid"], "the plan's uid"),
            integer(o["gid"], "the plan's gid"),
            string(o["uname"], "the plan's uname"),
            string(o["gname"], "the plan's gname"),
        ),
        store_dir=str(d["storeDir"]),
        base=_decode_base(d["base"]),
        store_layers=tuple(_decode_store_layer(layer) for layer in d["storeLayers"]),
        customisation_layer=_decode_blob(d["customisationLayer"], "tar"),
    )
