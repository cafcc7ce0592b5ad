"""Builder of a multi-platform image (see ``stowage.push.multi_arch``).

Structured attribute ``stowage`` (version 1)::

    {"version": 1, "repoTag": "name:tag", "images": [push plan directories],
     "annotations": {name: value} of the index (optional)}
"""

from __future__ import annotations

import sys
from typing import Any, Optional

from stowage.push import multi_arch
from stowage.push import plan as push_plan
from stowage.contract.jsondoc import fields, string, strings, versioned
from stowage.cli.common import run_builder
from stowage.supply.annotations import parse as parse_annotations

PROGRAM = "multi-arch-image"
VERSION = 1


def build(doc: Any, out: str) -> None:
    what = "the multi-platform image request"
    d = fields(versioned(doc, what, VERSION), what, {"version", "repoTag", "images"}, frozenset({"annotations"}))
    images = [push_plan.read(p) for p in strings(d["images"], f"images of {what}")]
    annotations = parse_annotations(d.get("annotations", {}), f"annotations of {what}")
    multi_arch.write(out, string(d["repoTag"], f"repoTag of {what}"), images, annotations)


def main(argv: Optional[list[str]] = None) -> int:
    return run_builder(PROGRAM, build)


if __name__ == "__main__":
    sys.exit(main())
