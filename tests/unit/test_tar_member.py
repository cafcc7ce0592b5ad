"""The one tar member writer (stowage.tar.member), read back by tarfile and GNU tar."""

from __future__ import annotations

import io
import subprocess
import tarfile

import pytest

from stowage.tar import headers, member
from stowage.tar.headers import Stamp

STAMP = Stamp(1, 0, 0, b"", b"")


class Collect:
    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, data: bytes | memoryview) -> None:
        self.data += data

    def zeros(self, count: int) -> None:
        self.data += bytes(count)


@pytest.mark.parametrize("size", [0, 1, 511, 512, 513, 2000])
def test_members_are_padded_to_whole_blocks_and_read_back(size: int) -> None:
    sink = Collect()
    data = bytes(range(256)) * (size // 256) + bytes(range(size % 256))
    member.add_bytes(sink, b"blob", data, STAMP)
    with member.regular(sink, b"second", 3, STAMP, mode=0o555):
        sink.write(b"abc")
    sink.write(headers.END_OF_ARCHIVE)
    assert len(sink.data) % headers.BLOCK == 0
    with tarfile.open(fileobj=io.BytesIO(bytes(sink.data)), mode="r:") as tar:
        first, second = tar.getmembers()
        assert (first.name, first.mode, first.size) == ("blob", 0o444, size)
        assert tar.extractfile(first).read() == data  # type: ignore[union-attr]
        assert (second.name, second.mode) == ("second", 0o555)
        assert tar.extractfile(second).read() == b"abc"  # type: ignore[union-attr]
    listing = subprocess.run(["tar", "-tvf", "-"], input=bytes(sink.data), capture_output=True, check=True)
    assert listing.stdout.decode().split("\n")[0].split()[2] == str(size)


def test_a_failing_body_writes_no_padding() -> None:
    sink = Collect()
    with pytest.raises(RuntimeError):
        with member.regular(sink, b"f", 10, STAMP):
            sink.write(b"abc")
            raise RuntimeError("the source vanished")
    assert len(sink.data) == headers.BLOCK + 3
