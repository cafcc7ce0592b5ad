"""Builder of ``buildLayeredImage`` and ``buildImage``: the streamed image,
compressed (see ``stowage.output.compression``), into $out.

Structured attribute ``stowage`` (version 2)::

    {"version": 2, "plan": path,
     "compressor": {"name": "none" | "gz" | "zstd", "program": path or null, "level": int or null}}

``compressor`` is one row of nix/compressors.nix.
"""

from __future__ import annotations

import json
import sys
from typing import Any, Optional

from stowage.contract import plan as image_plan
from stowage.contract.jsondoc import fields, integer, optional_str, string, versioned
from stowage.formats.docker_archive import write_image
from stowage.output import compression
from stowage.output.sink import HashingSink, Output, fd_output
from stowage.cli.common import progress_printer, run_builder

PROGRAM = "build-layered-image"
VERSION = 2


def _compression(doc: Any) -> compression.Compression:
    d = fields(doc, "the build request's compressor", {"name", "program", "level"})
    level = None if d["level"] is None else integer(d["level"], "compressor.level")
    return compression.check(compression.Compression(string(d["name"], "compressor.name"), optional_str(d["program"]), level))


def build(doc: object, out: str) -> None:
    d = fields(versioned(doc, "the build request", VERSION), "the build request", {"version", "plan", "compressor"})
    compressor = _compression(d["compressor"])
    with open(str(d["plan"]), encoding="utf-8") as handle:
        plan = image_plan.parse(json.load(handle))
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
    return run_builder(PROGRAM, build)


if __name__ == "__main__":
    sys.exit(main())
