"""The image's SBOM as an SPDX 2.3 JSON document (spdx.github.io/spdx-spec/v2.3).

One package for the image, which the document describes; one per store path of
its layers (name and version from the store name, the NAR hash as its SHA256
checksum, the store path as an external reference) and one per layer of its base
image. The image CONTAINS every other package; a store path DEPENDS_ON each path
it refers to. The namespace is derived from the document's own content, so that an
unchanged closure gives the same bytes.
"""

from __future__ import annotations

import hashlib
from typing import Any

from stowage import canonical_json
from stowage.supply import store_name
from stowage.supply.inventory import BaseLayer, Inventory, StorePackage

MEDIA_TYPE = "application/spdx+json"
TOOL = "Tool: stowage"
IMAGE_ID = "SPDXRef-Image"
NAMESPACE_ROOT = "https://stowage.invalid/spdx/"


def package_id(path: str) -> str:
    """The SPDX identifier of a store path's package (its hash part is unique)."""
    return f"SPDXRef-Nix-{store_name.hash_part(path)}"


def _store_package(package: StorePackage) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "SPDXID": package_id(package.path),
        "name": package.name,
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": False,
        "checksums": [{"algorithm": "SHA256", "checksumValue": package.sha256}],
        "externalRefs": [
            {"referenceCategory": "OTHER", "referenceType": "nix-store-path", "referenceLocator": package.path}
        ],
        "comment": f"Nix store path {package.path}; its checksum is the SHA-256 of its NAR serialisation ({package.nar_hash}).",
    }
    if package.version:
        doc["versionInfo"] = package.version
    return doc


def _base_package(layer: BaseLayer) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "SPDXID": f"SPDXRef-BaseLayer-{layer.number}",
        "name": f"base image layer {layer.number}",
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": False,
        "checksums": [{"algorithm": "SHA256", "checksumValue": layer.diff_id.removeprefix("sha256:")}],
        "primaryPackagePurpose": "ARCHIVE",
    }
    if layer.created_by is not None:
        doc["comment"] = f"Created by: {layer.created_by}"
    return doc


def _image_package(inventory: Inventory) -> dict[str, Any]:
    return {
        "SPDXID": IMAGE_ID,
        "name": inventory.image_name,
        "versionInfo": inventory.image_tag,
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": False,
        "primaryPackagePurpose": "CONTAINER",
    }


def _relation(element: str, kind: str, related: str) -> dict[str, str]:
    return {"spdxElementId": element, "relationshipType": kind, "relatedSpdxElement": related}


def _relationships(inventory: Inventory) -> list[dict[str, str]]:
    relations = [_relation("SPDXRef-DOCUMENT", "DESCRIBES", IMAGE_ID)]
    relations += [_relation(IMAGE_ID, "CONTAINS", f"SPDXRef-BaseLayer-{b.number}") for b in inventory.base_layers]
    relations += [_relation(IMAGE_ID, "CONTAINS", package_id(p.path)) for p in inventory.packages]
    relations += [
        _relation(package_id(p.path), "DEPENDS_ON", package_id(r)) for p in inventory.packages for r in p.references
    ]
    return relations


def document(inventory: Inventory) -> bytes:
    """The SPDX document's bytes (canonical JSON)."""
    doc: dict[str, Any] = {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": f"{inventory.image_name}:{inventory.image_tag}",
        "creationInfo": {"created": inventory.created, "creators": [TOOL]},
        "packages": [_image_package(inventory)]
        + [_base_package(b) for b in inventory.base_layers]
        + [_store_package(p) for p in inventory.packages],
        "relationships": _relationships(inventory),
    }
    digest = hashlib.sha256(canonical_json.dumps(doc)).hexdigest()
    doc["documentNamespace"] = f"{NAMESPACE_ROOT}{inventory.image_name}-{digest}"
    return canonical_json.dumps(doc)
