"""Parallel gzip: a standard gzip stream, the same bytes whatever the threads."""

from __future__ import annotations

import gzip
import io
import random
import subprocess
from pathlib import Path

import pytest

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
