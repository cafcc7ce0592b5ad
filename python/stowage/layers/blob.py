"""A layer as a registry blob: its tar gzipped the same way every time, and the
record of the result (``blobs.json``, written by the compressed-layer
derivations and read by the push plan).

Deterministic gzip: ``pgzip.ParallelGzipWriter`` (fixed block boundaries, no
name, no timestamp) at the level the Nix side fixes, so the push, which
compresses again, sends exactly the recorded bytes whatever the number of cores.
A base member that is already gzipped is a blob as it is (``compressed``).

``blobs.json`` is ``stowage.contract.push_documents.BlobsRecord``.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import BinaryIO, Callable, Optional, Union, cast

from stowage import digest, media_types
from stowage.errors import UserError
from stowage.contract import schema
from stowage.contract.push_documents import Blob as Blob, BlobsRecord
from stowage.layers.source import Source
from stowage.output.pgzip import ParallelGzipWriter
from stowage.output.sink import HashingSink

FILE = BlobsRecord.FILE
#: Media type of a gzipped layer in an OCI manifest.
GZIP_LAYER = media_types.OCI_LAYER_GZIP

Data = Union[bytes, memoryview]
Forward = Callable[[Data], object]


class _Counter:
    """The gzip writer's output: hashed and counted, then forwarded."""

    def __init__(self, forward: Forward) -> None:
        self._forward = forward
        self._hash = hashlib.sha256()
        self.size = 0

    def write(self, data: Data) -> int:
        self._hash.update(data)
        self.size += len(data)
        self._forward(data)
        return len(data)

    def digest(self) -> str:
        return digest.of_hash(self._hash)


def _discard(data: Data) -> None:
    """Forward of a record's compression: only the digest is kept."""


def gzip(source: Source, level: int, forward: Forward = _discard) -> tuple[str, str, int]:
    """Gzip the tar ``source`` writes into ``forward``; return (diff_id, digest, size)."""
    counter = _Counter(forward)
    with ParallelGzipWriter(cast(BinaryIO, counter), level=level) as gz:
        with HashingSink(gz.write) as sink:
            sink.begin_digest()
            source(sink)
            diff_id, _ = sink.end_digest()
    return diff_id, counter.digest(), counter.size


def as_is(source: Source, forward: Forward = _discard) -> tuple[str, int]:
    """Pass an already compressed blob through; return (digest, size)."""
    counter = _Counter(forward)
    with HashingSink(counter.write) as sink:
        source(sink)
    return counter.digest(), counter.size


def record(key: Optional[str], source: Source, level: int, compressed: bool = False) -> Blob:
    """The blob of ``source``, compressed (or not) only to learn its digest."""
    if compressed:
        digest, size = as_is(source)
        return Blob(key, None, digest, size, True)
    diff_id, digest, size = gzip(source, level)
    return Blob(key, diff_id, digest, size)


def write(directory: str, level: int, blobs: list[Blob]) -> None:
    os.mkdir(directory)
    with open(os.path.join(directory, FILE), "w", encoding="utf-8") as handle:
        json.dump(schema.encode(BlobsRecord(level, tuple(blobs))), handle, sort_keys=True)


def read(directory: str, level: int, who: Optional[str] = None) -> list[Blob]:
    """The blobs recorded in ``directory``, checked to be of compression ``level``."""
    path = os.path.join(directory, FILE)
    record = schema.load(BlobsRecord, path, who)
    if record.level != level:
        raise UserError(f"{path} was compressed at level {record.level}, not {level}: rebuild it")
    return list(record.blobs)
