"""Builder of a compressed-layer record: the digest and size of a layer as the
push sends it (see ``stowage.layers.blob``), and the blob itself only when the
image's pushCompression keeps blobs. Only an image's push depends on these
derivations, so an image that is never pushed never pays for compression, and
a layer shared by images is compressed once.

Structured attribute ``stowage`` (version 2); exactly one of the sources is set::

    {"version": 2, "format": "gzip" or "zstd", "level": int, "keep": bool,
     "zstd": the zstd program or null, "storeDir": path,
     "store": a store-layer record directory (its layer.json) or null,
     "tar": a root-layer directory (layer.tar, layer.json) or null,
     "archive": a base image's docker-archive (every layer member) or null}

Writes ``$out/blobs.json`` (and ``$out/blobs/<hex>`` when keeping).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, Optional

from stowage.archive import docker_archive
from stowage.layers import blob as layer_blob, record as layer_record, source as layer_source
from stowage.errors import UserError
from stowage.contract.jsondoc import fields, versioned
from stowage.layers import compression
from stowage.layers.compression import KEYS, Compression
from stowage.image import model
from stowage.image.model import Layer
from stowage.cli.common import run_builder

PROGRAM = "compress-layer"
VERSION = 2


def _store(directory: str, store_dir: str, how: Compression, keep: Optional[str]) -> list[layer_blob.Blob]:
    record = layer_record.read(directory)
    entry_stamp = model.owner_stamp(record.mtime, record.owner)
    source = layer_source.store_layer(store_dir, record.layer.paths, entry_stamp)
    blob = layer_blob.record(None, source, how, keep_in=keep)
    if blob.diff_id != record.layer.diff_id:
        raise UserError(f"the layer of {directory} has digest {blob.diff_id}, but its record says {record.layer.diff_id}")
    return [blob]


def _tar(directory: str, how: Compression, keep: Optional[str]) -> list[layer_blob.Blob]:
    with open(os.path.join(directory, "layer.json"), encoding="utf-8") as handle:
        recorded = fields(json.load(handle), "layer.json", {"diffId", "size"})
    tar = os.path.join(directory, "layer.tar")
    blob = layer_blob.record(None, layer_source.tar_file(tar, int(recorded["size"])), how, keep_in=keep)
    if blob.diff_id != recorded["diffId"]:
        raise UserError(f"{tar} has digest {blob.diff_id}, but its record says {recorded['diffId']}")
    return [blob]


def _archive(path: str, how: Compression, keep: Optional[str]) -> list[layer_blob.Blob]:
    """Every distinct layer member of every image in the archive."""
    layers: dict[str, Layer] = {}
    with docker_archive.open_archive(path) as archive:
        for image in archive.images():
            for layer in image.layers:
                layers.setdefault(docker_archive.member_of(layer), layer)
    blobs = []
    for member, layer in layers.items():
        source = layer_source.archive_member(layer)
        gzipped = layer_source.member_is_gzip(layer)
        blobs.append(layer_blob.record(member, source, how, gzipped, keep_in=keep))
    return blobs


def build(doc: Any, out: str) -> None:
    what = "the compressed-layer request"
    d = fields(versioned(doc, what, VERSION), what, {"version", "storeDir", "store", "tar", "archive"} | KEYS)
    how = compression.parse(d, what)
    keep = out if how.keep else None
    if d["store"] is not None:
        blobs = _store(str(d["store"]), str(d["storeDir"]), how, keep)
    elif d["tar"] is not None:
        blobs = _tar(str(d["tar"]), how, keep)
    elif d["archive"] is not None:
        blobs = _archive(str(d["archive"]), how, keep)
    else:
        raise UserError(f"{what} names no source (store, tar or archive)")
    layer_blob.write(out, how, blobs)


def main(argv: Optional[list[str]] = None) -> int:
    return run_builder(PROGRAM, build)


if __name__ == "__main__":
    sys.exit(main())
