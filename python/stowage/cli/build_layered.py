"""Builder of ``buildLayeredImage``: the streamed image, compressed, into $out.

Its request is ``stowage.contract.image_requests.BuildRequest``.

gzip is written on every core by stowage.output.pgzip (no file name, mtime 0, blocks
independent of the thread count), zstd by the zstd program (``-T0``: its
multi-threaded output does not depend on the number of threads), so the same
image gives the same bytes.
"""

from __future__ import annotations

import errno
import json
import subprocess
import sys
from typing import BinaryIO, Optional

from stowage.contract import plan as image_plan
from stowage.errors import UserError
from stowage.formats.docker_archive import write_image
from stowage.output.pgzip import ParallelGzipWriter
from stowage.contract.image_requests import BuildRequest
from stowage.output.sink import HashingSink, Output, OutputError, fd_output
from stowage.cli.common import Step, progress_printer, run_builder

PROGRAM = "build-layered-image"
#: pigz's and gzip's default level: the usual balance of size and time.
GZIP_LEVEL = 6


def build(step: Step[BuildRequest]) -> None:
    r, out = step.request, step.out
    with open(r.plan, encoding="utf-8") as handle:
        plan = image_plan.parse(json.load(handle))
    with open(out, "xb") as raw:
        if r.compressor == "gz":
            try:
                with ParallelGzipWriter(raw, GZIP_LEVEL) as gz:
                    _write(plan, gz.write)
            except OSError as error:  # the file writes of the gzip stream
                if error.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
                    raise
                raise OutputError(error, out) from None
        elif r.compressor == "zstd":
            if r.zstd is None:
                raise UserError("compressor \"zstd\" was asked for, but the request names no zstd program")
            _write_zstd(plan, r.zstd, raw)
        else:
            # Unbuffered writes: the kernel's copies go to the same descriptor.
            with HashingSink(fd_output(raw.fileno()), direct_fd=raw.fileno()) as sink:
                write_image(plan, sink, progress=progress_printer(PROGRAM))


def _write_zstd(plan: image_plan.ImagePlan, zstd: str, raw: BinaryIO) -> None:
    try:
        process = subprocess.Popen([zstd, "-q", "-3", "-T0", "-c"], stdin=subprocess.PIPE, stdout=raw)
    except OSError as error:
        raise UserError(f"compressor \"zstd\" needs {zstd}, which cannot run: {error.strerror}") from None
    assert process.stdin is not None
    stopped = False
    try:
        _write(plan, process.stdin.write)
    except BrokenPipeError:  # zstd died: its status tells
        stopped = True
    finally:
        try:
            process.stdin.close()
        except BrokenPipeError:
            stopped = True
        status = process.wait()
    if status != 0 or stopped:
        raise UserError(f"{zstd} stopped reading the image (exit status {status})")


def _write(plan: image_plan.ImagePlan, output: Output) -> None:
    with HashingSink(output) as sink:
        write_image(plan, sink, progress=progress_printer(PROGRAM))


def main(argv: Optional[list[str]] = None) -> int:
    return run_builder(PROGRAM, BuildRequest, build)


if __name__ == "__main__":
    sys.exit(main())
