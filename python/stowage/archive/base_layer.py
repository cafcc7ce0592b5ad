"""The bytes of a layer read from a docker-archive, checked against its diff_id
in the same pass that copies them.

An archive can lie (diff_ids that are not its layers', a member given twice, a
flipped bit, a bad gzip CRC); Docker would only refuse the result at ``docker
load`` ("invalid diffID"). The diff_id is the digest of the uncompressed tar,
so a gzipped member is hashed as it gunzips (the member itself is copied as it
is). Plain members written to a ``HashingSink`` are hashed by the sink's own
worker thread, so the copy stays as fast as before.
"""

from __future__ import annotations

import hashlib
import zlib
from typing import IO, Iterator, Optional

from stowage import digest
from stowage.archive.docker_archive import Archive, member_of
from stowage.errors import UserError
from stowage.image.model import Layer
from stowage.output.sink import HashingSink

GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20


class _Gunzipped:
    """sha256 of what a (possibly multi-member) gzip stream decompresses to; the
    output is taken in chunks, so a gzip bomb costs time, not memory."""

    def __init__(self) -> None:
        self.hash = hashlib.sha256()
        self._inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)

    def update(self, data: bytes) -> None:
        while data:
            self.hash.update(self._inflate.decompress(data, _CHUNK))
            data = self._inflate.unconsumed_tail
            if self._inflate.eof:
                data = self._inflate.unused_data + data
                if data:
                    if data[:2] != GZIP_MAGIC:
                        raise zlib.error("data after the end of the gzip stream")
                    self._inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)

    def finish(self) -> str:
        if not self._inflate.eof:
            raise zlib.error("the gzip stream is truncated")
        return digest.of_hash(self.hash)


class _Check:
    """The running digest of one layer member, and the check at its end."""

    def __init__(self, archive: Archive, layer: Layer, first: bytes) -> None:
        self.archive, self.layer = archive, layer
        self.gunzip: Optional[_Gunzipped] = _Gunzipped() if first[:2] == GZIP_MAGIC else None
        self.copied = 0

    def update(self, data: bytes, *, plain_hash: Optional["hashlib._Hash"] = None) -> None:
        self.copied += len(data)
        try:
            if self.gunzip is not None:
                self.gunzip.update(data)
            elif plain_hash is not None:
                plain_hash.update(data)
        except zlib.error as error:
            raise self._damaged(f"its gzip data is damaged ({error})") from None

    def finish(self, plain_digest: Optional[str]) -> None:
        if self.copied != self.layer.size:
            raise self._damaged(f"it is truncated ({self.copied} of {self.layer.size} bytes)")
        if self.gunzip is not None:
            try:
                plain_digest = self.gunzip.finish()
            except zlib.error as error:
                raise self._damaged(f"its gzip data is damaged ({error})") from None
        if plain_digest != self.layer.diff_id:
            raise self._damaged(f"its digest is {plain_digest}, but the configuration says {self.layer.diff_id}")

    def _damaged(self, what: str) -> UserError:
        return UserError(
            f"{self.archive.label}: layer {member_of(self.layer)}: {what}; the archive is damaged "
            "or its configuration does not describe it (build or fetch it again)"
        )


def _open(archive: Archive, layer: Layer) -> IO[bytes]:
    return archive.open(archive.member(member_of(layer)))


def chunks(archive: Archive, layer: Layer) -> Iterator[bytes]:
    """The member's bytes as they are; after the last chunk, the digest is checked."""
    handle = _open(archive, layer)
    chunk = handle.read(_CHUNK)
    check = _Check(archive, layer, chunk)
    plain = hashlib.sha256()
    while chunk:
        check.update(chunk, plain_hash=plain)
        yield chunk
        chunk = handle.read(_CHUNK)
    check.finish(digest.of_hash(plain))


def is_gzip(archive: Archive, layer: Layer) -> bool:
    """Whether the member is stored gzipped (then it is a registry blob as it is)."""
    return _open(archive, layer).read(2) == GZIP_MAGIC


def verify(archive: Archive, layer: Layer) -> None:
    """Read the whole member and check its digest."""
    for _ in chunks(archive, layer):
        pass


def copy(archive: Archive, layer: Layer, sink: HashingSink) -> None:
    """Write the member to ``sink`` as it is, checking its digest; a plain member is
    hashed by the sink (which must not be hashing already)."""
    handle = _open(archive, layer)
    chunk = handle.read(_CHUNK)
    check = _Check(archive, layer, chunk)
    if check.gunzip is None:
        sink.begin_digest()
    while chunk:
        check.update(chunk)
        sink.write(chunk)
        chunk = handle.read(_CHUNK)
    check.finish(sink.end_digest()[0] if check.gunzip is None else None)
