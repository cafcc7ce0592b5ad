"""A layer's tar compressed with the ``zstd`` program (``…tar+zstd`` blobs).

zstd runs with ``-T<cores>``: its multi-threaded output does not depend on the
number of workers (checked with zstd 1.5.4: -T1, -T2 and -T4 give the same
bytes; only --single-thread differs), so a blob recorded at build time is made
again, byte for byte, by a push on another machine with the same zstd. The
tar is written into zstd's stdin while a thread reads, hashes, counts and
forwards what comes out; nothing is held or written to disk.
"""

from __future__ import annotations

import hashlib
import subprocess
import threading
from typing import Callable, Optional, Union

from stowage import digest
from stowage.errors import UserError
from stowage.output.pgzip import default_threads
from stowage.output.sink import HashingSink, fd_output

Data = Union[bytes, memoryview]
Forward = Callable[[Data], object]
Source = Callable[[HashingSink], None]
_READ = 1 << 20


class _Reader(threading.Thread):
    """Reads zstd's output: hashed, counted, forwarded; a failure kills zstd."""

    def __init__(self, process: subprocess.Popen[bytes], forward: Forward) -> None:
        super().__init__(name="zstd-out")
        self.process, self.forward = process, forward
        self.hash = hashlib.sha256()
        self.size = 0
        self.error: Optional[BaseException] = None

    def run(self) -> None:
        assert self.process.stdout is not None
        try:
            while data := self.process.stdout.read(_READ):
                self.hash.update(data)
                self.size += len(data)
                self.forward(data)
        except BaseException as error:  # noqa: BLE001 (re-raised by the caller)
            self.error = error
            self.process.kill()


def compress(source: Source, level: int, program: str, forward: Forward) -> tuple[str, str, int]:
    """Compress the tar ``source`` writes; return (diff_id, digest, size)."""
    command = [program, f"-{level}", f"-T{default_threads()}", "-q", "-c"]
    try:
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    except OSError as error:
        raise UserError(f"cannot run {program}: {error.strerror}") from None
    reader = _Reader(process, forward)
    reader.start()
    assert process.stdin is not None
    diff_id = ""
    try:
        with HashingSink(fd_output(process.stdin.fileno())) as sink:
            sink.begin_digest()
            source(sink)
            diff_id, _ = sink.end_digest()
    except BrokenPipeError:
        pass  # zstd ended early: its status or the reader's error says why
    finally:
        process.stdin.close()
        reader.join()
        process.stdout.close()  # type: ignore[union-attr]
    status = process.wait()
    if reader.error is not None:
        raise reader.error
    if status != 0 or not diff_id:
        raise UserError(f"{program} failed (exit status {status})")
    return diff_id, digest.of_hash(reader.hash), reader.size
