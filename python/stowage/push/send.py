"""Pushing an image (or a multi-platform index) whose every blob is known from
its push plan: one HEAD per blob, an upload of only the missing ones (layers
made again from the store and compressed on the fly, see ``upload``), then the
configuration and the manifest.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Callable

from stowage.layers import blob as layer_blob, source as layer_source
from stowage.contract import plan as image_plan
from stowage.errors import UserError
from stowage.layers.blob import Forward
from stowage.push.plan import Content, PushPlan
from stowage.registry.client import RegistryClient
from stowage.registry.transport import status
from stowage.registry.upload import Produce, upload

Progress = Callable[[str], None]


@dataclass
class Stats:
    """What a push did: blobs found, blobs sent and their bytes."""

    existing: int = 0
    uploaded: int = 0
    bytes_sent: int = 0
    done: set[str] = field(default_factory=set)  # digests handled in this run


def exists(client: RegistryClient, digest: str) -> bool:
    """Whether the repository has the blob ``digest`` (one HEAD)."""
    what = f"blob {digest}"
    response = client.send("HEAD", f"/v2/{client.repo.path}/blobs/{digest}", what)
    if status(response) in (200, 404):
        response.close()
        return status(response) == 200
    raise client.fail(response, what)


def _blob(client: RegistryClient, digest: str, size: int, produce: Produce, *, label: str,
          stats: Stats, progress: Progress) -> None:
    if digest in stats.done:
        progress(f"{label} {digest[7:19]}: pushed above")
        return
    stats.done.add(digest)
    if exists(client, digest):
        stats.existing += 1
        progress(f"{label} {digest[7:19]}: exists")
        return
    upload(client, digest, size, produce, what=f"{label} (blob {digest})")
    stats.uploaded += 1
    stats.bytes_sent += size
    progress(f"{label} {digest[7:19]}: {size} bytes sent")


def _layer_producer(source: layer_source.Source, blob: layer_blob.Blob, level: int) -> Produce:
    def produce(forward: Forward) -> None:
        if blob.compressed:
            layer_blob.as_is(source, forward)
        else:
            layer_blob.gzip(source, level, forward)

    return produce


def _bytes_producer(data: bytes) -> Produce:
    def produce(forward: Forward) -> None:
        forward(data)

    return produce


def put_manifest(client: RegistryClient, reference: str, content: Content) -> None:
    what = f"manifest {reference}"
    response = client.send("PUT", f"/v2/{client.repo.path}/manifests/{reference}", what,
                           data=content.data, headers={"Content-Type": content.media_type})
    if status(response) not in (200, 201):
        raise client.fail(response, what)
    response.close()


def push_image(client: RegistryClient, push: PushPlan, reference: str, *, stats: Stats, progress: Progress) -> None:
    """Push the blobs of ``push`` that the registry lacks, then its manifest as ``reference``."""
    with open(push.plan, encoding="utf-8") as handle:
        sources = layer_source.of_image(layer_source.image_to_push(image_plan.parse(json.load(handle))))
    if len(sources) != len(push.layers):
        raise UserError(f"the push plan {push.directory} has {len(push.layers)} layers, its image plan {len(sources)}")
    count = len(push.layers)
    for number, (blob, source) in enumerate(zip(push.layers, sources, strict=True), start=1):
        produce = _layer_producer(source, blob, push.level)
        _blob(client, blob.digest, blob.size, produce, label=f"layer {number}/{count}", stats=stats, progress=progress)
    config = push.config
    _blob(client, config.digest, len(config.data), _bytes_producer(config.data), label="config", stats=stats,
          progress=progress)
    put_manifest(client, reference, push.manifest)
