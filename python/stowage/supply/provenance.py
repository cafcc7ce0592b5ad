"""The image's provenance as an in-toto Statement (in-toto attestation framework,
Statement v1) with a SLSA Provenance v1 predicate (slsa.dev/provenance/v1).

The subject is the image's pushed manifest; the build definition names the Nix
derivation that made the image, the source and revision the user gave (as the
``org.opencontainers.image.source`` and ``.revision`` annotations), and, as
resolved dependencies, every store path of the image's layers with its NAR hash.
Nothing in it depends on when or where it was built: no start or finish time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from stowage import canonical_json
from stowage.supply.inventory import Inventory

MEDIA_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://slsa.dev/provenance/v1"
BUILD_TYPE = "https://stowage.invalid/nix-image/v1"
BUILDER_ID = "https://stowage.invalid/builder/nix"
SOURCE = "org.opencontainers.image.source"
REVISION = "org.opencontainers.image.revision"


@dataclass(frozen=True)
class Build:
    derivation: str  # the image derivation's .drv path
    manifest_digest: str  # sha256:<hex> of the pushed manifest
    annotations: dict[str, str]


def _source(annotations: dict[str, str]) -> Optional[dict[str, Any]]:
    """The source repository as a resolved dependency, when the user named it."""
    if SOURCE not in annotations:
        return None
    entry: dict[str, Any] = {"uri": annotations[SOURCE], "name": "source"}
    if REVISION in annotations:
        entry["annotations"] = {"revision": annotations[REVISION]}
        if len(annotations[REVISION]) == 40 and all(c in "0123456789abcdef" for c in annotations[REVISION]):
            entry["digest"] = {"gitCommit": annotations[REVISION]}
    return entry


def statement(inventory: Inventory, build: Build) -> bytes:
    """The statement's bytes (canonical JSON)."""
    dependencies = [
        {"uri": p.path, "name": p.name, "digest": {"sha256": p.sha256}} for p in inventory.packages
    ]
    source = _source(build.annotations)
    parameters: dict[str, Any] = {"derivation": build.derivation, "annotations": build.annotations}
    doc = {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": inventory.image_name, "digest": {"sha256": build.manifest_digest.removeprefix("sha256:")}}],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "buildDefinition": {
                "buildType": BUILD_TYPE,
                "externalParameters": parameters,
                "resolvedDependencies": ([source] if source else []) + dependencies,
            },
            "runDetails": {"builder": {"id": BUILDER_ID}},
        },
    }
    return canonical_json.dumps(doc)
