"""Builders that turn docker-archives into other archives:

``merge-images``, structured attribute ``stowage`` (version 1)::

    {"version": 1, "images": [paths], "zstd": path of a zstd program}

``export-image``, structured attribute ``stowage`` (version 1)::

    {"version": 1, "fromImage": path, "fromImageTag": "name:tag" or null, "zstd": path}

Each writes an uncompressed tar to $out.
"""

from __future__ import annotations

import os
import sys
from typing import Callable, Optional

from stowage.formats import export as flatten, merge
from stowage.contract.jsondoc import fields, optional_str, read_attrs, versioned
from stowage.output.sink import HashingSink, fd_output
from stowage.cli.common import output_path, progress_printer, run

VERSION = 1


def _write_to(out: str, body: Callable[[HashingSink], None]) -> None:
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
    try:
        with HashingSink(fd_output(fd)) as sink:
            body(sink)
    finally:
        os.close(fd)


def merge_main(argv: Optional[list[str]] = None) -> int:
    program = "merge-images"

    def body() -> int:
        attrs = read_attrs()
        d = fields(versioned(attrs["stowage"], "the merge request", VERSION), "the merge request",
                   {"version", "images", "zstd"})
        images = [str(i) for i in d["images"]]
        progress = progress_printer(program)
        _write_to(output_path(attrs), lambda sink: merge.merge(images, sink, progress, str(d["zstd"])))
        return 0

    return run(program, body)


def export_main(argv: Optional[list[str]] = None) -> int:
    program = "export-image"

    def body() -> int:
        attrs = read_attrs()
        d = fields(versioned(attrs["stowage"], "the export request", VERSION), "the export request",
                   {"version", "fromImage", "fromImageTag", "zstd"})
        progress = progress_printer(program)
        _write_to(
            output_path(attrs),
            lambda sink: flatten.export(
                str(d["fromImage"]), optional_str(d["fromImageTag"]), sink, zstd=str(d["zstd"]), progress=progress
            ),
        )
        return 0

    return run(program, body)

