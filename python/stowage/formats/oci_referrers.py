"""Attached documents (SBOMs) in an OCI image layout: each document, the empty
config and an artifact manifest whose subject is the layout's image manifest (see
``stowage.supply.referrers``) are stored in ``blobs/``, with an image index that
lists those artifacts (as the referrers API would answer). The image's entry in
``index.json`` names that index's digest in its annotation ``stowage.referrers``.

``index.json`` keeps one entry per tag: podman 4.3 refuses a layout or oci-archive
whose index lists a second manifest ("more than one image"), so the artifacts are
reached through the annotation, not listed there. Tools that do not know it
(skopeo, umoci, podman) see the image alone.
"""

from __future__ import annotations

from typing import Any, Protocol

from stowage.supply import referrers
from stowage.supply.referrers import Attachment

ANNOTATION = "stowage.referrers"


class BlobStore(Protocol):
    def add_bytes(self, data: bytes) -> str: ...


def _referrers_index(blobs: BlobStore, subject: dict[str, Any], attachments: list[Attachment],
                     annotations: dict[str, str]) -> str:
    """Store the artifacts about ``subject``; return the digest of their index."""
    blobs.add_bytes(referrers.EMPTY)
    descriptors = []
    for attachment in attachments:
        blobs.add_bytes(attachment.data)
        manifest = referrers.artifact_manifest(attachment, subject, annotations)
        blobs.add_bytes(manifest)
        descriptors.append(referrers.referrer_descriptor(manifest, attachment, annotations))
    return blobs.add_bytes(referrers.merged_index(None, descriptors))


def attach(blobs: BlobStore, entries: list[dict[str, Any]], attachments: list[Attachment],
           annotations: dict[str, str]) -> list[dict[str, Any]]:
    """``entries`` (index.json's), each annotated with the referrers index of its manifest."""
    if not attachments:
        return entries
    indexes: dict[str, str] = {}
    annotated = []
    for entry in entries:
        if entry["digest"] not in indexes:
            indexes[entry["digest"]] = _referrers_index(blobs, entry, attachments, annotations)
        own = {**entry.get("annotations", {}), ANNOTATION: indexes[entry["digest"]]}
        annotated.append({**entry, "annotations": own})
    return annotated
