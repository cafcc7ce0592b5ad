"""Builder of an image's push plan (see ``stowage.push.plan``): the blob of each
layer, taken from the compressed-layer records (base archive, store layers,
customisation layer), or, for a store layer without a record (``cachedLayers =
false``), compressed here; then the configuration and the OCI manifest.

Its request is ``stowage.contract.step_requests.PushPlanRequest``.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from typing import Optional

from stowage.image import metadata as image_metadata
from stowage.layers import blob as layer_blob, source as layer_source
from stowage.contract import plan as image_plan
from stowage.push import plan as push_plan
from stowage.errors import UserError
from stowage.contract.step_requests import PushPlanRequest
from stowage.layers.blob import Blob
from stowage.timestamps import NOW, rfc3339
from stowage.cli.common import Step, progress_printer, run_builder

PROGRAM = "push-plan"


def _checked(blob: Blob, diff_id: str, what: str) -> Blob:
    if not blob.compressed and blob.diff_id != diff_id:
        raise UserError(f"{what}: its compressed record is of layer {blob.diff_id}, the image plan says {diff_id}")
    return blob


def _layers(plan: image_plan.ImagePlan, d: PushPlanRequest, level: int) -> list[Blob]:
    """Each layer's blob, bottom first."""
    sources = layer_source.of_plan(plan)
    blobs: list[Blob] = []
    if plan.base is not None:
        if d.base_blobs is None:
            raise UserError("the image has a base but the request has no baseBlobs")
        by_member = {b.key: b for b in layer_blob.read(d.base_blobs, level)}
        blobs += [_checked(by_member[b.source], b.diff_id, f"base layer {b.source}") for b in plan.base.layers]
    recorded = {b.diff_id: b for directory in d.store_blobs for b in layer_blob.read(directory, level)}
    show = progress_printer(PROGRAM)
    for store in plan.store_layers:
        if store.diff_id is not None and store.diff_id in recorded:
            blobs.append(recorded[store.diff_id])
            continue
        blob = layer_blob.record(None, sources[len(blobs)], level)
        show(f"layer {len(blobs) + 1}: {blob.size / 1e6:.1f} MB compressed (no layer record)")
        blobs.append(_checked(blob, store.diff_id or str(blob.diff_id), "a store layer"))
    custom = layer_blob.read(d.customisation_blob, level)[0]
    blobs.append(_checked(custom, plan.customisation_layer.diff_id, "the customisation layer"))
    return blobs


def diff_ids(plan: image_plan.ImagePlan, blobs: list[Blob]) -> list[str]:
    """The configuration's diff_ids: the plan's, or what compression found."""
    ids = [b.diff_id for b in plan.base.layers] if plan.base is not None else []
    for store in plan.store_layers:
        ids.append(store.diff_id or str(blobs[len(ids)].diff_id))
    return ids + [plan.customisation_layer.diff_id]


def build(step: Step[PushPlanRequest]) -> None:
    d, out = step.request, step.out
    level = d.level
    with open(d.plan, encoding="utf-8") as handle:
        plan = image_plan.parse(json.load(handle))
    if plan.created == NOW:
        raise UserError("the image's created is \"now\"; a push needs a fixed configuration")
    blobs = _layers(plan, d, level)
    created = rfc3339(plan.created, "created", datetime.now(timezone.utc))
    config = push_plan.Content(
        image_metadata.config_bytes(plan, created, diff_ids(plan, blobs)), push_plan.OCI_CONFIG
    )
    push_plan.write(out, push_plan.PushPlan(
        directory=out, plan=d.plan, level=level, repo_tag=plan.repo_tag,
        platform={"os": "linux", "architecture": plan.architecture, "variant": plan.variant},
        layers=tuple(blobs), config=config, manifest=push_plan.manifest(config, blobs),
    ))


def main(argv: Optional[list[str]] = None) -> int:
    return run_builder(PROGRAM, PushPlanRequest, build)


if __name__ == "__main__":
    sys.exit(main())
