"""A tar archive written to a seekable file, for members whose size is known only
once their data is written (a layer decompressed while it downloads): a header
block is reserved, the data written, then the header filled in.

Headers come from ``tarformat`` (the project's one dialect), with a fixed time
and owner. Member names are short, so a header is one block; a member of 8 GiB
or more (which would need a PAX size record) is refused.
"""

from __future__ import annotations

from typing import BinaryIO

from stowage.tar import headers as tarformat
from stowage.errors import UserError
from stowage.tar.headers import BLOCK, Stamp

#: Every member: mtime 1 (as the other archives here), owner 0, no owner names.
STAMP = Stamp(1, 0, 0, b"", b"")
_MODE = 0o444


class Member:
    """An open member: ``write`` its data, ``rewind`` to start it again, ``close``."""

    def __init__(self, handle: BinaryIO, name: str) -> None:
        self._handle = handle
        self.name = name
        self._start = handle.tell()
        self.size = 0
        handle.write(bytes(BLOCK))

    def write(self, data: bytes) -> None:
        self._handle.write(data)
        self.size += len(data)

    def rewind(self) -> None:
        """Forget the data written so far (a download starts again)."""
        self._handle.seek(self._start + BLOCK)
        self._handle.truncate()
        self.size = 0

    def close(self) -> None:
        header = tarformat.header(self.name.encode(), tarformat.REGTYPE, _MODE, STAMP, size=self.size)
        if len(header) != BLOCK:
            raise UserError(f"member {self.name} is {self.size} bytes: too large for this archive writer (8 GiB)")
        self._handle.write(bytes(tarformat.padding(self.size)))
        end = self._handle.tell()
        self._handle.seek(self._start)
        self._handle.write(header)
        self._handle.seek(end)


class SeekableTar:
    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle

    def open_member(self, name: str) -> Member:
        return Member(self._handle, name)

    def add(self, name: str, data: bytes) -> None:
        member = self.open_member(name)
        member.write(data)
        member.close()

    def finish(self) -> None:
        self._handle.write(tarformat.END_OF_ARCHIVE)
