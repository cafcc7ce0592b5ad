"""Builders that turn docker-archives into other archives:

``merge-images``, structured attribute ``stowage`` (version 2)::

    {"version": 2, "images": [paths], "compressors": {"zstd": path, ...}}

``export-image``, structured attribute ``stowage`` (version 2)::

    {"version": 2, "fromImage": path, "fromImageTag": "name:tag" or null, "compressors": {...}}

``compressors``: the programs of nix/compressors.nix, to read archives compressed so.

Each writes an uncompressed tar to $out.
"""

from __future__ import annotations

import os
import sys
from typing import Callable, Optional

from stowage.formats import export as flatten, merge
from stowage.contract.jsondoc import fields, optional_str, read_attrs, versioned
from stowage.output.compression import programs
from stowage.output.sink import HashingSink, fd_output
from stowage.cli.common import output_path, progress_printer, run

VERSION = 2


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
                   {"version", "images", "compressors"})
        images = [str(i) for i in d["images"]]
        progress = progress_printer(program)
        _write_to(output_path(attrs), lambda sink: merge.merge(images, sink, progress, programs(d["compressors"])))
        return 0

    return run(program, body)


def export_main(argv: Optional[list[str]] = None) -> int:
    program = "export-image"

    def body() -> int:
        attrs = read_attrs()
        d = fields(versioned(attrs["stowage"], "the export request", VERSION), "the export request",
                   {"version", "fromImage", "fromImageTag", "compressors"})
        progress = progress_printer(program)
        _write_to(
            output_path(attrs),
            lambda sink: flatten.export(
                str(d["fromImage"]), optional_str(d["fromImageTag"]), sink, programs=programs(d["compressors"]), progress=progress
            ),
        )
        return 0

    return run(program, body)

