"""Where a layer's tar bytes come from, made again on demand from the image
model's ``Layer.origin``: a store layer from its paths (the same entries, stamp
and order as the stream writes), a prebuilt tar file (the customisation layer),
or a member of a docker-archive (checked against its diff_id as it is read).

A source is a function that writes the layer's tar into a ``HashingSink``; the
push and the compressed-layer records both compress what it writes, so the two
see the same bytes.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from typing import Callable, Optional

from stowage.archive import base_layer, docker_archive
from stowage.contract.plan import ImagePlan
from stowage.errors import UserError
from stowage.image import model
from stowage.contract.listing import Listing
from stowage.layers import listed, tarball as layer
from stowage.output.sink import HashingSink
from stowage.tar.headers import Stamp
from stowage.timestamps import NOW

Source = Callable[[HashingSink], None]


def store_layer(store_dir: str, paths: tuple[str, ...], entry_stamp: Stamp, listing: Optional[Listing] = None) -> Source:
    """The layer of store ``paths``: from its recorded ``listing``, or listed now,
    so that a vanished path fails early."""
    if listing is not None:
        return lambda sink: listed.write(listing, store_dir, paths, entry_stamp, sink)
    entries = layer.store_entries(store_dir, paths)
    return lambda sink: layer.write(entries, entry_stamp, sink)


def tar_file(path: str, size: int) -> Source:
    """A prebuilt layer tar of ``size`` bytes."""
    return lambda sink: sink.file(os.fsencode(path), size)


def archive_member(image_layer: model.Layer) -> Source:
    """A layer member of a docker-archive (followed through links), checked
    against its diff_id as it is written."""
    origin = image_layer.origin
    assert isinstance(origin, model.ArchiveMember)

    def write(sink: HashingSink) -> None:
        with docker_archive.open_archive(origin.archive) as archive:
            for chunk in base_layer.chunks(archive, image_layer):
                sink.write(chunk)

    return write


def member_is_gzip(image_layer: model.Layer) -> bool:
    """Whether a layer member is stored gzipped (then it is a blob as it is)."""
    origin = image_layer.origin
    assert isinstance(origin, model.ArchiveMember)
    with docker_archive.open_archive(origin.archive) as archive:
        return base_layer.is_gzip(archive, image_layer)


def of_layer(image_layer: model.Layer) -> Source:
    """The source of a layer of the image model; a store layer is listed only
    when written (a push lists only the layers it sends)."""
    origin = image_layer.origin
    if isinstance(origin, model.ArchiveMember):
        return archive_member(image_layer)
    if isinstance(origin, model.StorePaths):
        return lambda sink: store_layer(origin.store_dir, origin.paths, origin.stamp, origin.listing)(sink)
    if isinstance(origin, model.TarFile) and image_layer.size is not None:
        return tar_file(origin.path, image_layer.size)
    raise ValueError(f"of_layer: a layer of {origin} (size {image_layer.size}) cannot be made again here")


def image_to_push(plan: ImagePlan) -> model.Image:
    """The image of ``plan``, whose layers a push makes again: its store layers
    need a fixed mtime."""
    if plan.mtime == NOW and plan.store_layers:
        raise UserError(
            "the image's mtime is \"now\": its store layers change at every write, "
            "so they cannot be recorded for a push; set mtime to a fixed time"
        )
    return model.of_plan(plan, datetime.now(timezone.utc))


def of_image(image: model.Image) -> list[Source]:
    """The sources of every layer of ``image``, bottom first (as in its manifest)."""
    return [of_layer(image_layer) for image_layer in image.layers]
