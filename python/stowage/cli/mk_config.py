"""Builder of the image plan (``mk-config``): its request is
``stowage.contract.image_requests.ImageRequest`` and its structured attribute
``closure`` Nix's references graph of the customisation layer and config file.
Writes to the directory $out (see ``stowage.image.planning``):

- ``plan.json``: the plan document (see ``stowage.contract.plan``), which ``stream`` reads;
- when every layer's digest is recorded and ``created`` is fixed, also the image's
  ``config.json`` and ``manifest.json`` (exactly as the stream will write them)
  and ``image-id`` (``sha256:`` of the configuration).
"""

from __future__ import annotations

import os
import sys
from typing import Optional

from stowage.contract.image_requests import ImageRequest
from stowage.image.planning import describe_layers, make_plan, write_outputs
from stowage.cli.common import Step, run_builder

PROGRAM = "mk-config"


def build(step: Step[ImageRequest]) -> None:
    # The default tag: the hash part of this build's output path (as Nix computes it).
    plan = make_plan(step.request, step.graph, os.path.basename(step.out)[:32])
    if step.request.debug:
        for line in describe_layers(plan):
            print(f"{PROGRAM}: {line}", file=sys.stderr)
    write_outputs(plan, step.out)


def main(argv: Optional[list[str]] = None) -> int:
    return run_builder(PROGRAM, ImageRequest, build)


if __name__ == "__main__":
    sys.exit(main())
