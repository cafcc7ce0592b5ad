"""Image manifests and indexes: Docker Image Manifest V2 Schema 2 and its
manifest list, and the OCI image manifest and index (image-spec v1.0/v1.1);
parsing them into descriptors, and picking an index's entry for a platform.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from stowage import media_types
from stowage.digest import is_digest
from stowage.errors import UserError
from stowage.registry.untrusted import parse_json, quoted, shown

DOCKER_MANIFEST = media_types.DOCKER_MANIFEST
DOCKER_LIST = media_types.DOCKER_LIST
OCI_MANIFEST = media_types.OCI_MANIFEST
OCI_INDEX = media_types.OCI_INDEX
DOCKER_SCHEMA1 = media_types.DOCKER_SCHEMA1
#: What the client accepts, in the Accept header.
ACCEPT = ", ".join((OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST))

GZIP_LAYERS = media_types.GZIP_LAYERS
PLAIN_LAYERS = media_types.PLAIN_LAYERS


@dataclass(frozen=True)
class Platform:
    os: str
    architecture: str
    variant: Optional[str] = None

    def __str__(self) -> str:
        return "/".join(p for p in (self.os, self.architecture, self.variant) if p)


@dataclass(frozen=True)
class Descriptor:
    media_type: str
    digest: str
    size: int
    platform: Optional[Platform] = None


@dataclass(frozen=True)
class Manifest:
    config: Descriptor
    layers: tuple[Descriptor, ...]


def _descriptor(value: Any, what: str) -> Descriptor:
    if not isinstance(value, dict):
        raise UserError(f"{what} is not a descriptor object")
    digest, size, media_type = value.get("digest"), value.get("size"), value.get("mediaType", "")
    if not isinstance(digest, str) or not is_digest(digest):
        raise UserError(f"{what} has digest {shown(repr(digest), 100)}; only sha256:<64 hex> digests are supported")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise UserError(f"{what} has size {shown(repr(size), 60)}, not a non-negative integer")
    platform = value.get("platform")
    parsed = None
    if isinstance(platform, dict):
        variant = platform.get("variant")
        parsed = Platform(str(platform.get("os", "")), str(platform.get("architecture", "")),
                          str(variant) if variant else None)
    return Descriptor(str(media_type), digest, size, parsed)


def _document(data: bytes, what: str) -> dict[str, Any]:
    document = parse_json(data, what)
    if not isinstance(document, dict):
        raise UserError(f"{what} is not a JSON object")
    return document


def kind(data: bytes, content_type: str, what: str) -> str:
    """``"index"`` or ``"manifest"``; schema 1 and unknown types are refused."""
    document = _document(data, what)
    media_type = document.get("mediaType") or content_type
    if media_type in DOCKER_SCHEMA1 or document.get("schemaVersion") == 1:
        raise UserError(f"{what} is a Docker schema 1 manifest, which is not supported; push the image again with a current client")
    if media_type in (DOCKER_LIST, OCI_INDEX) or "manifests" in document:
        return "index"
    if media_type in (DOCKER_MANIFEST, OCI_MANIFEST) or "layers" in document:
        return "manifest"
    raise UserError(f"{what} has the unknown media type {quoted(media_type)}")


def parse_index(data: bytes, what: str) -> tuple[Descriptor, ...]:
    entries = _document(data, what).get("manifests")
    if not isinstance(entries, list):
        raise UserError(f"{what} has no list of manifests")
    return tuple(_descriptor(e, f"{what}, entry {n}") for n, e in enumerate(entries))


def parse_manifest(data: bytes, what: str) -> Manifest:
    document = _document(data, what)
    layers = document.get("layers")
    if not isinstance(layers, list):
        raise UserError(f"{what} has no list of layers")
    return Manifest(
        _descriptor(document.get("config"), f"{what}, config"),
        tuple(_descriptor(layer, f"{what}, layer {n + 1}") for n, layer in enumerate(layers)),
    )


def _variant_fits(wanted: Optional[str], entry: Platform) -> bool:
    if wanted is None or entry.variant == wanted:
        return True
    # arm64 images mostly carry no variant, some "v8": the two mean the same.
    return entry.architecture == "arm64" and {wanted, entry.variant} <= {"v8", None}


def choose(entries: tuple[Descriptor, ...], wanted: Platform, what: str) -> Descriptor:
    """The index entry for ``wanted``: os and architecture equal, the variant equal
    when one is asked for (else an entry without a variant first)."""
    fits = [
        e for e in entries
        if e.platform is not None and e.platform.os == wanted.os
        and e.platform.architecture == wanted.architecture and _variant_fits(wanted.variant, e.platform)
    ]
    fits.sort(key=lambda e: e.platform is not None and e.platform.variant != wanted.variant)
    if not fits:
        present = shown(", ".join(str(e.platform) for e in entries if e.platform is not None) or "none")
        raise UserError(f"{what} has no image for {wanted}; it has: {present}. Set os, arch and variant to one of them")
    return fits[0]
