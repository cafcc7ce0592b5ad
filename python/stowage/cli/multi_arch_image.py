"""Builder of a multi-platform image (see ``stowage.multi_arch``).

Structured attribute ``stowage`` (version 1)::

    {"version": 1, "repoTag": "name:tag", "images": [push plan directories]}
"""

from __future__ import annotations

import sys
from typing import Any, Optional

from .. import multi_arch, push_plan
from ..jsondoc import fields, read_attrs, string, strings, versioned
from .common import output_path, run

PROGRAM = "multi-arch-image"
VERSION = 1


def build(doc: Any, out: str) -> None:
    what = "the multi-platform image request"
    d = fields(versioned(doc, what, VERSION), what, {"version", "repoTag", "images"})
    images = [push_plan.read(p) for p in strings(d["images"], f"images of {what}")]
    multi_arch.write(out, string(d["repoTag"], f"repoTag of {what}"), images)


def main(argv: Optional[list[str]] = None) -> int:
    def body() -> int:
        attrs = read_attrs()
        build(attrs["stowage"], output_path(attrs))
        return 0

    return run(PROGRAM, body)


if __name__ == "__main__":
    sys.exit(main())
