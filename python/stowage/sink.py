"""A buffered byte sink that can sha256 a stretch of what passes through it.

Layers are hashed while they are written, so each byte of a store path is read
once per image. Hashing and writing overlap: a full buffer is handed to two
worker threads (``hashlib`` and ``os.write`` both release the GIL) while the
caller fills the other buffer. Measured here: a 1 MiB buffer reaches the pipe
throughput of ``tar | cat``; larger buffers gained nothing.
"""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, Optional

from .errors import UserError

BUFFER_SIZE = 1 << 20

Output = Callable[[memoryview], object]


def fd_output(fd: int) -> Output:
    """Return an output that writes everything it is given to ``fd``."""

    def write_all(data: memoryview) -> None:
        while data:
            written = os.write(fd, data)
            data = data[written:]

    return write_all


class HashingSink:
    """Buffers writes; hashes the bytes between ``begin_digest`` and ``end_digest``."""

    def __init__(self, output: Output) -> None:
        self._output = output
        self._buffers = [bytearray(BUFFER_SIZE), bytearray(BUFFER_SIZE)]
        self._current = 0
        self._fill = 0
        self._pending: list[Future[object]] = []
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sink")
        self._hasher: Optional["hashlib._Hash"] = None
        self._hashed = 0
        self.written = 0

    # -- plumbing -------------------------------------------------------------
    def _wait(self) -> None:
        pending, self._pending = self._pending, []
        for future in pending:
            future.result()

    def _flush(self) -> None:
        """Hand the current buffer to the workers and switch to the other one."""
        if self._fill == 0:
            return
        self._wait()
        view = memoryview(self._buffers[self._current])[: self._fill]
        if self._hasher is not None:
            self._pending.append(self._pool.submit(self._hasher.update, view))
        self._pending.append(self._pool.submit(self._output, view))
        self._current ^= 1
        self._fill = 0

    def _space(self) -> memoryview:
        return memoryview(self._buffers[self._current])[self._fill :]

    # -- writing --------------------------------------------------------------
    def write(self, data: bytes) -> None:
        """Append ``data``."""
        offset = 0
        while offset < len(data):
            space = self._space()
            if not space:
                self._flush()
                continue
            chunk = min(len(space), len(data) - offset)
            space[:chunk] = data[offset : offset + chunk]
            self._account(chunk)
            offset += chunk

    def zeros(self, count: int) -> None:
        """Append ``count`` zero bytes (tar padding)."""
        if count:
            self.write(bytes(count))

    def copy_file(self, path: bytes, size: int) -> None:
        """Append exactly ``size`` bytes read from ``path``; the file must have that size."""
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError as error:
            raise UserError(f"cannot read {os.fsdecode(path)}: {error.strerror}") from None
        try:
            self._copy_fd(fd, path, size)
        finally:
            os.close(fd)

    def _account(self, count: int) -> None:
        self._fill += count
        self.written += count
        if self._hasher is not None:
            self._hashed += count

    def _copy_fd(self, fd: int, path: bytes, size: int) -> None:
        remaining = size
        while True:
            space = self._space()
            if len(space) < min(remaining + 1, 65536):
                self._flush()
                continue
            # Ask for one byte more than expected: a file that grew shows itself
            # in the same read call that ends the copy.
            want = min(len(space), remaining + 1)
            got = os.readv(fd, [space[:want]])
            if got > remaining:
                raise UserError(f"{os.fsdecode(path)} changed while it was read: it grew")
            self._account(got)
            remaining -= got
            if got < want:
                if remaining == 0:
                    return
                if got == 0:
                    raise UserError(
                        f"{os.fsdecode(path)} changed while it was read: "
                        f"{size - remaining} of {size} bytes"
                    )

    # -- digests --------------------------------------------------------------
    def begin_digest(self) -> None:
        """Start hashing what is written from now on."""
        self._flush()
        self._hasher = hashlib.sha256()
        self._hashed = 0

    def end_digest(self) -> tuple[str, int]:
        """Stop hashing; return ``("sha256:<hex>", byte count)`` of the stretch."""
        self._flush()
        self._wait()
        assert self._hasher is not None, "end_digest without begin_digest"
        result = ("sha256:" + self._hasher.hexdigest(), self._hashed)
        self._hasher = None
        return result

    def close(self) -> None:
        """Write out everything still buffered and stop the workers."""
        try:
            self._flush()
            self._wait()
        finally:
            self._pool.shutdown(wait=True)

    def __enter__(self) -> "HashingSink":
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        if kind is None:
            self.close()
        else:  # the output may be what failed: stop without writing more
            self._pool.shutdown(wait=True, cancel_futures=True)
