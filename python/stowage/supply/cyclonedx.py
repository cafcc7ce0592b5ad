"""The image's SBOM as a CycloneDX 1.5 JSON document (cyclonedx.org/docs/1.5/json).

The image is the BOM's subject (``metadata.component``, a container); each store
path of its layers is a component (name and version from the store name, the NAR
hash as its SHA-256, the store path as its ``bom-ref`` and a ``nix:store_path``
property) and so is each layer of the base image. ``dependencies`` carry the
references graph; the image depends on the base layers and on the paths no other
path refers to. The serial number is derived from the content, so that an
unchanged closure gives the same bytes.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from stowage import canonical_json
from stowage.supply.inventory import BaseLayer, Inventory, StorePackage

MEDIA_TYPE = "application/vnd.cyclonedx+json"
SPEC_VERSION = "1.5"
IMAGE_REF = "image"


def _store_component(package: StorePackage) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "type": "library",
        "bom-ref": package.path,
        "name": package.name,
        "hashes": [{"alg": "SHA-256", "content": package.sha256}],
        "properties": [
            {"name": "nix:store_path", "value": package.path},
            {"name": "nix:nar_hash", "value": package.nar_hash},
        ],
    }
    if package.version:
        doc["version"] = package.version
    return doc


def _base_ref(layer: BaseLayer) -> str:
    return f"base-layer-{layer.number}"


def _base_component(layer: BaseLayer) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "type": "file",
        "bom-ref": _base_ref(layer),
        "name": f"base image layer {layer.number}",
        "hashes": [{"alg": "SHA-256", "content": layer.diff_id.removeprefix("sha256:")}],
    }
    if layer.created_by is not None:
        doc["description"] = f"Created by: {layer.created_by}"
    return doc


def _dependencies(inventory: Inventory) -> list[dict[str, Any]]:
    top = [_base_ref(b) for b in inventory.base_layers] + list(inventory.roots())
    deps = [{"ref": IMAGE_REF, "dependsOn": top}]
    deps += [{"ref": _base_ref(b), "dependsOn": []} for b in inventory.base_layers]
    deps += [{"ref": p.path, "dependsOn": list(p.references)} for p in inventory.packages]
    return deps


def document(inventory: Inventory) -> bytes:
    """The CycloneDX document's bytes (canonical JSON)."""
    doc: dict[str, Any] = {
        "$schema": "http://cyclonedx.org/schema/bom-1.5.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "version": 1,
        "metadata": {
            "timestamp": inventory.created,
            "tools": {"components": [{"type": "application", "name": "stowage"}]},
            "component": {
                "type": "container",
                "bom-ref": IMAGE_REF,
                "name": inventory.image_name,
                "version": inventory.image_tag,
            },
        },
        "components": [_base_component(b) for b in inventory.base_layers]
        + [_store_component(p) for p in inventory.packages],
        "dependencies": _dependencies(inventory),
    }
    digest = hashlib.sha256(canonical_json.dumps(doc)).digest()
    # A name-based UUID of the content (RFC 4122 version 5 bits over SHA-256's first bytes).
    doc["serialNumber"] = f"urn:uuid:{uuid.UUID(bytes=digest[:16], version=5)}"
    return canonical_json.dumps(doc)
