"""The image model: one value for an image, whatever made it and whatever
writes it. An ``Image`` is its layers, bottom first, and its configuration; each
``Layer`` says where its tar bytes come from (its ``origin``), its ``diff_id``
and size once known, and the media type and digest of its blob once known.

Readers make images (``archive.docker_archive`` from a docker-archive,
``of_plan`` from an image plan, ``registry.pull`` from a registry); writers
(``formats``, ``push``) consume them. An image whose store layers are hashed
while written has no diff_ids yet: ``with_diff_ids`` gives the image they make,
its configuration rendered from its ``ConfigTemplate``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Optional, Sequence, Union

from stowage.contract.listing import Listing
from stowage.contract.plan import ImagePlan, Owner
from stowage.digest import Digest
from stowage.image import metadata
from stowage.image.config import ConfigTemplate
from stowage.tar.headers import Stamp
from stowage.timestamps import epoch_seconds, rfc3339


@dataclass(frozen=True)
class ArchiveMember:
    """A member of a docker-archive (followed through links), checked against
    its diff_id whenever it is read."""

    archive: str
    member: str


@dataclass(frozen=True)
class StorePaths:
    """The layer tar of store paths, made from the store with ``stamp``; from
    the layer's ``listing`` when its record has one."""

    store_dir: str
    paths: tuple[str, ...]
    stamp: Stamp
    reason: Optional[str] = None
    listing: Optional[Listing] = None


@dataclass(frozen=True)
class TarFile:
    """A prebuilt layer tar (the customisation layer, a runAsRoot layer)."""

    path: str


@dataclass(frozen=True)
class RegistryBlob:
    """A layer blob of a registry repository (what a pull fetches)."""

    repository: str
    digest: str


Origin = Union[ArchiveMember, StorePaths, TarFile, RegistryBlob]


@dataclass(frozen=True)
class Blob:
    """A layer as a registry or an OCI layout stores it; ``repository``
    (``host/path``) is a registry repository known to hold it."""

    media_type: str
    digest: str
    size: int
    repository: Optional[str] = None


@dataclass(frozen=True)
class Layer:
    """One layer: where its tar comes from; its diff_id and tar size when known
    (a store layer hashed while written has neither before); its blob when known."""

    origin: Origin
    diff_id: Optional[str] = None
    size: Optional[int] = None
    blob: Optional[Blob] = None


@dataclass(frozen=True)
class Image:
    """An image: its layers, bottom first, its tags, and its configuration's
    bytes (None until every diff_id is known; then ``template`` renders them)."""

    layers: tuple[Layer, ...]
    repo_tags: tuple[str, ...] = ()
    config_bytes: Optional[bytes] = None
    template: Optional[ConfigTemplate] = None  # renders config_bytes from the diff_ids

    @property
    def diff_ids(self) -> Optional[list[str]]:
        """Every layer's diff_id, or None while one is unknown."""
        ids = [layer.diff_id for layer in self.layers]
        return None if None in ids else [str(i) for i in ids]

    @property
    def config_digest(self) -> Digest:
        return Digest.of_bytes(self.config)

    @property
    def config(self) -> bytes:
        """The configuration's bytes; an image still missing diff_ids has none."""
        if self.config_bytes is None:
            raise ValueError("Image.config: the image's diff_ids are not all known yet (see with_diff_ids)")
        return self.config_bytes


def with_diff_ids(image: Image, diff_ids: Sequence[str]) -> Image:
    """The image whose layers have ``diff_ids`` (what writing them found), its
    configuration rendered from its template (or kept, when it has none)."""
    if len(diff_ids) != len(image.layers):
        raise ValueError(f"with_diff_ids: {len(diff_ids)} diff_ids for {len(image.layers)} layers")
    layers = tuple(replace(layer, diff_id=d) for layer, d in zip(image.layers, diff_ids, strict=True))
    config = image.config_bytes if image.template is None else image.template.render(diff_ids)
    return replace(image, layers=layers, config_bytes=config)


def with_blobs(image: Image, blobs: Sequence[Blob]) -> Image:
    """The image whose layers are stored as ``blobs``."""
    if len(blobs) != len(image.layers):
        raise ValueError(f"with_blobs: {len(blobs)} blobs for {len(image.layers)} layers")
    return replace(image, layers=tuple(replace(layer, blob=b) for layer, b in zip(image.layers, blobs, strict=True)))


def layer_names(image: Image) -> list[str]:
    """Docker-archive member names of the layers by position; a member of an
    archive listed twice is one member."""
    return metadata.member_names(
        [layer.origin if isinstance(layer.origin, ArchiveMember) else n for n, layer in enumerate(image.layers)]
    )


def owner_stamp(mtime: int, owner: Owner) -> Stamp:
    """The time and owner of the entries of store layers."""
    return Stamp(mtime, owner.uid, owner.gid, owner.uname.encode(), owner.gname.encode())


def of_plan(plan: ImagePlan, now: datetime) -> Image:
    """The image of an image plan (``now`` stands for created or mtime "now")."""
    layers: list[Layer] = []
    if plan.base is not None:
        archive = plan.base.archive
        layers += [Layer(ArchiveMember(archive, b.source), b.diff_id, b.size) for b in plan.base.layers]
    stamp = owner_stamp(epoch_seconds(plan.mtime, "mtime", now), plan.owner)
    for store in plan.store_layers:
        origin = StorePaths(plan.store_dir, store.paths, stamp, store.reason, store.listing)
        layers.append(Layer(origin, store.diff_id, store.size))
    custom = plan.customisation_layer
    layers.append(Layer(TarFile(custom.source), custom.diff_id, custom.size))
    template = metadata.config_template(plan, rfc3339(plan.created, "created", now))
    image = Image(tuple(layers), (plan.repo_tag,), template=template)
    ids = image.diff_ids
    return image if ids is None else replace(image, config_bytes=template.render(ids))
