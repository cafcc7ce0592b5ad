"""The compressors of an image archive file (gzip, zstd, or none), one row each.

nix/compressors.nix is the other half of this table: it holds each row's
program and level, which reach the builder in its request; this module writes
the bytes. tests/eval/test_compressors.py checks that the two tables agree, so a
new compressor is a row there and a row (and, for a new kind, a writer) here.

gzip is written on every core by ``stowage.output.pgzip`` (no file name, mtime 0,
blocks independent of the thread count), zstd by the zstd program (``-T0``: its
multi-threaded output does not depend on the number of threads), so the same
image gives the same bytes.
"""

from __future__ import annotations

import errno
import subprocess
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, BinaryIO, Iterator, Mapping, Optional

from stowage.errors import UserError
from stowage.output.pgzip import ParallelGzipWriter
from stowage.output.sink import Output, OutputError


@dataclass(frozen=True)
class Compressor:
    """One row of the table: how an archive compressed so is named and typed."""

    name: str
    extension: str  # of the archive's file name
    media_type: str  # of a layer compressed so (OCI image spec)
    needs_program: bool  # False: the standard library compresses


COMPRESSORS: dict[str, Compressor] = {
    row.name: row
    for row in (
        Compressor("none", "", "application/vnd.oci.image.layer.v1.tar", False),
        Compressor("gz", ".gz", "application/vnd.oci.image.layer.v1.tar+gzip", False),
        Compressor("zstd", ".zst", "application/vnd.oci.image.layer.v1.tar+zstd", True),
    )
}


#: The programs of the rows that need one, by row name: a request's "compressors".
Programs = Mapping[str, str]


def programs(doc: Any) -> Programs:
    """A request's ``compressors``: an object of program paths by row name."""
    if not isinstance(doc, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in doc.items()):
        raise UserError(f"compressors must be an object of program paths by compressor name; got {doc!r}")
    return dict(doc)


@dataclass(frozen=True)
class Compression:
    """A compressor as a request names it: its row, its program (or None) and level."""

    name: str
    program: Optional[str]
    level: Optional[int]


def check(compression: Compression) -> Compression:
    """Return ``compression`` if the table knows it and it has what it needs."""
    row = COMPRESSORS.get(compression.name)
    if row is None:
        raise UserError(f"compressor must be one of {', '.join(COMPRESSORS)}; got {compression.name!r}")
    if row.needs_program and compression.program is None:
        raise UserError(f"compressor {compression.name!r} needs a program; got none")
    return compression


@contextmanager
def compressing(compression: Compression, raw: BinaryIO, what: str) -> Iterator[Optional[Output]]:
    """Yield the output that takes the uncompressed bytes and writes them, compressed,
    to ``raw`` (``what`` names it in errors); None for "none": write to ``raw`` itself."""
    if compression.name == "none":
        yield None
    elif compression.name == "gz":
        with _gzip(raw, compression.level or 6, what) as output:
            yield output
    else:
        assert compression.program is not None  # check() saw to it
        with _program(compression, raw) as output:
            yield output


@contextmanager
def _gzip(raw: BinaryIO, level: int, what: str) -> Iterator[Output]:
    try:
        with ParallelGzipWriter(raw, level) as gz:
            yield gz.write
    except OSError as error:  # the file writes of the gzip stream
        if error.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            raise
        raise OutputError(error, what) from None


@contextmanager
def _program(compression: Compression, raw: BinaryIO) -> Iterator[Output]:
    """The compressor's program (zstd's arguments: quiet, level, all cores, to stdout)."""
    program = str(compression.program)
    level = [] if compression.level is None else [f"-{compression.level}"]
    try:
        process = subprocess.Popen([program, "-q", *level, "-T0", "-c"], stdin=subprocess.PIPE, stdout=raw)
    except OSError as error:
        raise UserError(f"compressor \"{compression.name}\" needs {program}, which cannot run: {error.strerror}") from None
    assert process.stdin is not None
    stopped = False
    try:
        yield process.stdin.write
    except BrokenPipeError:  # the program died: its status tells
        stopped = True
    finally:
        try:
            process.stdin.close()
        except BrokenPipeError:
            stopped = True
        status = process.wait()
    if status != 0 or stopped:
        raise UserError(f"{program} stopped reading the image (exit status {status})")


@contextmanager
def decompressed(name: str, path: str, what: str, known: Programs) -> Iterator[str]:
    """A plain copy in $TMPDIR of ``path``, compressed as row ``name`` (one that
    needs a program: the standard library reads the others)."""
    program = known.get(name)
    if program is None:
        raise UserError(
            f"{what} {path} is {name}-compressed; decompress it first "
            f"({name} -d) or build it with compressor = \"gz\" or \"none\""
        )
    with tempfile.NamedTemporaryFile(prefix="image-", suffix=".tar") as plain:
        try:
            status = subprocess.run([program, "-dcq", path], stdout=plain).returncode
        except OSError as error:
            raise UserError(
                f"{path} is {name}-compressed, and {program} cannot run ({error.strerror}); install {name}"
            ) from None
        if status != 0:
            raise UserError(f"{program} could not decompress {path} (exit status {status})")
        yield plain.name
