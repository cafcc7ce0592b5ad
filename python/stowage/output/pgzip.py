"""gzip on every core, with the standard library: one standard gzip member
(RFC 1952) whose deflate stream is made of independently compressed blocks.

Each block of ``BLOCK_SIZE`` input bytes is deflated on a worker thread (zlib
releases the GIL), primed with the previous block's last 32 KiB as dictionary so
that the ratio stays close to single-threaded gzip, and ends with a sync flush
(byte-aligned, not final); the last block ends the stream. This is what pigz
does. Block boundaries depend only on the input, so the bytes are the same
whatever the number of threads, and ``gzip -t`` / ``docker load`` read it as
any gzip file.

A block that deflate cannot shrink (already compressed or random bytes, as
``stowage.output.stored`` decides from the block alone) is written as stored
deflate blocks instead, without running deflate on it: the stream stays a valid
gzip member, the same on every machine, and a compressible block gives the same
bytes as before.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections import deque
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import BinaryIO, Optional

from stowage.errors import UserError
from stowage.output import stored
from stowage.output.stored import Kind

#: 1 MiB blocks: big enough that the per-block flush costs nothing measurable,
#: small enough that two cores share even a small layer.
BLOCK_SIZE = 1 << 20
#: Levels up to this one write random bytes with runs between them with zlib's
#: run-length strategy (see ``stowage.output.stored``); levels 7 to 9 ask for
#: size, and keep the default strategy.
RUNS_LEVEL = 6
_WINDOW = 32 * 1024
_HEADER = b"\x1f\x8b\x08\x00" + b"\x00\x00\x00\x00" + b"\x00\xff"  # no name, mtime 0, OS unknown


def _zlib(data: bytes, history: bytes, level: int, last: bool, runs: bool = False) -> bytes:
    """``data`` deflated by zlib with ``history`` as dictionary, ending
    byte-aligned; with the run-length strategy (and memLevel 9: larger
    Huffman blocks) when ``runs``."""
    memory, strategy = (9, zlib.Z_RLE) if runs else (8, zlib.Z_DEFAULT_STRATEGY)
    if history:
        compressor = zlib.compressobj(level, zlib.DEFLATED, -15, memory, strategy, zdict=history)
    else:
        compressor = zlib.compressobj(level, zlib.DEFLATED, -15, memory, strategy)
    return compressor.compress(data) + compressor.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)


def _history(block: bytes, dictionary: bytes, start: int) -> bytes:
    """The 32 KiB of input before ``block[start]``."""
    if start >= _WINDOW:
        return block[start - _WINDOW : start]
    return (dictionary + block[:start])[-_WINDOW:]


def _deflate(block: bytes, dictionary: bytes, level: int, last: bool, choice: Optional[str]) -> tuple[bytes, str]:
    """``block`` compressed, and how (``stored.choose``: given, or decided here)."""
    choice = choice or stored.choose(block)
    return _write(block, stored.segments_of(choice, len(block)), dictionary, level, last), choice


def _write(block: bytes, parts: list[stored.Segment], dictionary: bytes, level: int, last: bool) -> bytes:
    if parts == [stored.Segment(0, len(block), Kind.DEFLATE)]:
        return _zlib(block, dictionary, level, last)
    out = []
    for part in parts:
        data, final = block[part.start : part.end], last and part.end == len(block)
        if part.kind is Kind.STORED:
            out.append(stored.stored(data, final))
        else:
            runs = part.kind is Kind.RUNS and level <= RUNS_LEVEL
            out.append(_zlib(data, _history(block, dictionary, part.start), level, final, runs))
    return b"".join(out)


def default_threads() -> int:
    """The compression threads of this machine or build."""
    return int(os.environ.get("NIX_BUILD_CORES") or 0) or os.cpu_count() or 1


def compression_pool(count: Optional[int] = None) -> ThreadPoolExecutor:
    """Compression threads: a writer's own, or ones several writers share
    (``ParallelGzipWriter``'s ``pool``)."""
    return ThreadPoolExecutor(max_workers=count or default_threads(), thread_name_prefix="gzip")


class ParallelGzipWriter:
    """A write-only file object that gzips what it is given into ``raw``: on
    ``threads`` threads of its own, or on a ``pool`` of ``threads`` shared with
    other writers (a push compresses several blobs at once), which it leaves
    running.

    ``choices`` is how each block is written (``stored.choose``), once the
    stream is closed; given ``blocks`` (the choices of an earlier run over the
    same bytes, as a record keeps them), the blocks are not tested again, and
    choices that do not fit the blocks are a ``UserError``."""

    def __init__(self, raw: BinaryIO, level: int = 6, threads: Optional[int] = None,
                 pool: Optional[Executor] = None, blocks: Optional[str] = None) -> None:
        self._raw = raw
        self._level = level
        self._threads = threads or default_threads()
        self._own = pool is None
        self._pool = pool or compression_pool(self._threads)
        # Blocks in flight: twice the threads keeps them busy; on a shared pool the
        # other writers' blocks fill it too, so one round each bounds the memory.
        self._depth = 2 * self._threads if self._own else self._threads
        self._pending: deque[Future[tuple[bytes, str]]] = deque()
        self._given = blocks
        self._given_at = 0
        self._choices: list[str] = []
        self._block = bytearray()
        self._dictionary = b""
        self._crc = 0
        self._size = 0
        self._raw.write(_HEADER)

    def _submit(self, last: bool) -> None:
        block = bytes(self._block)
        self._block.clear()
        self._submit_block(block, last)

    def _submit_block(self, block: bytes, last: bool) -> None:
        choice = None if self._given is None else self._given_choice(len(block), last)
        self._crc = zlib.crc32(block, self._crc)
        self._size += len(block)
        self._pending.append(self._pool.submit(_deflate, block, self._dictionary, self._level, last, choice))
        self._dictionary = block[-_WINDOW:]
        while len(self._pending) > self._depth:
            self._write_next()

    def _given_choice(self, size: int, last: bool) -> str:
        """The given choice of the next block, of ``size`` bytes, checked."""
        assert self._given is not None
        start, self._given_at = self._given_at, self._given_at + stored.choice_length(size)
        choice = self._given[start : self._given_at]
        try:
            stored.segments_of(choice, size)
            if last and self._given_at != len(self._given):
                raise ValueError("more choices than blocks")
        except ValueError:
            raise UserError(f"the recorded choices of the gzip blocks ({len(self._given)} letters) do not fit "
                            "the layer: rebuild the image") from None
        return choice

    def _write_next(self) -> None:
        data, choice = self._pending.popleft().result()
        self._raw.write(data)
        self._choices.append(choice)

    @property
    def choices(self) -> str:
        """How each block was written, one letter per part (see ``stored.choose``)."""
        return "".join(self._choices)

    def write(self, data: "bytes | bytearray | memoryview") -> int:
        """Compress ``data`` (copied: the caller may reuse its buffer)."""
        view = memoryview(data).cast("B")
        offset = 0
        while not self._block and len(view) - offset >= BLOCK_SIZE:  # whole blocks: one copy
            self._submit_block(bytes(view[offset : offset + BLOCK_SIZE]), last=False)
            offset += BLOCK_SIZE
        while offset < len(view):
            take = min(BLOCK_SIZE - len(self._block), len(view) - offset)
            self._block += view[offset : offset + take]
            offset += take
            if len(self._block) == BLOCK_SIZE:
                self._submit(last=False)
        return len(view)

    def close(self) -> None:
        """Finish the stream: last block, CRC and size trailer."""
        try:
            self._submit(last=True)
            while self._pending:
                self._write_next()
            self._raw.write(struct.pack("<II", self._crc & 0xFFFFFFFF, self._size & 0xFFFFFFFF))
        finally:
            self._stop()

    def _stop(self) -> None:
        if self._own:
            self._pool.shutdown(wait=True, cancel_futures=True)
        else:
            for future in self._pending:
                future.cancel()
            for future in self._pending:
                if not future.cancelled():
                    future.exception()  # waits; its error, if any, is the caller's already
            self._pending.clear()

    def __enter__(self) -> "ParallelGzipWriter":
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        if kind is None:
            self.close()
        else:
            self._stop()
