"""Builder of ``buildLayeredImage`` and ``buildImage``: the streamed image,
compressed (see ``stowage.output.compression``), into $out.

Its request is ``stowage.contract.image_requests.BuildRequest``; its
``compressor`` is one row of nix/compressors.nix.
"""

from __future__ import annotations

import json
import sys
from typing import Optional

from stowage.contract import plan as image_plan
from stowage.contract.image_requests import BuildRequest
from stowage.formats.docker_archive import write_image
from stowage.output import compression
from stowage.output.sink import HashingSink, Output, fd_output
from stowage.cli.common import Step, progress_printer, run_builder

PROGRAM = "build-layered-image"


def build(step: Step[BuildRequest]) -> None:
    r, out = step.request, step.out
    compressor = compression.check(r.compressor)
    with open(r.plan, encoding="utf-8") as handle:
        plan = image_plan.parse(json.load(handle), r.builder)
    with open(out, "xb") as raw, compression.compressing(compressor, raw, out) as output:
        if output is None:
            # Unbuffered writes: the kernel's copies go to the same descriptor.
            with HashingSink(fd_output(raw.fileno()), direct_fd=raw.fileno()) as sink:
                write_image(plan, sink, progress=progress_printer(PROGRAM))
        else:
            _write(plan, output)


def _write(plan: image_plan.ImagePlan, output: Output) -> None:
    with HashingSink(output) as sink:
        write_image(plan, sink, progress=progress_printer(PROGRAM))


def main(argv: Optional[list[str]] = None) -> int:
    return run_builder(PROGRAM, BuildRequest, build)


if __name__ == "__main__":
    sys.exit(main())
