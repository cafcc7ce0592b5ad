"""Builders that turn docker-archives into other archives: ``merge-images``
(request ``stowage.contract.step_requests.MergeRequest``) and ``export-image``
(request ``ExportRequest``). Each writes an uncompressed tar to $out; each
request's ``compressors`` are the programs that read archives compressed so.
"""

from __future__ import annotations

import os
from typing import Callable, Optional

from stowage.formats import export as flatten, merge
from stowage.contract.step_requests import ExportRequest, MergeRequest
from stowage.output.sink import HashingSink, fd_output
from stowage.cli.common import Step, progress_printer, run_builder


def _write_to(out: str, body: Callable[[HashingSink], None]) -> None:
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
    try:
        with HashingSink(fd_output(fd)) as sink:
            body(sink)
    finally:
        os.close(fd)


def merge_main(argv: Optional[list[str]] = None) -> int:
    program = "merge-images"

    def build(step: Step[MergeRequest]) -> None:
        r, progress = step.request, progress_printer(program)
        _write_to(step.out, lambda sink: merge.merge(list(r.images), sink, progress, r.compressors))

    return run_builder(program, MergeRequest, build)


def export_main(argv: Optional[list[str]] = None) -> int:
    program = "export-image"

    def build(step: Step[ExportRequest]) -> None:
        r, progress = step.request, progress_printer(program)
        _write_to(step.out, lambda sink: flatten.export(
            r.from_image, r.from_image_tag, sink, programs=r.compressors, progress=progress
        ))

    return run_builder(program, ExportRequest, build)
