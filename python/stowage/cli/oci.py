"""OCI image layouts from docker-archives.

``oci-layout``: as a build step (request
``stowage.contract.step_requests.OciLayoutRequest``: the archive, the programs
that read it, each image manifest's annotations and the documents stored with
it, see ``stowage.formats.oci_referrers``) writes the layout directory to $out;
by hand, ``oci-layout ARCHIVE DIR``.

``oci-archive``: as a build step (request ``OciArchiveRequest``) writes the
layout as a tar to $out; by hand, ``oci-archive LAYOUT-DIR FILE``.
"""

from __future__ import annotations

import os
from typing import Optional

from stowage.formats import oci_archive, oci_layout
from stowage.errors import UserError
from stowage.contract.step_requests import LayoutAttachment, OciArchiveRequest, OciLayoutRequest
from stowage.supply.referrers import Attachment
from stowage.output.sink import HashingSink, fd_output
from stowage.cli.common import Step, progress_printer, run, run_builder


def _arguments(program: str, argv: list[str], what: str) -> tuple[str, str]:
    if len(argv) != 2:
        raise UserError(f"usage: {program} {what} (or no arguments inside a Nix build)")
    return argv[0], argv[1]


def _attachment(attachment: LayoutAttachment) -> Attachment:
    try:
        with open(attachment.file, "rb") as handle:
            return Attachment(attachment.media_type, handle.read())
    except OSError as error:
        raise UserError(f"cannot read the attachment {attachment.file}: {error.strerror}") from None


def layout_main(argv: Optional[list[str]] = None) -> int:
    program = "oci-layout"

    def build(step: Step[OciLayoutRequest]) -> None:
        r = step.request
        oci_layout.write_layout(
            r.image, step.out, progress_printer(program), r.compressors,
            dict(sorted(r.annotations.items())), [_attachment(a) for a in r.attachments],
        )

    def by_hand() -> int:
        image, out = _arguments(program, argv or [], "ARCHIVE DIR")
        oci_layout.write_layout(image, out, progress_printer(program), None)
        return 0

    return run(program, by_hand) if argv else run_builder(program, OciLayoutRequest, build)


def _write_archive(layout: str, out: str) -> None:
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
    try:
        with HashingSink(fd_output(fd)) as sink:
            oci_archive.write_archive(layout, sink)
    finally:
        os.close(fd)


def archive_main(argv: Optional[list[str]] = None) -> int:
    program = "oci-archive"

    def by_hand() -> int:
        _write_archive(*_arguments(program, argv or [], "LAYOUT-DIR FILE"))
        return 0

    if argv:
        return run(program, by_hand)
    return run_builder(program, OciArchiveRequest, lambda step: _write_archive(step.request.layout, step.out))
