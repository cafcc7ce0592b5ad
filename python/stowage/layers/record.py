"""Layer records: what a store-layer derivation knows of its layer, so that an
image can be assembled (configuration, manifest, digests) and streamed without
hashing the layer again.

``layer.json`` (version 1)::

    {"version": 1, "paths": [store paths], "diffId": "sha256:...", "size": n,
     "mtime": seconds, "owner": {"uid", "gid", "uname", "gname"}}

The tar itself is not kept: it is made again from the store paths when an image
is streamed (see bench/README.md for the store space this saves).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from stowage.errors import UserError
from stowage.contract.jsondoc import fields, versioned
from stowage.contract.plan import Owner, StoreLayer
from stowage.tar.headers import Stamp

VERSION = 1
FILE = "layer.json"


@dataclass(frozen=True)
class LayerRecord:
    layer: StoreLayer
    mtime: int
    owner: Owner


def encode(paths: list[str], diff_id: str, size: int, stamp: Stamp) -> dict[str, Any]:
    return {
        "version": VERSION,
        "paths": sorted(paths),
        "diffId": diff_id,
        "size": size,
        "mtime": stamp.mtime,
        "owner": {"uid": stamp.uid, "gid": stamp.gid, "uname": stamp.uname.decode(), "gname": stamp.gname.decode()},
    }


def read(directory: str) -> LayerRecord:
    """Read the record in a store-layer derivation's output."""
    path = os.path.join(directory, FILE)
    try:
        with open(path, encoding="utf-8") as handle:
            doc = json.load(handle)
    except (OSError, ValueError) as error:
        raise UserError(f"cannot read the layer record {path}: {error}") from None
    d = fields(versioned(doc, path, VERSION), path, {"version", "paths", "diffId", "size", "mtime", "owner"})
    o = fields(d["owner"], path, {"uid", "gid", "uname", "gname"})
    return LayerRecord(
        StoreLayer(tuple(str(p) for p in d["paths"]), str(d["diffId"]), int(d["size"])),
        int(d["mtime"]),
        Owner(int(o["uid"]), int(o["gid"]), str(o["uname"]), str(o["gname"])),
    )
