"""Documents attached to an image as OCI 1.1 artifacts (image-spec ``manifest.md``,
"Guidelines for Artifact Usage"; distribution-spec "Listing Referrers").

An attachment is an image manifest whose ``artifactType`` says what it carries
(an SPDX or CycloneDX SBOM, an in-toto statement), whose config is the empty
descriptor, whose one layer is the document, and whose ``subject`` is the image's
manifest. A registry with the referrers API lists it by its subject; one without
(distribution 2.8) is given the referrers tag schema: an image index tagged
``<alg>-<hex>`` of the subject's digest, listing every attachment's descriptor.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from stowage import canonical_json
from stowage.errors import UserError
from stowage.supply.annotations import with_annotations

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
EMPTY_MEDIA_TYPE = "application/vnd.oci.empty.v1+json"
EMPTY = b"{}"
IN_TOTO = "application/vnd.in-toto+json"


@dataclass(frozen=True)
class Attachment:
    """A document to attach: its bytes and media type (also the artifact type)."""

    media_type: str
    data: bytes

    @property
    def digest(self) -> str:
        return "sha256:" + hashlib.sha256(self.data).hexdigest()


def _descriptor(media_type: str, data: bytes) -> dict[str, Any]:
    return {"mediaType": media_type, "digest": "sha256:" + hashlib.sha256(data).hexdigest(), "size": len(data)}


def artifact_manifest(attachment: Attachment, subject: dict[str, Any], annotations: dict[str, str]) -> bytes:
    """The artifact manifest of ``attachment`` about ``subject`` (a manifest descriptor)."""
    doc = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": attachment.media_type,
        "config": _descriptor(EMPTY_MEDIA_TYPE, EMPTY),
        "layers": [_descriptor(attachment.media_type, attachment.data)],
        "subject": {k: subject[k] for k in ("mediaType", "digest", "size")},
    }
    return canonical_json.dumps(with_annotations(doc, annotations))


def referrer_descriptor(manifest: bytes, attachment: Attachment, annotations: dict[str, str]) -> dict[str, Any]:
    """The descriptor of an artifact manifest, as referrers lists show it."""
    return with_annotations({**_descriptor(OCI_MANIFEST, manifest), "artifactType": attachment.media_type}, annotations)


def tag_of(subject_digest: str) -> str:
    """The referrers tag schema's tag of a subject: ``sha256-<hex>``."""
    algorithm, _, hexdigest = subject_digest.partition(":")
    return f"{algorithm}-{hexdigest}"


def merged_index(existing: Any, added: list[dict[str, Any]]) -> bytes:
    """The referrers index: ``existing`` (parsed, or None) plus the ``added``
    descriptors that it lacks (by digest); their order kept, new ones last."""
    manifests: list[Any] = []
    if existing is not None:
        if not isinstance(existing, dict) or not isinstance(existing.get("manifests"), list):
            raise UserError("the registry's referrers tag holds something other than an image index")
        manifests = list(existing["manifests"])
    known = {m.get("digest") for m in manifests if isinstance(m, dict)}
    manifests += [d for d in added if d["digest"] not in known]
    return canonical_json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests})
