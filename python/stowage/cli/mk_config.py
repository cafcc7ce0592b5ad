"""Builder of the image plan (``mk-config``): its request is
``stowage.contract.image_requests.ImageRequest`` and its structured attribute
``closure`` Nix's references graph of the customisation layer and config file.
Writes to the directory $out (the plan is made by ``stowage.layers.planning``):

- ``plan.json``: the plan document (see ``stowage.contract.plan``), which ``stream`` reads;
- when every layer's digest is recorded and ``created`` is fixed, also the image's
  ``config.json`` and ``manifest.json`` (exactly as the stream will write them)
  and ``image-id`` (``sha256:`` of the configuration).
"""

from __future__ import annotations

import os
import sys
from datetime import datetime, timezone
from typing import Optional

from stowage.contract.image_requests import ImageRequest
from stowage.contract.plan import ImagePlan
from stowage.formats import docker_archive as docker_archive_format
from stowage.image import model
from stowage.layers.planning import describe_layers, make_plan
from stowage.timestamps import NOW
from stowage.cli.common import Step, run_builder

PROGRAM = "mk-config"


def build(step: Step[ImageRequest]) -> None:
    # The default tag: the hash part of this build's output path (as Nix computes it).
    plan = make_plan(step.request, step.graph, os.path.basename(step.out)[:32])
    if step.request.debug:
        for line in describe_layers(plan):
            print(f"{PROGRAM}: {line}", file=sys.stderr)
    write_outputs(plan, step.out)


def write_outputs(plan: ImagePlan, out: str) -> None:
    """Write the plan, and the configuration and manifest when they are known."""
    os.mkdir(out)
    with open(os.path.join(out, "plan.json"), "wb") as handle:
        handle.write(plan.to_json())
    image = model.of_plan(plan, datetime.now(timezone.utc))
    if image.config_bytes is None or plan.created == NOW:
        return
    (_, config), (_, manifest) = docker_archive_format.trailer(image, model.layer_names(image))
    files = {"config.json": config, "manifest.json": manifest, "image-id": str(image.config_digest).encode()}
    for name, data in files.items():
        with open(os.path.join(out, name), "wb") as handle:
            handle.write(data)


def main(argv: Optional[list[str]] = None) -> int:
    return run_builder(PROGRAM, ImageRequest, build)


if __name__ == "__main__":
    sys.exit(main())
