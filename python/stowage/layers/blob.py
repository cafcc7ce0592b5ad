"""A layer as a registry blob: its tar compressed the same way every time, and
the record of the result (``blobs.json``, written by the compressed-layer
derivations and read by the push plan).

Deterministic gzip: ``pgzip.ParallelGzipWriter`` (fixed block boundaries, no
name, no timestamp); zstd: ``zstd_blob`` (output independent of its threads);
at the format and level the image's ``pushCompression`` fixes, so the push,
which compresses again, sends exactly the recorded bytes whatever the number of
cores. A base member that is already gzipped is a blob as it is
(``compressed``). With ``keep`` the blob itself is kept next to the record
(``blobs/<hex>``), and the push sends that file instead of compressing again.

``blobs.json`` is ``stowage.contract.push_documents.BlobsRecord`` (a kept
blob's ``file`` relative to the record's directory).
"""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import Executor
from dataclasses import replace
from typing import BinaryIO, Callable, Optional, Union, cast

from stowage import digest
from stowage.errors import UserError
from stowage.contract import schema
from stowage.contract.push_documents import Blob as Blob, BlobsRecord
from stowage.layers import zstd_blob
from stowage.layers.compression import Compression
from stowage.layers.source import Source
from stowage.output.pgzip import ParallelGzipWriter
from stowage.output.sink import HashingSink

FILE = BlobsRecord.FILE
KEPT = "blobs"

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


class _Forwarder:
    """The gzip writer's output, forwarded as it is."""

    def __init__(self, forward: Forward) -> None:
        self.write = forward


def _discard(data: Data) -> None:
    """Forward of a record's compression: only the digest is kept."""


def gzip(source: Source, level: int, forward: Forward = _discard) -> tuple[str, str, int, str]:
    """Gzip the tar ``source`` writes into ``forward``; return (diff_id, digest,
    size, how each block was written)."""
    counter = _Counter(forward)
    with ParallelGzipWriter(cast(BinaryIO, counter), level=level) as gz:
        with HashingSink(gz.write) as sink:
            sink.begin_digest()
            source(sink)
            diff_id, _ = sink.end_digest()
    return diff_id, counter.digest(), counter.size, gz.choices


def send_gzip(source: Source, level: int, forward: Forward, pool: Executor, blocks: Optional[str]) -> None:
    """Gzip the tar ``source`` writes into ``forward`` on the shared ``pool``,
    each block as its record's ``blocks`` say, without hashing: a push, whose
    upload hashes what it sends and checks it against the record (the same
    compressed bytes are the same tar)."""
    with ParallelGzipWriter(cast(BinaryIO, _Forwarder(forward)), level=level, pool=pool, blocks=blocks) as gz:
        with HashingSink(gz.write, inline=True) as sink:
            source(sink)


def as_is(source: Source, forward: Forward = _discard) -> tuple[str, int]:
    """Pass an already compressed blob through; return (digest, size)."""
    counter = _Counter(forward)
    with HashingSink(counter.write) as sink:
        source(sink)
    return counter.digest(), counter.size


def compress(source: Source, compression: Compression,
             forward: Forward = _discard) -> tuple[str, str, int, Optional[str]]:
    """Compress the tar ``source`` writes into ``forward``; return (diff_id,
    digest, size, how each gzip block was written)."""
    if compression.format == "zstd":
        assert compression.zstd is not None
        return (*zstd_blob.compress(source, compression.level, compression.zstd, forward), None)
    return gzip(source, compression.level, forward)


class _Keeper:
    """Writes a blob into ``directory/blobs`` under a temporary name, then its digest."""

    def __init__(self, directory: str) -> None:
        self.directory = os.path.join(directory, KEPT)
        os.makedirs(self.directory, exist_ok=True)
        self.partial = os.path.join(self.directory, "blob.part")
        self.handle = open(self.partial, "wb")

    def write(self, data: Data) -> None:
        self.handle.write(data)

    def done(self, digest: str) -> str:
        """The kept blob's path."""
        self.handle.close()
        path = os.path.join(self.directory, digest[7:])
        os.replace(self.partial, path)
        return path


def record(key: Optional[str], source: Source, compression: Compression, *, compressed: bool = False,
           keep_in: Optional[str] = None) -> Blob:
    """The blob of ``source``, compressed (or not) to learn its digest; kept
    in ``keep_in`` when given."""
    keeper = None if keep_in is None else _Keeper(keep_in)
    forward: Forward = _discard if keeper is None else keeper.write
    blocks = None
    if compressed:
        digest, size = as_is(source, forward)
        diff_id = None
    else:
        diff_id, digest, size, blocks = compress(source, compression, forward)
    kept = None if keeper is None else keeper.done(digest)
    return Blob(key, diff_id, digest, size, compressed=compressed, file=kept, blocks=None if kept else blocks)


def write(directory: str, compression: Compression, blobs: list[Blob]) -> None:
    """Write ``blobs.json`` into ``directory`` (which may hold kept blobs already)."""
    os.makedirs(directory, exist_ok=True)
    relative = tuple(b if b.file is None else replace(b, file=os.path.relpath(b.file, directory)) for b in blobs)
    record = BlobsRecord(compression.format, compression.level, relative)
    with open(os.path.join(directory, FILE), "w", encoding="utf-8") as handle:
        json.dump(schema.encode(record), handle, sort_keys=True)


def read(directory: str, compression: Compression, who: Optional[str] = None) -> list[Blob]:
    """The blobs recorded in ``directory`` (kept ones by their full path),
    checked to be of ``compression``."""
    path = os.path.join(directory, FILE)
    record = schema.load(BlobsRecord, path, who)
    found = Compression(record.format, record.level, False, None)
    if not found.same_bytes(compression):
        raise UserError(f"{path} was compressed with {found.describe()}, not {compression.describe()}: rebuild it")
    return [b if b.file is None else replace(b, file=os.path.join(directory, b.file)) for b in record.blobs]
