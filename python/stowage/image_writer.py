"""Writing a whole image as a docker-archive, in one pass over its sources.

Members, in order: the base layers (copied byte for byte), the store layers
(hashed while written), the customisation layer (a prebuilt tar whose digest
is recorded in the plan), the configuration ``<digest>.json`` and
``manifest.json``. Member names are free in this format (only ``manifest.json``
is fixed), so layers are named by position, which is known before their digest.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Optional

from . import canonical_json, docker_archive, image_config, layer, tarformat
from .errors import UserError
from .plan import Base, ImagePlan
from .sink import HashingSink
from .tarformat import Stamp
from .timestamps import epoch_seconds, rfc3339

Progress = Callable[[str], None]

_CHUNK = 1 << 20


@dataclass
class _Written:
    names: list[str]
    diff_ids: list[str]
    history: list[dict[str, object]]


def _member(sink: HashingSink, name: str, size: int, stamp: Stamp) -> None:
    sink.write(tarformat.header(name.encode(), tarformat.REGTYPE, 0o444, stamp, size=size))


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def _describe(paths: tuple[str, ...], limit: int = 3) -> str:
    names = [p.rsplit("/", 1)[-1].split("-", 1)[-1] for p in paths]
    more = f" (+{len(names) - limit} more)" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def _base_history(base: Base, created: str) -> list[dict[str, object]]:
    """The base's own history when it matches its layers, else one entry per layer."""
    real = [h for h in base.history if not h.get("empty_layer")]
    if len(real) == len(base.layers):
        return list(base.history)
    return [image_config.history_entry(created, "base image layer") for _ in base.layers]


def _write_base(base: Base, sink: HashingSink, stamp: Stamp, out: _Written, progress: Progress) -> None:
    written: dict[str, str] = {}
    with docker_archive.open_archive(base.archive) as archive:
        for layer_ref in base.layers:
            if layer_ref.source not in written:
                name = f"layers/{len(out.names) + 1:03d}.tar"
                member = docker_archive.resolve_member(archive, layer_ref.source)
                handle = archive.extractfile(member)
                assert handle is not None
                _member(sink, name, member.size, stamp)
                while chunk := handle.read(_CHUNK):
                    sink.write(chunk)
                sink.zeros(tarformat.padding(member.size))
                written[layer_ref.source] = name
            out.names.append(written[layer_ref.source])
            out.diff_ids.append(layer_ref.diff_id)
            progress(f"layer {len(out.names)}: {_mb(layer_ref.size)} from the base image")


def _write_store_layer(
    plan: ImagePlan, paths: tuple[str, ...], sink: HashingSink, stamps: tuple[Stamp, Stamp], out: _Written
) -> str:
    outer, inner = stamps
    entries = layer.store_entries(plan.store_dir, paths)
    size = layer.length(entries, inner)
    name = f"layers/{len(out.names) + 1:03d}.tar"
    _member(sink, name, size, outer)
    sink.begin_digest()
    layer.write(entries, inner, sink)
    diff_id, written = sink.end_digest()
    if written != size:
        raise UserError(f"the layer of {_describe(paths)} changed while it was written")
    sink.zeros(tarformat.padding(size))
    out.names.append(name)
    out.diff_ids.append(diff_id)
    return f"{_mb(size)}, {len(paths)} store paths: {_describe(paths)}"


def write_image(
    plan: ImagePlan,
    sink: HashingSink,
    *,
    repo_tag: Optional[str] = None,
    progress: Progress = lambda line: None,
    now: Optional[datetime] = None,
) -> None:
    """Write the docker-archive of ``plan`` to ``sink``."""
    now = now or datetime.now(timezone.utc)
    created = rfc3339(plan.created, "created", now)
    mtime = epoch_seconds(plan.mtime, "mtime", now)
    o = plan.owner
    outer = Stamp(mtime, 0, 0, b"", b"")
    inner = Stamp(mtime, o.uid, o.gid, o.uname.encode(), o.gname.encode())
    out = _Written([], [], [])
    if plan.base is not None:
        _write_base(plan.base, sink, outer, out, progress)
        out.history.extend(_base_history(plan.base, created))
    for paths in plan.store_layers:
        summary = _write_store_layer(plan, paths, sink, (outer, inner), out)
        out.history.append(image_config.history_entry(created, "store paths: " + " ".join(paths)))
        progress(f"layer {len(out.names)}: {summary}")
    custom = plan.customisation_layer
    name = f"layers/{len(out.names) + 1:03d}.tar"
    _member(sink, name, custom.size, outer)
    sink.copy_file(os.fsencode(custom.source), custom.size)
    sink.zeros(tarformat.padding(custom.size))
    out.names.append(name)
    out.diff_ids.append(custom.diff_id)
    out.history.append(image_config.history_entry(created, "customisation layer"))
    progress(f"layer {len(out.names)}: {_mb(custom.size)}, the customisation layer")
    _write_metadata(plan, sink, outer, out, created, repo_tag or plan.repo_tag)


def _write_metadata(
    plan: ImagePlan, sink: HashingSink, stamp: Stamp, out: _Written, created: str, repo_tag: str
) -> None:
    config = canonical_json.dumps(
        image_config.document(
            architecture=plan.architecture,
            variant=plan.variant,
            created=created,
            config=plan.config,
            diff_ids=out.diff_ids,
            history=out.history,
        )
    )
    config_name = f"{hashlib.sha256(config).hexdigest()}.json"
    manifest = canonical_json.dumps(docker_archive.manifest(config_name, [repo_tag], out.names))
    for name, data in ((config_name, config), ("manifest.json", manifest)):
        _member(sink, name, len(data), stamp)
        sink.write(data)
        sink.zeros(tarformat.padding(len(data)))
    sink.write(tarformat.END_OF_ARCHIVE)
