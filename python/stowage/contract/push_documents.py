"""The documents of pushes, written at build time and read by later steps and by
the push programs:

- ``blobs.json`` (``compress-layer``): each layer's compressed blob;
- ``push.json`` (``push-plan``): everything a push of one image sends;
- ``images.json`` (``multi-arch-image``): the push plans of a multi-platform image.

Parsed by ``stowage.contract.schema`` (strict, versioned; camelCase keys).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Literal, Optional

from stowage import media_types

Format = Literal["gzip", "zstd"]
#: The OCI layer media type of each format of pushed layers.
MEDIA_TYPES: dict[str, str] = {"gzip": media_types.OCI_LAYER_GZIP, "zstd": media_types.OCI_LAYER_ZSTD}


@dataclass(frozen=True)
class Compression:
    """How pushed layers are compressed: the image's pushCompression, as the
    compress-layer and push-plan requests carry it and push.json repeats it (so
    that a push makes exactly the recorded bytes). Levels are checked by
    ``stowage.layers.compression.check``."""

    format: Format
    level: int
    keep: bool  # the compressed-layer derivations keep the blobs
    zstd: Optional[str]  # the zstd program, for format "zstd"

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]

    def same_bytes(self, other: "Compression") -> bool:
        """Whether blobs made with ``other`` are the ones made with this."""
        return (self.format, self.level) == (other.format, other.level)

    def describe(self) -> str:
        return f"{self.format} level {self.level}"


@dataclass(frozen=True)
class RegistryOrigin:
    """Where a pulled base layer's blob is: a registry repository (``host/path``)
    and the media type it has there."""

    repository: str
    media_type: str


@dataclass(frozen=True)
class Blob:
    """A layer as a registry blob."""

    key: Optional[str]  # a base archive's member name; None for a layer of its own
    diff_id: Optional[str]  # None for a member that was already gzipped
    digest: str
    size: int
    compressed: bool = False
    file: Optional[str] = None  # the kept blob (blobs.json: relative to its directory)
    origin: Optional[RegistryOrigin] = None  # a pulled base layer: the registry's blob, pushed by reference
    # A gzip blob's blocks, how each was written (``stowage.output.stored.choose``):
    # the push compresses again without testing the blocks.
    blocks: Optional[str] = None

    def media_type(self, compression: Compression) -> str:
        """Its media type in a manifest: an already gzipped member stays gzip; a
        registry's blob keeps its compression (as an OCI media type)."""
        if self.origin is not None:
            return media_types.oci_layer(self.origin.media_type) or media_types.OCI_LAYER_GZIP
        return media_types.OCI_LAYER_GZIP if self.compressed else compression.media_type


@dataclass(frozen=True)
class BlobsRecord:
    DOCUMENT: ClassVar[str] = "the blob record (blobs.json)"
    VERSION: ClassVar[int] = 4
    FILE: ClassVar[str] = "blobs.json"

    format: Format
    level: int
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
    VERSION: ClassVar[int] = 4
    FILE: ClassVar[str] = "push.json"

    plan: str  # path of the image plan
    compression: Compression
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
