"""Pushing an image's attachments (its SBOMs, its provenance) as OCI 1.1 artifacts
whose subject is the image's manifest (see ``stowage.supply.referrers``): each
document's blob and the empty config, then each artifact manifest by digest. A
registry that answers with ``OCI-Subject`` indexes them itself; for one that does
not (distribution 2.8), the referrers tag ``sha256-<hex>`` is read, completed and
written back.
"""

from __future__ import annotations

import json
from typing import Callable

from stowage.errors import UserError
from stowage.push.plan import Content
from stowage.push.send import exists
from stowage.registry.client import RegistryClient
from stowage.registry.transport import status
from stowage.registry.upload import upload
from stowage.layers.blob import Forward
from stowage.supply import referrers
from stowage.supply.referrers import Attachment

Progress = Callable[[str], None]


def _blob(client: RegistryClient, data: bytes, label: str, progress: Progress) -> None:
    digest = Attachment("", data).digest
    if exists(client, digest):
        progress(f"{label} {digest[7:19]}: exists")
        return

    def produce(forward: Forward) -> None:
        forward(data)

    upload(client, digest, len(data), produce, what=f"{label} (blob {digest})")
    progress(f"{label} {digest[7:19]}: {len(data)} bytes sent")


def _put(client: RegistryClient, reference: str, data: bytes, media_type: str) -> bool:
    """PUT a manifest; whether the registry said it indexes its subject (OCI-Subject)."""
    what = f"manifest {reference}"
    response = client.send("PUT", f"/v2/{client.repo.path}/manifests/{reference}", what,
                           data=data, headers={"Content-Type": media_type})
    if status(response) not in (200, 201):
        raise client.fail(response, what)
    indexed = response.headers.get("OCI-Subject") is not None
    response.close()
    return indexed


def _update_tag(client: RegistryClient, subject: str, added: list[dict[str, object]], progress: Progress) -> None:
    tag = referrers.tag_of(subject)
    response = client.send("HEAD", f"/v2/{client.repo.path}/manifests/{tag}", f"manifest {tag}",
                           headers={"Accept": referrers.OCI_INDEX})
    response.close()
    existing = None
    if status(response) == 200:
        data, _ = client.manifest(tag, referrers.OCI_INDEX)
        try:
            existing = json.loads(data)
        except ValueError:
            raise UserError(f"the referrers tag {tag} holds something other than JSON") from None
    elif status(response) != 404:
        raise client.fail(response, f"manifest {tag}")
    _put(client, tag, referrers.merged_index(existing, added), referrers.OCI_INDEX)
    progress(f"referrers tag {tag}: lists {len(added)} attachments of this push")


def attach(client: RegistryClient, subject: Content, attachments: list[Attachment],
           annotations: dict[str, str], progress: Progress) -> list[str]:
    """Push ``attachments`` about the manifest ``subject``; return their manifests' digests."""
    if not attachments:
        return []
    _blob(client, referrers.EMPTY, "empty config", progress)
    descriptors = []
    indexed = True
    for attachment in attachments:
        _blob(client, attachment.data, attachment.media_type, progress)
        manifest = referrers.artifact_manifest(attachment, subject.descriptor(), annotations)
        digest = Attachment("", manifest).digest
        indexed = _put(client, digest, manifest, referrers.OCI_MANIFEST) and indexed
        descriptors.append(referrers.referrer_descriptor(manifest, attachment, annotations))
    if not indexed:
        _update_tag(client, subject.digest, descriptors, progress)
    return [str(d["digest"]) for d in descriptors]
