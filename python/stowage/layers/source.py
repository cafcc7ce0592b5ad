"""Where a layer's tar bytes come from, made again on demand: a store layer from
its paths (the same entries, stamp and order as the stream writes), a prebuilt
tar file (the customisation layer), or a member of a base image's archive.

A source is a function that writes the layer's tar into a ``HashingSink``; the
push and the compressed-layer records both compress what it writes, so the two
see the same bytes.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from typing import Callable

from stowage.archive import base_layer, docker_archive
from stowage.layers import tarball as layer
from stowage.errors import UserError
from stowage.contract.plan import BlobLayer, ImagePlan, Owner
from stowage.output.sink import HashingSink
from stowage.tar.headers import Stamp
from stowage.timestamps import NOW, epoch_seconds

Source = Callable[[HashingSink], None]


def stamp(mtime: int, owner: Owner) -> Stamp:
    """The stamp of a store layer's entries (as image_writer's inner stamp)."""
    return Stamp(mtime, owner.uid, owner.gid, owner.uname.encode(), owner.gname.encode())


def store_layer(store_dir: str, paths: tuple[str, ...], entry_stamp: Stamp) -> Source:
    """The layer of store ``paths``; listed now, so a vanished path fails early."""
    entries = layer.store_entries(store_dir, paths)
    return lambda sink: layer.write(entries, entry_stamp, sink)


def tar_file(path: str, size: int) -> Source:
    """A prebuilt layer tar of ``size`` bytes."""
    return lambda sink: sink.file(os.fsencode(path), size)


def archive_member(archive_path: str, layer_ref: BlobLayer) -> Source:
    """A layer member of a docker-archive (followed through links), checked
    against its diff_id as it is written."""

    def write(sink: HashingSink) -> None:
        with docker_archive.open_archive(archive_path) as archive:
            for chunk in base_layer.chunks(archive, _layer(layer_ref)):
                sink.write(chunk)

    return write


def member_is_gzip(archive_path: str, layer_ref: BlobLayer) -> bool:
    """Whether a base layer member is stored gzipped (then it is a blob as it is)."""
    with docker_archive.open_archive(archive_path) as archive:
        return base_layer.is_gzip(archive, _layer(layer_ref))


def _layer(layer_ref: BlobLayer) -> docker_archive.Layer:
    return docker_archive.Layer(layer_ref.source, layer_ref.diff_id, layer_ref.size)


def plan_mtime(plan: ImagePlan) -> int:
    """The fixed mtime of the plan's store layers; a push needs one."""
    if plan.mtime == NOW:
        raise UserError(
            "the image's mtime is \"now\": its store layers change at every write, "
            "so they cannot be recorded for a push; set mtime to a fixed time"
        )
    return epoch_seconds(plan.mtime, "mtime", datetime.now(timezone.utc))


def of_plan(plan: ImagePlan) -> list[Source]:
    """The sources of every layer of ``plan``, bottom first (as in its manifest)."""
    sources: list[Source] = []
    if plan.base is not None:
        archive = plan.base.archive
        sources += [archive_member(archive, base) for base in plan.base.layers]
    entry_stamp = stamp(plan_mtime(plan), plan.owner) if plan.store_layers else None
    for store in plan.store_layers:
        assert entry_stamp is not None
        sources.append(_deferred_store_layer(plan.store_dir, store.paths, entry_stamp))
    custom = plan.customisation_layer
    sources.append(tar_file(custom.source, custom.size))
    return sources


def _deferred_store_layer(store_dir: str, paths: tuple[str, ...], entry_stamp: Stamp) -> Source:
    """A store layer listed only when written (a push lists only the layers it sends)."""
    return lambda sink: store_layer(store_dir, paths, entry_stamp)(sink)
