"""One tar member written whole: its header (``tar.headers``, the project's one
dialect), its data, and the zero padding to the next 512-byte block. Every
writer of archive members (docker-archives, OCI archives, layers, exports) goes
through here, so the padding arithmetic lives in one place.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Protocol

from stowage.tar import headers
from stowage.tar.headers import Stamp

#: Members of the archives this project writes around layers: read-only files.
FILE_MODE = 0o444


class Writer(Protocol):
    """What members are written to (``output.sink.HashingSink`` is one)."""

    def write(self, data: bytes | memoryview) -> None: ...

    def zeros(self, count: int) -> None: ...


def end(sink: Writer, size: int) -> None:
    """Pad the data of a ``size``-byte member to a whole block."""
    if size % headers.BLOCK:
        sink.zeros(headers.padding(size))


@contextmanager
def regular(sink: Writer, name: bytes, size: int, stamp: Stamp, *, mode: int = FILE_MODE) -> Iterator[None]:
    """Write a regular file's header; the body writes its ``size`` bytes; then its padding."""
    sink.write(headers.header(name, headers.REGTYPE, mode, stamp, size=size))
    yield
    end(sink, size)


def add_bytes(sink: Writer, name: bytes, data: bytes, stamp: Stamp, *, mode: int = FILE_MODE) -> None:
    """Write a regular file member holding ``data``."""
    with regular(sink, name, len(data), stamp, mode=mode):
        sink.write(data)
