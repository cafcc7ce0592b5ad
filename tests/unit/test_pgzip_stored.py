"""Parallel gzip's stored blocks: data deflate cannot shrink is stored, not
deflated; compressible data gives the same bytes as before; every reader reads it."""

from __future__ import annotations

import gzip
import hashlib
import io
import random
import subprocess
import zlib
from pathlib import Path

import pytest

from stowage.output import stored
from stowage.output.stored import Kind, Segment
from stowage.output.pgzip import BLOCK_SIZE, ParallelGzipWriter

#: sha256 of the gzip of the samples below, as written before stored blocks
#: existed (and so by every release since pgzip's 1 MiB blocks).
TEXT_DIGEST = "c637303d84632f1e4e1d1ddce6d092c7c659fc235d231eb3e0db138a62ec0475"
BINARY_DIGEST = "ac586f1b33a614f5319f2926f1d02965388226a3734d19c2075abb443bfb8280"
EMPTY = bytes.fromhex("1f8b08000000000000ff" "0300" "0000000000000000")


def _compress(data: bytes, threads: int = 2, piece: int = 100_000) -> bytes:
    raw = io.BytesIO()
    with ParallelGzipWriter(raw, threads=threads) as writer:
        for offset in range(0, len(data), piece):
            writer.write(memoryview(data)[offset : offset + piece])
    return raw.getvalue()


def _text() -> bytes:
    return b" ".join(b"word%d" % (i % 5000) for i in range(600_000))


def _binary() -> bytes:
    rng = random.Random(13)
    return bytes(rng.choices(b"\x00\x00\x00\x00\x48\x89\xe5\xff\x0f\x1f\x44\xc3\x01\x02\x08\x10", k=2_500_000))


def _random(size: int, seed: int = 1) -> bytes:
    return random.Random(seed).randbytes(size)


def _kind(incompressible: bool) -> Kind:
    return Kind.STORED if incompressible else Kind.DEFLATE


def _read_by_all(out: bytes, data: bytes, tmp_path: Path) -> None:
    assert gzip.decompress(out) == data
    assert zlib.decompress(out, 31) == data
    path = tmp_path / "x.gz"
    path.write_bytes(out)
    assert subprocess.run(["gzip", "-dc", str(path)], capture_output=True, check=True).stdout == data


def _overhead(size: int) -> int:
    """Header, trailer and one 5-byte header per stored block of a random ``size``."""
    full, rest = divmod(size, BLOCK_SIZE)
    per_block = -(-BLOCK_SIZE // stored.MAX_STORED)
    return 10 + 8 + 5 * (full * per_block + -(-rest // stored.MAX_STORED))


@pytest.mark.parametrize(("sample", "expected"), [(_text, TEXT_DIGEST), (_binary, BINARY_DIGEST)])
def test_compressible_data_gives_the_bytes_of_before(sample: object, expected: str, tmp_path: Path) -> None:
    data = sample()  # type: ignore[operator]
    out = _compress(data)
    assert hashlib.sha256(out).hexdigest() == expected
    assert len(out) < len(data) * 0.6
    _read_by_all(out, data, tmp_path)


def test_empty_input_is_the_empty_member_of_before(tmp_path: Path) -> None:
    assert _compress(b"") == EMPTY
    _read_by_all(EMPTY, b"", tmp_path)


@pytest.mark.parametrize("size", [stored.MIN_BLOCK, BLOCK_SIZE - 1, BLOCK_SIZE, BLOCK_SIZE + 1, 3 * BLOCK_SIZE + 12345])
def test_random_data_is_stored(size: int, tmp_path: Path) -> None:
    data = _random(size)
    outputs = {_compress(data, threads) for threads in (1, 2, 3)}
    assert len(outputs) == 1
    out = outputs.pop()
    # A last block that is empty or too short to test is deflated (2 bytes for
    # an empty one). zlib at level 6 would have written stored blocks of 16 KiB:
    # 235 bytes more per MiB, 10 more for 64 KiB.
    rest = size % BLOCK_SIZE
    deflated_tail = 2 if rest == 0 else 16 if rest < stored.MIN_BLOCK else 0
    assert len(out) <= size + _overhead(size) + deflated_tail
    _read_by_all(out, data, tmp_path)


def test_a_mix_of_blocks_stores_only_the_random_ones(tmp_path: Path) -> None:
    text = _text()[:BLOCK_SIZE]
    blocks = [text, _random(BLOCK_SIZE, 2), text, _random(BLOCK_SIZE, 3), text[:5000]]
    data = b"".join(blocks)
    out = _compress(data)
    assert [stored.incompressible(b) for b in blocks] == [False, True, False, True, False]
    # Two stored blocks, the text blocks (with each other's dictionary) far smaller.
    assert 2 * BLOCK_SIZE < len(out) < 2 * BLOCK_SIZE + len(text) * 2 // 3
    assert len({_compress(data, threads) for threads in (1, 3)}) == 1
    _read_by_all(out, data, tmp_path)


@pytest.mark.parametrize("tail", [0, -1, 300_000])
def test_a_block_of_both_kinds_stores_its_random_quarters(tail: int, tmp_path: Path) -> None:
    half = BLOCK_SIZE // 2
    text = _text()
    noise = _random(half + max(tail, 0), 5)
    for first, second in ((text[:half], noise), (noise[:half], text[half : 2 * half + tail])):
        data = first + second + (text[:tail] if tail > 0 else b"")
        random_bytes = len(noise) if second is noise else half
        kinds = [stored.incompressible(first), stored.incompressible(second[:half])]
        block = data[:BLOCK_SIZE]
        assert stored.segments(block) == [Segment(0, len(block) // 2, _kind(kinds[0])), Segment(len(block) // 2, len(block), _kind(kinds[1]))]
        out = _compress(data)
        assert len({out, _compress(data, 1), _compress(data, 3)}) == 1
        assert random_bytes < len(out) < random_bytes + 1000 + 0.4 * (len(data) - random_bytes)
        _read_by_all(out, data, tmp_path)


def test_the_test_sees_what_deflate_can_shrink() -> None:
    noise = bytearray(_random(BLOCK_SIZE, 4))
    assert stored.incompressible(bytes(noise))
    assert not stored.incompressible(bytes(noise[: stored.MIN_BLOCK - 1]))
    noise[::50] = bytes(len(noise[::50]))  # 2 % zeros, as tar headers among small files
    assert not stored.incompressible(bytes(noise))
    assert stored.segments(bytes(noise)) == [Segment(0, BLOCK_SIZE, Kind.DEFLATE)]
    assert not stored.incompressible(_binary()[:BLOCK_SIZE])
    assert not stored.incompressible(bytes(BLOCK_SIZE))
    for period in (256, 251, 4000):  # every byte as often, but repeated
        table = _random(period, period)
        assert not stored.incompressible(table * (BLOCK_SIZE // period))


def test_stored_blocks_are_raw_deflate() -> None:
    data = _random(3 * stored.MAX_STORED + 7)
    for last in (False, True):
        raw = stored.stored(data, last)
        assert len(raw) == len(data) + 4 * 5
        inflater = zlib.decompressobj(-15)
        assert inflater.decompress(raw) == data
        assert inflater.eof is last
