"""Builder of an image's push plan (see ``stowage.push.plan``): the blob of each
layer, taken from the compressed-layer records (base archive, store layers,
customisation layer), or, for a store layer without a record (``cachedLayers =
false``), compressed here; then the configuration and the OCI manifest.

Its request is ``stowage.contract.step_requests.PushPlanRequest`` (with the
image's pushCompression and the manifest's ``annotations``).
"""

from __future__ import annotations

import json
import sys
from typing import Optional

from stowage.image import model
from stowage.layers import blob as layer_blob, source as layer_source
from stowage.contract import plan as image_plan
from stowage.push import plan as push_plan
from stowage.errors import UserError
from stowage.contract.step_requests import PushPlanRequest
from stowage.layers import compression
from stowage.layers.compression import Compression
from stowage.layers.blob import Blob
from stowage.timestamps import NOW
from stowage.cli.common import Step, progress_printer, run_builder

PROGRAM = "push-plan"


def _checked(blob: Blob, diff_id: str, what: str) -> Blob:
    if blob.diff_id is not None and blob.diff_id != diff_id:
        raise UserError(f"{what}: its compressed record is of layer {blob.diff_id}, the image plan says {diff_id}")
    return blob


def _layers(image: model.Image, d: PushPlanRequest, how: Compression, out: str) -> list[Blob]:
    """Each layer's blob, bottom first (one compressed here kept in ``out`` when keeping)."""
    recorded = {b.diff_id: b for directory in d.store_blobs for b in layer_blob.read(directory, how, d.builder)}
    show = progress_printer(PROGRAM)
    base: dict[Optional[str], Blob] = {}
    blobs: list[Blob] = []
    for layer in image.layers:
        origin, diff_id = layer.origin, layer.diff_id
        if isinstance(origin, model.ArchiveMember):
            if d.base_blobs is None:
                raise UserError("the image has a base but the request has no baseBlobs")
            base = base or {b.key: b for b in layer_blob.read(d.base_blobs, how, d.builder)}
            blobs.append(_checked(base[origin.member], str(diff_id), f"base layer {origin.member}"))
        elif isinstance(origin, model.StorePaths) and (diff_id is None or diff_id not in recorded):
            blob = layer_blob.record(None, layer_source.of_layer(layer), how, keep_in=out if how.keep else None)
            show(f"layer {len(blobs) + 1}: {blob.size / 1e6:.1f} MB compressed (no layer record)")
            blobs.append(_checked(blob, diff_id or str(blob.diff_id), "a store layer"))
        elif isinstance(origin, model.StorePaths):
            blobs.append(recorded[diff_id])
        else:
            custom = layer_blob.read(d.customisation_blob, how, d.builder)[0]
            blobs.append(_checked(custom, str(diff_id), "the customisation layer"))
    return blobs


def diff_ids(image: model.Image, blobs: list[Blob]) -> list[str]:
    """The configuration's diff_ids: the plan's, or what compression found."""
    return [layer.diff_id or str(blob.diff_id) for layer, blob in zip(image.layers, blobs, strict=True)]


def build(step: Step[PushPlanRequest]) -> None:
    d, out = step.request, step.out
    how = compression.check(d.compression, d.builder, PushPlanRequest.DOCUMENT)
    with open(d.plan, encoding="utf-8") as handle:
        plan = image_plan.parse(json.load(handle), d.builder)
    if plan.created == NOW:
        raise UserError("the image's created is \"now\"; a push needs a fixed configuration")
    image = layer_source.image_to_push(plan)
    blobs = _layers(image, d, how, out)
    image = model.with_diff_ids(image, diff_ids(image, blobs))
    config = push_plan.Content(image.config, push_plan.OCI_CONFIG)
    push_plan.write(out, push_plan.PushPlan(
        directory=out, plan=d.plan, compression=how, repo_tag=plan.repo_tag,
        platform={"os": "linux", "architecture": plan.architecture, "variant": plan.variant},
        layers=tuple(blobs), config=config,
        manifest=push_plan.manifest(config, blobs, how, dict(sorted(d.annotations.items()))),
    ))


def main(argv: Optional[list[str]] = None) -> int:
    return run_builder(PROGRAM, PushPlanRequest, build)


if __name__ == "__main__":
    sys.exit(main())
