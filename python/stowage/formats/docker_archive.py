"""Writing a whole image of the image model as a docker-archive, in one pass
over its layers' origins.

Members, in order: the layers, bottom first (an archive member copied byte for
byte and checked against its diff_id as it is copied; store paths hashed while
written, or checked against their record; a prebuilt tar whose digest is
recorded), the configuration ``<digest>.json`` and ``manifest.json``. Member
names are free in this format (only ``manifest.json`` is fixed), so layers are
named by position, which is known before their digest.
"""

from __future__ import annotations

import os
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Callable, Optional

from stowage import canonical_json
from stowage.contract.plan import ImagePlan
from stowage.errors import UserError
from stowage.image import metadata, model
from stowage.layers import listed as layer_listed, tarball as layer_tar
from stowage.output.sink import HashingSink
from stowage.tar import headers as tarformat, member as tar_member
from stowage.tar.headers import Stamp
from stowage.timestamps import epoch_seconds

if TYPE_CHECKING:
    from stowage.archive import docker_archive

Progress = Callable[[str], None]


@dataclass
class _Writer:
    """One archive being written: its sink, the stamp of its members, and the
    docker-archives its layers are copied from (each opened once)."""

    sink: HashingSink
    stamp: Stamp
    verify: bool
    stack: ExitStack
    archives: dict[str, docker_archive.Archive] = field(default_factory=dict)

    def archive(self, path: str) -> docker_archive.Archive:
        if path not in self.archives:
            from stowage.archive.docker_archive import open_archive  # see _archive_member

            self.archives[path] = self.stack.enter_context(open_archive(path))
        return self.archives[path]


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def _describe(paths: tuple[str, ...], limit: int = 3) -> str:
    names = [p.rsplit("/", 1)[-1].split("-", 1)[-1] for p in paths]
    more = f" (+{len(names) - limit} more)" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def _archive_member(w: _Writer, name: str, layer: model.Layer, origin: model.ArchiveMember) -> str:
    """Copy a layer member, checked against its diff_id as it is copied."""
    # Imported here: reading archives (tarfile, decompressors) costs a stream of
    # store paths only start-up time (about 15 ms, measured here).
    from stowage.archive import base_layer

    size = int(layer.size or 0)
    with tar_member.regular(w.sink, name.encode(), size, w.stamp):
        base_layer.copy(w.archive(origin.archive), layer, w.sink)
    return f"{_mb(size)} from the base image"


def _store_tar(sink: HashingSink, layer: model.Layer, origin: model.StorePaths) -> tuple[int, Callable[[], None]]:
    """The length of a store layer's tar and its writer: from the layer's listing
    when its record has one (the record gives the length), else from the store."""
    listing, paths = origin.listing, origin.paths
    if listing is not None and layer.size is not None:
        return layer.size, lambda: layer_listed.write(listing, origin.store_dir, paths, origin.stamp, sink)
    entries = layer_tar.store_entries(origin.store_dir, paths)
    size = layer_tar.length(entries, origin.stamp)
    if layer.size is not None and layer.size != size:
        raise _not_recorded(paths, size, layer.size)
    return size, lambda: layer_tar.write(entries, origin.stamp, sink)


def _not_recorded(paths: tuple[str, ...], size: int, recorded: int) -> UserError:
    return UserError(
        f"the layer of {_describe(paths)} makes {size} bytes, but its record says "
        f"{recorded}: the record does not match the store (rebuild the image)"
    )


def _store_paths(w: _Writer, name: str, layer: model.Layer, origin: model.StorePaths) -> tuple[str, str]:
    """Write a store layer: hashed while written, or, when its record gives the
    digest, copied without hashing (its size checked; ``verify`` hashes anyway)."""
    paths = origin.paths
    size, write = _store_tar(w.sink, layer, origin)
    hashing = layer.diff_id is None or w.verify
    with tar_member.regular(w.sink, name.encode(), size, w.stamp):
        if hashing:
            w.sink.begin_digest()
        start = w.sink.written
        write()
        if not hashing and w.sink.written - start != size:
            raise _not_recorded(paths, w.sink.written - start, size)
        diff_id = _checked_digest(w.sink, layer, size, paths) if hashing else str(layer.diff_id)
    recorded = "" if layer.diff_id is None else " (recorded)"
    return diff_id, f"{_mb(size)}, {len(paths)} store paths{recorded}: {_describe(paths)}"


