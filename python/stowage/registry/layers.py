"""A blob checked as it streams: its sha256 and size against its descriptor, and,
for a layer, its bytes decompressed (gzip, any number of members) and checked
against the configuration's ``diff_id``. Nothing is held whole in memory.
"""

from __future__ import annotations

import hashlib
import zlib
from typing import Callable, Optional

from stowage.digest import of_hash
from stowage.errors import UserError
from stowage.registry.manifests import GZIP_LAYERS, PLAIN_LAYERS, Descriptor
from stowage.registry.untrusted import quoted

Write = Callable[[bytes], object]
# zlib: accept a gzip header only (16 + the largest window).
_GZIP_WBITS = 16 + zlib.MAX_WBITS
#: Bounded decompression output per call: a small blob cannot expand at once into memory.
_MAX_OUT = 1 << 20


class BlobCheck:
    """Hashes and counts the blob's bytes; ``finish`` compares them to the descriptor."""

    def __init__(self, descriptor: Descriptor, what: str) -> None:
        self.descriptor = descriptor
        self.what = what
        self._hash = hashlib.sha256()
        self._size = 0

    def update(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size > self.descriptor.size:
            raise UserError(f"{self.what}: the registry sent more than the {self.descriptor.size} bytes announced")
        self._hash.update(chunk)

    def finish(self) -> None:
        if self._size != self.descriptor.size:
            raise UserError(f"{self.what}: got {self._size} of {self.descriptor.size} bytes (truncated)")
        digest = of_hash(self._hash)
        if digest != self.descriptor.digest:
            raise UserError(f"{self.what}: the content has digest {digest}, not {self.descriptor.digest}")


class _Gunzip:
    """Streaming gzip decompression of concatenated members."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._inflate = zlib.decompressobj(_GZIP_WBITS)
        self._open = False  # a member has begun and not ended

    def feed(self, chunk: bytes, write: Write) -> None:
        try:
            while chunk:
                self._open = True
                write(self._inflate.decompress(chunk, _MAX_OUT))
                chunk = self._inflate.unconsumed_tail
                if self._inflate.eof:  # the next gzip member, if any
                    chunk = self._inflate.unused_data + chunk
                    self._inflate = zlib.decompressobj(_GZIP_WBITS)
                    self._open = False
        except zlib.error as error:
            raise UserError(f"{self.what}: not valid gzip data ({error})") from None

    def finish(self) -> None:
        if self._open:
            raise UserError(f"{self.what}: the gzip stream ends early")


class LayerReceiver:
    """Takes a layer blob's chunks; writes its uncompressed tar with ``write``."""

    def __init__(self, descriptor: Descriptor, diff_id: Optional[str], write: Write, what: str) -> None:
        if descriptor.media_type not in GZIP_LAYERS | PLAIN_LAYERS:
            raise UserError(
                f"{what} has media type {quoted(descriptor.media_type)}; supported: gzip-compressed or plain tar layers"
            )
        self.what = what
        self._blob = BlobCheck(descriptor, what)
        self._gunzip = _Gunzip(what) if descriptor.media_type in GZIP_LAYERS else None
        self._diff_id = diff_id
        self._tar_hash = hashlib.sha256()
        self._write = write
        self.size = 0

    def _out(self, data: bytes) -> None:
        if data:
            self._tar_hash.update(data)
            self.size += len(data)
            self._write(data)

    def feed(self, chunk: bytes) -> None:
        self._blob.update(chunk)
        if self._gunzip is None:
            self._out(chunk)
        else:
            self._gunzip.feed(chunk, self._out)

    def finish(self) -> str:
        """Check everything; return the diff_id of what was written."""
        self._blob.finish()
        if self._gunzip is not None:
            self._gunzip.finish()
        diff_id = of_hash(self._tar_hash)
        if self._diff_id is not None and diff_id != self._diff_id:
            raise UserError(f"{self.what}: the uncompressed layer has digest {diff_id}, but the configuration says {self._diff_id}")
        return diff_id
