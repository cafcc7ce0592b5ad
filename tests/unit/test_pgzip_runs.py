"""Parallel gzip's run-length tier: random bytes with runs of one byte between
them (small random or compressed files among their zero-filled tar headers and
padding) are deflated with zlib's run-length strategy at levels up to 6; text,
code and binaries are deflated as before; every reader reads a stream of mixed
tiers."""

from __future__ import annotations

import io
import random
import tarfile
import zlib
from pathlib import Path

import pytest

from stowage.output import pgzip, stored
from stowage.output.pgzip import BLOCK_SIZE, ParallelGzipWriter
from stowage.output.stored import Kind, Segment
from test_pgzip_stored import _read_by_all


def _compress(data: bytes, level: int = 6, threads: int = 2) -> bytes:
    raw = io.BytesIO()
    with ParallelGzipWriter(raw, level=level, threads=threads) as writer:
        writer.write(data)
    return raw.getvalue()


def _small_files(size: int, seed: int, smallest: int = 1024, largest: int = 10240) -> bytes:
    """A tar of random files of ``smallest`` to ``largest`` bytes under store-like
    names (with seed 4, every quarter of its first three blocks passes the test:
    the test samples, and some other seeds have a quarter that fails)."""
    rng = random.Random(seed)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as archive:
        while raw.tell() < size:
            info = tarfile.TarInfo(f"nix/store/{rng.randbytes(16).hex()}-data/share/file{raw.tell()}")
            info.size, info.mtime = rng.randrange(smallest, largest), 1
            archive.addfile(info, io.BytesIO(rng.randbytes(info.size)))
    return raw.getvalue()[:size]


def _text(size: int) -> bytes:
    return b" ".join(b"word%d" % (i % 5000) for i in range(size // 7))[:size]


def _deflated(data: bytes, level: int, strategy: int, memory: int) -> int:
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15, memory, strategy)
    return len(compressor.compress(data) + compressor.flush())


def test_small_random_files_are_deflated_with_runs(tmp_path: Path) -> None:
    data = _small_files(3 * BLOCK_SIZE, 4)
    blocks = [data[start : start + BLOCK_SIZE] for start in range(0, len(data), BLOCK_SIZE)]
    assert all(stored.segments(block) == [Segment(0, BLOCK_SIZE, Kind.RUNS)] for block in blocks)
    outputs = {_compress(data, threads=threads) for threads in (1, 2, 3)}
    assert len(outputs) == 1
    out = outputs.pop()
    # Nearly what the default strategy makes (the tar headers' names are not
    # matched), and far less than Huffman coding alone or storing.
    default = _deflated(data, 6, zlib.Z_DEFAULT_STRATEGY, 8)
    assert default < len(out) < default * 1.025 < _deflated(data, 6, zlib.Z_HUFFMAN_ONLY, 9)
    _read_by_all(out, data, tmp_path)


def test_levels_over_6_keep_the_default_strategy() -> None:
    block = _small_files(BLOCK_SIZE, 4)
    assert stored.segments(block) == [Segment(0, BLOCK_SIZE, Kind.RUNS)]
    assert pgzip._deflate(block, b"", 6, True, None) == (pgzip._zlib(block, b"", 6, True, runs=True), "rrrr")
    for level in (7, 9):
        assert pgzip._deflate(block, b"", level, True, None) == (pgzip._zlib(block, b"", level, True), "rrrr")


@pytest.mark.parametrize("sample", ["text", "tar of text", "sparse random", "program"])
def test_compressible_blocks_are_not_deflated_with_runs(sample: str) -> None:
    rng = random.Random(7)
    if sample == "text":
        data = _text(BLOCK_SIZE)
    elif sample == "tar of text":  # text files between the same tar headers
        noise = _small_files(BLOCK_SIZE, 3)
        data = bytes(byte if byte in (0, 48) else 97 + byte % 20 for byte in noise)
    elif sample == "sparse random":  # random bytes, single zeros: no runs
        data = bytes(byte if i % 40 else 0 for i, byte in enumerate(rng.randbytes(BLOCK_SIZE)))
    else:  # the largest program of this machine's /usr/bin
        data = _largest_program(Path("/usr/bin")).read_bytes()[:BLOCK_SIZE]
        assert len(data) >= 4 * stored.MIN_BLOCK
    assert all(part.kind is not Kind.RUNS for part in stored.segments(data))


def _is_program(path: Path) -> bool:
    if not path.is_file() or path.is_symlink():
        return False
    with path.open("rb") as handle:
        return handle.read(4) == b"\x7fELF"


def _largest_program(directory: Path) -> Path:
    return max(filter(_is_program, sorted(directory.iterdir())), key=lambda path: path.stat().st_size)


def test_tiers_mix_in_one_member(tmp_path: Path) -> None:
    half = BLOCK_SIZE // 2
    small, text, noise = _small_files(2 * BLOCK_SIZE, 4), _text(BLOCK_SIZE), random.Random(5).randbytes(BLOCK_SIZE)
    blocks = [text, small[:BLOCK_SIZE], noise, text[:half] + small[BLOCK_SIZE : BLOCK_SIZE + half],
              small[:half] + noise[:half], small[BLOCK_SIZE + half :][:200_000]]
    expected = [
        [Segment(0, BLOCK_SIZE, Kind.DEFLATE)],
        [Segment(0, BLOCK_SIZE, Kind.RUNS)],
        [Segment(0, BLOCK_SIZE, Kind.STORED)],
        [Segment(0, half, Kind.DEFLATE), Segment(half, BLOCK_SIZE, Kind.RUNS)],
        [Segment(0, half, Kind.RUNS), Segment(half, BLOCK_SIZE, Kind.STORED)],
        [Segment(0, 200_000, Kind.RUNS)],
    ]
    assert [stored.segments(block) for block in blocks] == expected
    data = b"".join(blocks)
    out = _compress(data)
    assert len({out, _compress(data, threads=1), _compress(data, threads=3)}) == 1
    _read_by_all(out, data, tmp_path)


@pytest.mark.parametrize("seed", range(6))
def test_runs_are_counted_as_the_strings_show_them(seed: int) -> None:
    """``_run_count`` (big-integer arithmetic) counts what the definition says:
    the 4-byte strings at every offset that are one byte four times."""
    rng = random.Random(seed)
    for size in [4, 5, 7, 64, 4096]:
        sample = bytes(rng.choice(b"\0\0aab\xff") for _ in range(size))
        naive = sum(1 for s in stored._strings(sample) if s == (s & 0xFF) * 0x01010101)
        assert stored._run_count(sample) == naive
    assert stored._run_count(bytes(4096)) == 4093 and stored._run_count(bytes(range(256))) == 0
