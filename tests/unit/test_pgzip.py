"""Parallel gzip: a standard gzip stream, the same bytes whatever the threads."""

from __future__ import annotations

import gzip
import io
import random
import subprocess
from pathlib import Path

import pytest

from stowage.errors import UserError
from stowage.output import pgzip, stored
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
    with pgzip.compression_pool(2) as shared:
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
    with pgzip.compression_pool(2) as shared:
        with pytest.raises(RuntimeError):
            with ParallelGzipWriter(io.BytesIO(), pool=shared) as writer:
                writer.write(b"x" * (3 * BLOCK_SIZE))
                raise RuntimeError("the producer failed")
        assert shared.submit(len, b"ok").result() == 2


def _mixed(blocks: int) -> bytes:
    """Random, text and random-with-zeros blocks, and a short tail."""
    rng = random.Random(3)
    parts = []
    for n in range(blocks):
        if n % 3 == 0:
            parts.append(rng.randbytes(BLOCK_SIZE))
        elif n % 3 == 1:
            parts.append(bytes(rng.choice(b"abcd efg\n") for _ in range(BLOCK_SIZE)))
        else:
            parts.append(b"".join(rng.randbytes(3000) + bytes(300) for _ in range(BLOCK_SIZE // 3300 + 1))[:BLOCK_SIZE])
    return b"".join(parts) + rng.randbytes(70_000)


def test_recorded_choices_give_the_same_bytes_without_testing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A push writes each block as the record says: the same bytes as the
    record's run, and no block is tested again."""
    data = _mixed(4)
    raw = io.BytesIO()
    with ParallelGzipWriter(raw, threads=2) as writer:
        writer.write(data)
    choices = writer.choices
    assert len(choices) == 4 * 4 + 1 and set(choices) == {"d", "r", "s"}

    def untested(block: bytes) -> str:
        raise AssertionError("a block with a recorded choice was tested")

    monkeypatch.setattr(stored, "choose", untested)
    again = io.BytesIO()
    with ParallelGzipWriter(again, threads=2, blocks=choices) as writer:
        writer.write(data)
    assert again.getvalue() == raw.getvalue()
    assert gzip.decompress(again.getvalue()) == data


@pytest.mark.parametrize("choices", ["", "ssss", "s" * 16 + "dd", "x" * 17, "s" * 17 + "s"])
def test_choices_that_do_not_fit_are_refused(choices: str) -> None:
    with pytest.raises(UserError, match="recorded choices of the gzip blocks .* do not fit the layer: rebuild"):
        with ParallelGzipWriter(io.BytesIO(), threads=2, blocks=choices) as writer:
            writer.write(_mixed(4))


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