def _checked_digest(sink: HashingSink, layer: model.Layer, size: int, paths: tuple[str, ...]) -> str:
    digest, written = sink.end_digest()
    if written != size:
        raise UserError(f"the layer of {_describe(paths)} changed while it was written")
    if layer.diff_id is not None and digest != layer.diff_id:
        raise UserError(
            f"the layer of {_describe(paths)} has digest {digest}, but its record says "
            f"{layer.diff_id}: the record does not match the store (rebuild the image)"
        )
    return digest


def _tar_file(w: _Writer, name: str, layer: model.Layer, origin: model.TarFile) -> str:
    size = int(layer.size or 0)
    with tar_member.regular(w.sink, name.encode(), size, w.stamp):
        w.sink.file(os.fsencode(origin.path), size)
    return f"{_mb(size)}, the customisation layer"


def _layer(w: _Writer, name: str, layer: model.Layer) -> tuple[str, str]:
    """Write one layer member; return its diff_id and a line of progress."""
    origin = layer.origin
    if isinstance(origin, model.StorePaths):
        return _store_paths(w, name, layer, origin)
    if layer.diff_id is None:
        raise ValueError(f"_layer: a layer of {origin} has no diff_id")
    if isinstance(origin, model.ArchiveMember):
        return layer.diff_id, _archive_member(w, name, layer, origin)
    if isinstance(origin, model.TarFile):
        return layer.diff_id, _tar_file(w, name, layer, origin)
    raise ValueError(f"_layer: a layer of {origin} is written where it is fetched (registry.pull)")


def _known(layer: model.Layer) -> str:
    """The diff_id of a layer left out for the engine, which must be known."""
    if layer.diff_id is None:
        raise ValueError(f"write: a layer of {layer.origin} held by the engine has no diff_id")
    return layer.diff_id


def write(image: model.Image, sink: HashingSink, *, mtime: int, progress: Progress, verify: bool = False,
          present: int = 0) -> None:
    """Write the docker-archive of ``image`` to ``sink``; its members have time
    ``mtime``. The ``present`` bottom layers (held by the engine that loads it,
    their digests known) are listed in ``manifest.json`` but not written: Docker
    skips a layer whose chain it has."""
    names = model.layer_names(image)
    diff_ids: list[str] = []
    with ExitStack() as stack:
        w = _Writer(sink, Stamp(mtime, 0, 0, b"", b""), verify, stack)
        for layer, name in zip(image.layers, names, strict=True):
            if len(diff_ids) < present:
                diff_ids.append(_known(layer))
                progress(f"layer {len(diff_ids)}: {_mb(int(layer.size or 0))}, held by the engine")
                continue
            if name in names[present: len(diff_ids)]:  # a member written already
                diff_ids.append(str(layer.diff_id))
                progress(f"layer {len(diff_ids)}: {_mb(int(layer.size or 0))} from the base image")
                continue
            diff_id, summary = _layer(w, name, layer)
            diff_ids.append(diff_id)
            progress(f"layer {len(diff_ids)}: {summary}")
    for name, data in trailer(model.with_diff_ids(image, diff_ids), names):
        tar_member.add_bytes(sink, name.encode(), data, w.stamp)
    sink.write(tarformat.END_OF_ARCHIVE)


def trailer(image: model.Image, layer_members: list[str]) -> list[tuple[str, bytes]]:
    """The members that follow the layers of a one-image archive: the
    configuration ``<digest hex>.json`` and ``manifest.json``."""
    config_name = metadata.config_name(image.config)
    manifest = metadata.archive_manifest(config_name, list(image.repo_tags), layer_members)
    return [(config_name, image.config), ("manifest.json", canonical_json.dumps(manifest))]


def write_image(
    plan: ImagePlan,
    sink: HashingSink,
    *,
    repo_tag: Optional[str] = None,
    progress: Progress = lambda line: None,
    now: Optional[datetime] = None,
    verify: bool = False,
    present: int = 0,
) -> None:
    """Write the docker-archive of ``plan`` to ``sink`` (tagged ``repo_tag``, or
    the plan's), without the members of its ``present`` bottom layers (see ``write``)."""
    now = now or datetime.now(timezone.utc)
    image = model.of_plan(plan, now)
    if repo_tag is not None:
        image = replace(image, repo_tags=(repo_tag,))
    write(image, sink, mtime=epoch_seconds(plan.mtime, "mtime", now), progress=progress, verify=verify,
          present=present)
