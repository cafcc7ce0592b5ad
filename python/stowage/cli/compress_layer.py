"""Builder of a compressed-layer record: the digest and size of a layer as the
push sends it (see ``stowage.layers.blob``), and the blob itself only when the
image's pushCompression keeps blobs. Only an image's push depends on these
derivations, so an image that is never pushed never pays for compression, and
a layer shared by images is compressed once.

Its request is ``stowage.contract.step_requests.CompressRequest``; exactly one
of the sources (a store-layer record, a root layer, a base's docker-archive) is set.

Writes ``$out/blobs.json`` (and ``$out/blobs/<hex>`` when keeping).
"""

from __future__ import annotations

import os
import sys
from typing import Optional

from stowage.archive import docker_archive
from stowage.layers import blob as layer_blob, compression, record as layer_record, source as layer_source
from stowage.errors import UserError
from stowage.output import allocator
from stowage.contract.records import read_root_layer_record
from stowage.contract.push_documents import RegistryOrigin
from stowage.contract.step_requests import CompressRequest
from stowage.image import model
from stowage.image.model import Layer
from stowage.layers.compression import Compression
from stowage.cli.common import Step, run_builder

PROGRAM = "compress-layer"


def _store(directory: str, store_dir: str, how: Compression, *, keep: Optional[str], who: str) -> list[layer_blob.Blob]:
    record = layer_record.read(directory, who)
    entry_stamp = model.owner_stamp(record.mtime, record.owner)
    source = layer_source.store_layer(store_dir, record.layer.paths, entry_stamp, record.layer.listing)
    blob = layer_blob.record(None, source, how, keep_in=keep)
    if blob.diff_id != record.layer.diff_id:
        raise UserError(f"the layer of {directory} has digest {blob.diff_id}, but its record says {record.layer.diff_id}")
    return [blob]


def _tar(directory: str, how: Compression, *, keep: Optional[str], who: str) -> list[layer_blob.Blob]:
    recorded = read_root_layer_record(directory, who)
    tar = os.path.join(directory, "layer.tar")
    blob = layer_blob.record(None, layer_source.tar_file(tar, recorded.size), how, keep_in=keep)
    if blob.diff_id != recorded.diff_id:
        raise UserError(f"{tar} has digest {blob.diff_id}, but its record says {recorded.diff_id}")
    return [blob]


def _archive(path: str, how: Compression, *, keep: Optional[str]) -> list[layer_blob.Blob]:
    """Every distinct layer member of every image in the archive; a layer whose
    registry blob the archive records (pullImage) is that blob, not compressed."""
    layers: dict[str, Layer] = {}
    with docker_archive.open_archive(path) as archive:
        for image in archive.images():
            for layer in image.layers:
                layers.setdefault(docker_archive.member_of(layer), layer)
    blobs = []
    for member, layer in layers.items():
        if layer.blob is not None and layer.blob.repository is not None:  # pulled: the registry's blob
            b, origin = layer.blob, RegistryOrigin(layer.blob.repository, layer.blob.media_type)
            blobs.append(layer_blob.Blob(member, layer.diff_id, b.digest, b.size, compressed=True, origin=origin))
            continue
        source = layer_source.archive_member(layer)
        gzipped = layer_source.member_is_gzip(layer)
        blobs.append(layer_blob.record(member, source, how, compressed=gzipped, keep_in=keep))
    return blobs


def build(step: Step[CompressRequest]) -> None:
    r = step.request
    allocator.keep_freed_memory()
    how = compression.check(r.compression, r.builder, CompressRequest.DOCUMENT)
    keep = step.out if how.keep else None
    if r.store is not None:
        blobs = _store(r.store, r.store_dir, how, keep=keep, who=r.builder)
    elif r.tar is not None:
        blobs = _tar(r.tar, how, keep=keep, who=r.builder)
    elif r.archive is not None:
        blobs = _archive(r.archive, how, keep=keep)
    else:
        raise UserError(f"{CompressRequest.DOCUMENT} names no source (store, tar or archive)")
    layer_blob.write(step.out, how, blobs)


def main(argv: Optional[list[str]] = None) -> int:
    return run_builder(PROGRAM, CompressRequest, build)


if __name__ == "__main__":
    sys.exit(main())
