"""Builder of an image's SBOM: reads the image plan and Nix's references graph of
it (structured attribute ``closure``) and writes the document to the file $out
(see ``stowage.supply.spdx`` and ``stowage.supply.cyclonedx``), or the image's
provenance (``stowage.supply.provenance``), whose subject is the manifest of the
image's push plan.

Its request is ``stowage.contract.image_requests.SbomRequest``.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from typing import Callable, Optional, Sequence

from stowage.cli.common import Step, run_builder
from stowage.contract import plan as image_plan
from stowage.contract.image_requests import SbomRequest
from stowage.errors import UserError
from stowage.push import plan as push_plan
from stowage.store.closure import GraphNode
from stowage.supply import cyclonedx, inventory, provenance, spdx
from stowage.timestamps import NOW, rfc3339

PROGRAM = "sbom"
FORMATS: dict[str, Callable[[inventory.Inventory], bytes]] = {
    "spdx": spdx.document,
    "cyclonedx": cyclonedx.document,
}


def _provenance(r: SbomRequest) -> Callable[[inventory.Inventory], bytes]:
    if r.push_plan is None or r.derivation is None:
        raise UserError(f"{SbomRequest.DOCUMENT} asks for the provenance, but names no pushPlan or no derivation")
    build = provenance.Build(
        derivation=r.derivation,
        manifest_digest=push_plan.read(r.push_plan).manifest.digest,
        annotations=dict(sorted(r.annotations.items())),
    )
    return lambda found: provenance.statement(found, build)


def sbom_bytes(r: SbomRequest, graph: Sequence[GraphNode]) -> bytes:
    """The SBOM document that ``r`` asks for."""
    render = _provenance(r) if r.format == "provenance" else FORMATS[r.format]
    with open(r.plan, encoding="utf-8") as handle:
        plan = image_plan.parse(json.load(handle), r.builder)
    if plan.created == NOW:
        raise UserError("the image's created is \"now\"; an SBOM needs a fixed creation time")
    created = rfc3339(plan.created, "created", datetime.now(timezone.utc))
    return render(inventory.of_plan(plan, graph, created))


def build(step: Step[SbomRequest]) -> None:
    data = sbom_bytes(step.request, step.graph)
    with open(step.out, "wb") as handle:
        handle.write(data)


def main(argv: Optional[list[str]] = None) -> int:
    return run_builder(PROGRAM, SbomRequest, build)


if __name__ == "__main__":
    sys.exit(main())
