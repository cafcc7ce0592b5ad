"""The records that one build step writes into its output for later steps: what
a layer is (digest, size) without reading it again.

- ``store-layer.json``: a store layer's record (``store-layer``; read by
  ``stowage.layers.record``), next to its listing (``stowage.contract.listing``,
  whose digest and entry count it holds);
- ``root-layer.json``: a root layer's record (``root-layer``), next to its
  ``layer.tar``.

Parsed by ``stowage.contract.schema`` (strict, versioned; camelCase keys).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import ClassVar

from stowage.contract import schema
from stowage.contract.plan import Owner


@dataclass(frozen=True)
class StoreLayerRecord:
    DOCUMENT: ClassVar[str] = "the store layer record (store-layer.json)"
    VERSION: ClassVar[int] = 2
    FILE: ClassVar[str] = "store-layer.json"

    paths: tuple[str, ...]
    diff_id: str
    size: int
    mtime: int  # seconds since the epoch
    owner: Owner
    entries: int  # entries of the listing (the layer's, less the store's parents)
    listing: str  # sha256 of the listing file


@dataclass(frozen=True)
class RootLayerRecord:
    DOCUMENT: ClassVar[str] = "the root layer record (root-layer.json)"
    VERSION: ClassVar[int] = 1
    FILE: ClassVar[str] = "root-layer.json"

    diff_id: str
    size: int


def write_root_layer_record(directory: str, record: RootLayerRecord) -> None:
    with open(os.path.join(directory, RootLayerRecord.FILE), "w", encoding="utf-8") as handle:
        json.dump(schema.encode(record), handle, sort_keys=True)


def read_root_layer_record(directory: str, who: str) -> RootLayerRecord:
    """The record of the root layer in ``directory`` (a root-layer output)."""
    return schema.load(RootLayerRecord, os.path.join(directory, RootLayerRecord.FILE), who)
