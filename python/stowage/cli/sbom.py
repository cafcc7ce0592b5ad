"""Builder of an image's SBOM: reads the image plan and Nix's references graph of
it (structured attribute ``closure``) and writes the document to the file $out
(see ``stowage.supply.spdx`` and ``stowage.supply.cyclonedx``).

Structured attribute ``stowage`` (version 1)::

    {"version": 1, "format": "spdx" or "cyclonedx", "plan": path of plan.json}

or, for the provenance (``stowage.supply.provenance``; ``pushPlan``: the image's
push plan, whose manifest is the statement's subject)::

    {"version": 1, "format": "provenance", "plan": path, "pushPlan": path,
     "derivation": the image's .drv path, "annotations": {name: value}}
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from typing import Any, Callable, Optional

from stowage.cli.common import output_path, run
from stowage.contract import plan as image_plan
from stowage.contract.jsondoc import fields, read_attrs, string, versioned
from stowage.errors import UserError
from stowage.push import plan as push_plan
from stowage.supply import annotations as supply_annotations, cyclonedx, inventory, provenance, spdx
from stowage.timestamps import NOW, rfc3339

PROGRAM = "sbom"
VERSION = 1
FORMATS: dict[str, Callable[[inventory.Inventory], bytes]] = {
    "spdx": spdx.document,
    "cyclonedx": cyclonedx.document,
}


def _provenance(d: dict[str, Any]) -> Callable[[inventory.Inventory], bytes]:
    what = "the provenance request"
    build = provenance.Build(
        derivation=string(d.get("derivation"), f"derivation of {what}"),
        manifest_digest=push_plan.read(string(d.get("pushPlan"), f"pushPlan of {what}")).manifest.digest,
        annotations=supply_annotations.parse(d.get("annotations", {}), f"annotations of {what}"),
    )
    return lambda found: provenance.statement(found, build)


def sbom_bytes(request: Any, graph: Any) -> bytes:
    """The SBOM document that ``request`` asks for."""
    what = "the SBOM request"
    d = fields(versioned(request, what, VERSION), what, {"version", "format", "plan"},
               frozenset({"pushPlan", "derivation", "annotations"}))
    render = FORMATS.get(string(d["format"], f"format of {what}"))
    if d["format"] == "provenance":
        render = _provenance(d)
    if render is None:
        raise UserError(f"format of {what} must be one of {sorted(FORMATS) + ['provenance']}; got {d['format']!r}")
    with open(string(d["plan"], f"plan of {what}"), encoding="utf-8") as handle:
        plan = image_plan.parse(json.load(handle))
    if plan.created == NOW:
        raise UserError("the image's created is \"now\"; an SBOM needs a fixed creation time")
    created = rfc3339(plan.created, "created", datetime.now(timezone.utc))
    return render(inventory.of_plan(plan, graph, created))


def main(argv: Optional[list[str]] = None) -> int:
    def body() -> int:
        attrs = read_attrs()
        data = sbom_bytes(attrs["stowage"], attrs.get("closure", []))
        with open(output_path(attrs), "wb") as handle:
            handle.write(data)
        return 0

    return run(PROGRAM, body)


if __name__ == "__main__":
    sys.exit(main())
