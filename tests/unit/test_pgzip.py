"""Parallel gzip: a standard gzip stream, the same bytes whatever the threads."""

from __future__ import annotations

import gzip
import io
import random
import subprocess
from pathlib import Path

import pytest

from stowage.output import pgzip
from stowage.output.pgzip import BLOCK_SIZE, ParallelGzipWriter


def _compress(data: bytes, threads: int, piece: int = 70_000) -> bytes:
    raw = io.BytesIO()
    with ParallelGzipWriter(raw, threads=threads) as writer:
        for offset in range(0, len(data), piece):
            writer.write(memoryview(data)[offset : offset + piece])
    return raw.getvalue()


@pytest.mark.parametrize("size", [0, 1, BLOCK_SIZE - 1, BLOCK_SIZE, 2 * BLOCK_SIZE, 3 * BLOCK_SIZE + 12345])
def test_round_trip_and_thread_independence(size: int) -> None:
    rng = random.Random(size)
    data = bytes(rng.getrandbits(8) for _ in range(min(size, 4096))) * (size // 4096 + 1)
    data = data[:size]
    outputs = {_compress(data, threads) for threads in (1, 2, 3)}
    assert len(outputs) == 1
    assert gzip.decompress(outputs.pop()) == data


def test_writers_sharing_a_pool_give_each_its_own_bytes() -> None:
    """A push compresses several blobs on one pool: each stream is the one its
    writer would make alone, and the pool outlives them."""
    rng = random.Random(7)
    texts = [bytes(rng.choice(b"abc \n") for _ in range(BLOCK_SIZE + 999 * n)) for n in range(3)]
    with pgzip.pool(2) as shared:
        raws = [io.BytesIO() for _ in texts]
        writers = [ParallelGzipWriter(raw, threads=2, pool=shared) for raw in raws]
        for offset in range(0, max(map(len, texts)), 300_000):  # interleaved, as threads would
            for writer, text in zip(writers, texts, strict=True):
                writer.write(text[offset : offset + 300_000])
        for writer in writers:
            writer.close()
        assert shared.submit(len, b"still running").result() == 13
    assert [raw.getvalue() for raw in raws] == [_compress(text, 1) for text in texts]


def test_a_failed_writer_on_a_shared_pool_leaves_it_running() -> None:
    with pgzip.pool(2) as shared:
        with pytest.raises(RuntimeError):
            with ParallelGzipWriter(io.BytesIO(), pool=shared) as writer:
                writer.write(b"x" * (3 * BLOCK_SIZE))
                raise RuntimeError("the producer failed")
        assert shared.submit(len, b"ok").result() == 2


def test_header_has_no_name_and_no_time(tmp_path: Path) -> None:
    out = _compress(b"x" * 1000, 2)
    assert out[:4] == b"\x1f\x8b\x08\x00" and out[4:8] == b"\0\0\0\0"
    path = tmp_path / "x.gz"
    path.write_bytes(out)
    subprocess.run(["gzip", "-t", str(path)], check=True)


def test_ratio_close_to_single_threaded_gzip() -> None:
    text = b" ".join(b"word%d" % (i % 5000) for i in range(600_000))
    ours = len(_compress(text, 2))
    reference = len(gzip.compress(text, 6))
    assert ours <= reference * 1.02
