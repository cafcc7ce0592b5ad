"""The documents of pushes, written at build time and read by later steps and by
the push programs:

- ``blobs.json`` (``compress-layer``): each layer's gzipped blob;
- ``push.json`` (``push-plan``): everything a push of one image sends;
- ``images.json`` (``multi-arch-image``): the push plans of a multi-platform image.

Parsed by ``stowage.contract.schema`` (strict, versioned; camelCase keys).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Optional


@dataclass(frozen=True)
class Blob:
    """A layer as a registry blob."""

    key: Optional[str]  # a base archive's member name; None for a layer of its own
    diff_id: Optional[str]  # None for a member that was already gzipped
    digest: str
    size: int
    compressed: bool = False


@dataclass(frozen=True)
class BlobsRecord:
    DOCUMENT: ClassVar[str] = "the blob record (blobs.json)"
    VERSION: ClassVar[int] = 1
    FILE: ClassVar[str] = "blobs.json"

    level: int  # gzip level
    blobs: tuple[Blob, ...]


@dataclass(frozen=True)
class Platform:
    os: str
    architecture: str
    variant: Optional[str]


@dataclass(frozen=True)
class Described:
    """A file next to the document, by digest and size."""

    digest: str
    size: int


@dataclass(frozen=True)
class PushDocument:
    DOCUMENT: ClassVar[str] = "the push plan (push.json)"
    VERSION: ClassVar[int] = 1
    FILE: ClassVar[str] = "push.json"

    plan: str  # path of the image plan
    level: int
    repo_tag: str
    platform: Platform
    config: Described  # config.json
    manifest: Described  # manifest.json
    layers: tuple[Blob, ...]


@dataclass(frozen=True)
class MultiArchDocument:
    DOCUMENT: ClassVar[str] = "the multi-platform image (images.json)"
    VERSION: ClassVar[int] = 1
    FILE: ClassVar[str] = "images.json"

    repo_tag: str
    images: tuple[str, ...]  # push plan directories
    annotations: dict[str, str] = field(default_factory=dict)  # the index's
