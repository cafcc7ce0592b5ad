"""The hashing sink (stowage.output.sink): bytes out in order, digests of stretches."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Callable

import pytest

from stowage.output import sink as sink_module
from stowage.errors import UserError
from stowage.output.sink import BUFFER_SIZE, HashingSink, fd_output


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("inline", [False, True])
def test_the_digest_covers_only_the_stretch(inline: bool) -> None:
    out = bytearray()
    before, body, after = b"head" * 1000, bytes(range(256)) * 9000, b"tail"
    with HashingSink(out.extend, inline=inline) as sink:
        sink.write(before)
        sink.begin_digest()
        sink.write(body)
        digest, count = sink.end_digest()
        sink.write(after)
    assert bytes(out) == before + body + after
    assert (digest, count) == (sha256(body), len(body))
    assert sink.written == len(out)


@pytest.mark.parametrize("inline", [False, True])
def test_two_stretches_in_one_output(inline: bool) -> None:
    out = bytearray()
    one, two = b"a" * (BUFFER_SIZE + 7), b"b" * 3
    with HashingSink(out.extend, inline=inline) as sink:
        sink.begin_digest()
        sink.write(one)
        first = sink.end_digest()
        sink.zeros(5)
        sink.begin_digest()
        sink.write(two)
        second = sink.end_digest()
    assert bytes(out) == one + bytes(5) + two
    assert (first, second) == ((sha256(one), len(one)), (sha256(two), len(two)))


def test_copy_file_across_buffers(tmp_path: Path) -> None:
    data = os.urandom(2 * BUFFER_SIZE + 12345)
    path = tmp_path / "f"
    path.write_bytes(data)
    out = bytearray()
    with HashingSink(out.extend) as sink:
        sink.write(b"x" * 1000)  # the file starts mid-buffer
        sink.begin_digest()
        sink.copy_file(os.fsencode(path), len(data))
        digest, count = sink.end_digest()
    assert bytes(out) == b"x" * 1000 + data
    assert (digest, count) == (sha256(data), len(data))


def _short_readv(most: int) -> Callable[[int, list[memoryview]], int]:
    """An ``os.readv`` that brings at most ``most`` bytes a call, as FUSE or a
    network file system may."""

    def short_readv(fd: int, buffers: list[memoryview]) -> int:
        chunk = os.read(fd, min(len(buffers[0]), most))
        buffers[0][: len(chunk)] = chunk
        return len(chunk)

    return short_readv


def test_short_reads_give_the_same_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A read may return less than asked (FUSE, network file systems)."""
    data = os.urandom(300_000)
    path = tmp_path / "f"
    path.write_bytes(data)

    monkeypatch.setattr(os, "readv", _short_readv(1000))
    out = bytearray()
    with HashingSink(out.extend) as sink:
        sink.copy_file(os.fsencode(path), len(data))
    assert bytes(out) == data


def test_a_file_shorter_than_announced_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"12345")
    with HashingSink(bytearray().extend) as sink:
        with pytest.raises(UserError, match=f"{path} changed while it was read: 5 of 9 bytes"):
            sink.copy_file(os.fsencode(path), 9)


def test_a_file_longer_than_announced_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * (BUFFER_SIZE + 1))
    with HashingSink(bytearray().extend) as sink:
        with pytest.raises(UserError, match=f"{path} changed while it was read: it grew"):
            sink.copy_file(os.fsencode(path), BUFFER_SIZE)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with HashingSink(bytearray().extend) as sink:
        with pytest.raises(UserError, match=f"cannot read {tmp_path}/gone: No such file"):
            sink.copy_file(os.fsencode(tmp_path / "gone"), 1)


def test_a_symlink_is_not_followed(tmp_path: Path) -> None:
    (tmp_path / "target").write_bytes(b"x")
    (tmp_path / "link").symlink_to("target")
    with HashingSink(bytearray().extend) as sink:
        with pytest.raises(UserError, match=f"cannot read {tmp_path}/link"):
            sink.copy_file(os.fsencode(tmp_path / "link"), 1)


def test_nothing_more_is_written_after_an_error() -> None:
    out = bytearray()
    with pytest.raises(RuntimeError):
        with HashingSink(out.extend) as sink:
            sink.write(b"buffered")
            raise RuntimeError("the caller failed")
    assert out == b""


def test_an_output_error_reaches_the_caller() -> None:
    def broken(data: memoryview) -> None:
        raise BrokenPipeError("reader went away")

    with pytest.raises(BrokenPipeError):
        with HashingSink(broken) as sink:
            sink.write(b"x" * (3 * BUFFER_SIZE))


def test_fd_output_finishes_partial_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: write(fd, data[:100]))
    data = os.urandom(10_000)
    path = tmp_path / "out"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT)
    try:
        with HashingSink(sink_module.fd_output(fd)) as sink:
            sink.write(data)
    finally:
        os.close(fd)
    assert path.read_bytes() == data


def test_fd_output_writes_in_order(tmp_path: Path) -> None:
    data = os.urandom(5 * BUFFER_SIZE + 3)
    path = tmp_path / "out"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT)
    try:
        with HashingSink(fd_output(fd)) as sink:
            for start in range(0, len(data), 77_777):
                sink.write(data[start : start + 77_777])
    finally:
        os.close(fd)
    assert path.read_bytes() == data


@pytest.mark.parametrize("size", [100, 4 * sink_module.DIRECT_MIN])  # buffered, and by sendfile
def test_a_full_disk_is_an_output_error(tmp_path: Path, size: int) -> None:
    from stowage.output.sink import OutputError

    source = tmp_path / "file"
    source.write_bytes(b"x" * size)
    fd = os.open("/dev/full", os.O_WRONLY)
    try:
        with pytest.raises(OutputError, match="No space left on device"):
            with HashingSink(fd_output(fd), direct_fd=fd) as sink:
                sink.file(os.fsencode(source), size)
    finally:
        os.close(fd)


@pytest.mark.parametrize("inline", [False, True])
@pytest.mark.parametrize("size", [0, 1, 511, 512, 1000, sink_module.DIRECT_MIN - 1, sink_module.DIRECT_MIN + 1])
def test_member_is_header_data_and_padding(tmp_path: Path, size: int, inline: bool) -> None:
    data = os.urandom(size)
    (tmp_path / "f").write_bytes(data)
    out = bytearray()
    with HashingSink(out.extend, inline=inline) as sink:
        sink.write(b"y" * (BUFFER_SIZE - 700))  # the second member crosses a buffer's end
        for _ in range(2):
            sink.member(b"h" * 512, os.fsencode(tmp_path / "f"), size)
    member = b"h" * 512 + data + bytes(-size % 512)
    assert bytes(out) == b"y" * (BUFFER_SIZE - 700) + member + member


def test_member_of_a_changed_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"12345")
    with HashingSink(bytearray().extend) as sink:
        with pytest.raises(UserError, match=f"{path} changed while it was read: 5 of 9 bytes"):
            sink.member(bytes(512), os.fsencode(path), 9)
        with pytest.raises(UserError, match=f"{path} changed while it was read: it grew"):
            sink.member(bytes(512), os.fsencode(path), 4)
        with pytest.raises(UserError, match=f"cannot read {tmp_path}/gone: No such file"):
            sink.member(bytes(512), os.fsencode(tmp_path / "gone"), 1)

    monkeypatch.setattr(os, "readv", _short_readv(2))
    out = bytearray()
    with HashingSink(out.extend) as sink:
        sink.member(b"h" * 512, os.fsencode(path), 5)
    assert bytes(out) == b"h" * 512 + b"12345" + bytes(507)
