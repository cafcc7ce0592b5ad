"""OCI image layouts from docker-archives.

``oci-layout``: as a build step, structured attribute ``stowage`` (version 2)::

    {"version": 2, "image": path of a docker-archive, "compressors": {"zstd": path, ...},
     "annotations": {name: value} of each image manifest (optional),
     "attachments": [{"mediaType": str, "file": path}] (optional: documents about the image,
                     see ``stowage.formats.oci_referrers``)}

(``compressors``: the programs of nix/compressors.nix, to read archives compressed so)

writes the layout directory to $out; by hand, ``oci-layout ARCHIVE DIR``.

``oci-archive``: as a build step ``{"version": 1, "layout": path}`` writes the
layout as a tar to $out; by hand, ``oci-archive LAYOUT-DIR FILE``.
"""

from __future__ import annotations

import os
from typing import Optional

from stowage.formats import oci_archive, oci_layout
from stowage.errors import UserError
from stowage.contract.jsondoc import fields, read_attrs, string, versioned
from stowage.output.compression import Programs, programs
from stowage.supply.referrers import Attachment
from stowage.supply.annotations import parse as parse_annotations
from stowage.output.sink import HashingSink, fd_output
from stowage.cli.common import output_path, progress_printer, run

VERSION = 1
LAYOUT_VERSION = 2


def _arguments(program: str, argv: list[str], what: str) -> tuple[str, str]:
    if len(argv) != 2:
        raise UserError(f"usage: {program} {what} (or no arguments inside a Nix build)")
    return argv[0], argv[1]


def _attachment(doc: object) -> Attachment:
    what = "an attachment of the OCI layout request"
    d = fields(doc, what, {"mediaType", "file"})
    with open(string(d["file"], f"file of {what}"), "rb") as handle:
        return Attachment(string(d["mediaType"], f"mediaType of {what}"), handle.read())


def layout_main(argv: Optional[list[str]] = None) -> int:
    program = "oci-layout"

    def body() -> int:
        known: Optional[Programs] = None
        annotations: dict[str, str] = {}
        attachments: list[Attachment] = []
        if argv:
            image, out = _arguments(program, argv, "ARCHIVE DIR")
        else:
            attrs = read_attrs()
            d = fields(versioned(attrs["stowage"], "the OCI layout request", LAYOUT_VERSION), "the OCI layout request",
                       {"version", "image", "compressors"}, frozenset({"annotations", "attachments"}))
            image, out, known = str(d["image"]), output_path(attrs), programs(d["compressors"])
            annotations = parse_annotations(d.get("annotations", {}), "annotations of the OCI layout request")
            attachments = [_attachment(a) for a in d.get("attachments", [])]
        oci_layout.write_layout(image, out, progress_printer(program), known, annotations, attachments)
        return 0

    return run(program, body)


def archive_main(argv: Optional[list[str]] = None) -> int:
    program = "oci-archive"

    def body() -> int:
        if argv:
            layout, out = _arguments(program, argv, "LAYOUT-DIR FILE")
        else:
            attrs = read_attrs()
            d = fields(versioned(attrs["stowage"], "the OCI archive request", VERSION), "the OCI archive request",
                       {"version", "layout"})
            layout, out = str(d["layout"]), output_path(attrs)
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
        try:
            with HashingSink(fd_output(fd)) as sink:
                oci_archive.write_archive(layout, sink)
        finally:
            os.close(fd)
        return 0

    return run(program, body)
