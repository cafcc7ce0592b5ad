"""The registry record of a pulled image (``stowage-registry.json``, a member of
pullImage's docker-archive): where the image came from and each layer's blob as
the registry stores it (media type, digest and size of the compressed blob), so
that an image built on it can push the base layers by reference (a mount or a
copy between registries) instead of compressing them again into other blobs.

Written by ``stowage.registry.pull`` in canonical JSON; read and checked
against the archive by ``stowage.archive.docker_archive``. Parsed by
``stowage.contract.schema`` (strict, versioned; camelCase keys).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class RecordedLayer:
    """One layer, in manifest order: its registry blob and its diff_id."""

    media_type: str
    digest: str
    size: int
    diff_id: str


@dataclass(frozen=True)
class RegistryRecord:
    DOCUMENT: ClassVar[str] = "the registry record (stowage-registry.json)"
    VERSION: ClassVar[int] = 1
    FILE: ClassVar[str] = "stowage-registry.json"

    registry: str  # host[:port], as pulled (docker.io for Docker Hub)
    repository: str  # the repository's path on it
    image_digest: str  # the digest asked for (a manifest or an index)
    manifest_digest: str  # the platform's image manifest
    config_digest: str
    layers: tuple[RecordedLayer, ...]
