"""Layer records: what a store-layer derivation knows of its layer, so that an
image can be assembled (configuration, manifest, digests) and streamed without
hashing the layer again. The document is
``stowage.contract.records.StoreLayerRecord`` (``store-layer.json``).

The tar itself is not kept: it is made again from the store paths when an image
is streamed (see bench/README.md for the store space this saves), from the
layer's listing (``store-layer.listing``) rather than by listing the store.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from stowage.contract import listing as layer_listing, schema
from stowage.contract.plan import Owner, StoreLayer
from stowage.contract.records import StoreLayerRecord
from stowage.tar.headers import Stamp

FILE = StoreLayerRecord.FILE


@dataclass(frozen=True)
class LayerRecord:
    layer: StoreLayer
    mtime: int
    owner: Owner


def encode(paths: list[str], diff_id: str, size: int, stamp: Stamp, listing: tuple[str, int]) -> Any:
    """The record's JSON form; ``listing`` is the listing's digest and entry count."""
    owner = Owner(stamp.uid, stamp.gid, stamp.uname.decode(), stamp.gname.decode())
    found, entries = listing
    return schema.encode(StoreLayerRecord(tuple(sorted(paths)), diff_id, size, stamp.mtime, owner, entries, found))


def read(directory: str, who: str) -> LayerRecord:
    """Read the record in a store-layer derivation's output; ``who`` names errors."""
    record = schema.load(StoreLayerRecord, os.path.join(directory, FILE), who)
    found = layer_listing.Listing(os.path.join(directory, layer_listing.FILE), record.listing, record.entries)
    layer = StoreLayer(record.paths, record.diff_id, record.size, listing=found)
    return LayerRecord(layer, record.mtime, record.owner)
