"""Builder of ``buildLayeredImage``: the streamed image, compressed, into $out.

Structured attribute ``stowage`` (version 1)::

    {"version": 1, "plan": path, "compressor": "none" | "gz"}

gzip is written by the standard library with no file name and mtime 0, so the
same image gives the same bytes.
"""

from __future__ import annotations

import gzip
import json
import sys
from typing import Optional

from .. import plan as image_plan
from ..image_writer import write_image
from ..jsondoc import fields, read_attrs, versioned
from ..sink import HashingSink, Output
from .common import output_path, progress_printer, run

PROGRAM = "build-layered-image"
VERSION = 1
#: pigz's and gzip's default level: the usual balance of size and time.
GZIP_LEVEL = 6


def build(doc: object, out: str) -> None:
    d = fields(versioned(doc, "the build request", VERSION), "the build request",
               {"version", "plan", "compressor"})
    with open(str(d["plan"]), encoding="utf-8") as handle:
        plan = image_plan.parse(json.load(handle))
    with open(out, "xb") as raw:
        if d["compressor"] == "gz":
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=GZIP_LEVEL, mtime=0) as gz:
                _write(plan, gz.write)
        else:
            _write(plan, raw.write)


def _write(plan: image_plan.ImagePlan, output: Output) -> None:
    with HashingSink(output) as sink:
        write_image(plan, sink, progress=progress_printer(PROGRAM))


def main(argv: Optional[list[str]] = None) -> int:
    def body() -> int:
        attrs = read_attrs()
        build(attrs["stowage"], output_path(attrs))
        return 0

    return run(PROGRAM, body)


if __name__ == "__main__":
    sys.exit(main())
