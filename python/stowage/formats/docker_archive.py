"""Writing a whole image as a docker-archive, in one pass over its sources.

Members, in order: the base layers (copied byte for byte, checked against
their diff_ids as they are copied), the store layers
(hashed while written), the customisation layer (a prebuilt tar whose digest
is recorded in the plan), the configuration ``<digest>.json`` and
``manifest.json``. Member names are free in this format (only ``manifest.json``
is fixed), so layers are named by position, which is known before their digest.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Optional

from stowage.archive import base_layer, docker_archive
from stowage.image import metadata as image_metadata
from stowage.layers import tarball as layer
from stowage.tar import headers as tarformat, member as tar_member
from stowage.errors import UserError
from stowage.contract.plan import Base, ImagePlan, StoreLayer
from stowage.output.sink import HashingSink
from stowage.tar.headers import Stamp
from stowage.timestamps import epoch_seconds, rfc3339

Progress = Callable[[str], None]



@dataclass
class _Written:
    names: list[str]  # the plan's member names, by position
    diff_ids: list[str]


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def _describe(paths: tuple[str, ...], limit: int = 3) -> str:
    names = [p.rsplit("/", 1)[-1].split("-", 1)[-1] for p in paths]
    more = f" (+{len(names) - limit} more)" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def _write_base(base: Base, sink: HashingSink, stamp: Stamp, out: _Written, progress: Progress) -> None:
    """Copy the base's layers, each checked against its diff_id as it is copied."""
    written: set[str] = set()
    with docker_archive.open_archive(base.archive) as archive:
        for index, layer_ref in enumerate(base.layers):
            name = out.names[index]
            if name not in written:
                with tar_member.regular(sink, name.encode(), layer_ref.size, stamp):
                    base_layer.copy(archive, docker_archive.Layer(layer_ref.source, layer_ref.diff_id, layer_ref.size), sink)
                written.add(name)
            out.diff_ids.append(layer_ref.diff_id)
            progress(f"layer {len(out.diff_ids)}: {_mb(layer_ref.size)} from the base image")


def _write_store_layer(
    plan: ImagePlan, store_layer: StoreLayer, sink: HashingSink, stamps: tuple[Stamp, Stamp],
    out: _Written, verify: bool,
) -> str:
    """Write one store layer: hashed while written, or, when its record gives
    the digest, copied without hashing (its size checked; ``verify`` hashes anyway)."""
    outer, inner = stamps
    paths = store_layer.paths
    entries = layer.store_entries(plan.store_dir, paths)
    size = layer.length(entries, inner)
    if store_layer.size is not None and store_layer.size != size:
        raise UserError(
            f"the layer of {_describe(paths)} makes {size} bytes, but its record says "
            f"{store_layer.size}: the record does not match the store (rebuild the image)"
        )
    name = out.names[len(out.diff_ids)]
    sink.write(tarformat.header(name.encode(), tarformat.REGTYPE, tar_member.FILE_MODE, outer, size=size))
    hashing = store_layer.diff_id is None or verify
    if hashing:
        sink.begin_digest()
    layer.write(entries, inner, sink)
    diff_id = store_layer.diff_id
    if hashing:
        digest, written = sink.end_digest()
        if written != size:
            raise UserError(f"the layer of {_describe(paths)} changed while it was written")
        if diff_id is not None and digest != diff_id:
            raise UserError(
                f"the layer of {_describe(paths)} has digest {digest}, but its record says "
                f"{diff_id}: the record does not match the store (rebuild the image)"
            )
        diff_id = digest
    assert diff_id is not None
    tar_member.end(sink, size)
    out.diff_ids.append(diff_id)
    recorded = "" if store_layer.diff_id is None else " (recorded)"
    return f"{_mb(size)}, {len(paths)} store paths{recorded}: {_describe(paths)}"


def write_image(
    plan: ImagePlan,
    sink: HashingSink,
    *,
    repo_tag: Optional[str] = None,
    progress: Progress = lambda line: None,
    now: Optional[datetime] = None,
    verify: bool = False,
) -> None:
    """Write the docker-archive of ``plan`` to ``sink``."""
    now = now or datetime.now(timezone.utc)
    created = rfc3339(plan.created, "created", now)
    mtime = epoch_seconds(plan.mtime, "mtime", now)
    o = plan.owner
    outer = Stamp(mtime, 0, 0, b"", b"")
    inner = Stamp(mtime, o.uid, o.gid, o.uname.encode(), o.gname.encode())
    out = _Written(image_metadata.layer_names(plan), [])
    if plan.base is not None:
        _write_base(plan.base, sink, outer, out, progress)
    for store_layer in plan.store_layers:
        summary = _write_store_layer(plan, store_layer, sink, (outer, inner), out, verify)
        progress(f"layer {len(out.diff_ids)}: {summary}")
    custom = plan.customisation_layer
    with tar_member.regular(sink, out.names[len(out.diff_ids)].encode(), custom.size, outer):
        sink.file(os.fsencode(custom.source), custom.size)
    out.diff_ids.append(custom.diff_id)
    progress(f"layer {len(out.diff_ids)}: {_mb(custom.size)}, the customisation layer")
    config = image_metadata.config_bytes(plan, created, out.diff_ids)
    manifest = image_metadata.manifest_bytes(plan, config, repo_tag or plan.repo_tag)
    for name, data in ((image_metadata.config_name(config), config), ("manifest.json", manifest)):
        tar_member.add_bytes(sink, name.encode(), data, outer)
    sink.write(tarformat.END_OF_ARCHIVE)
