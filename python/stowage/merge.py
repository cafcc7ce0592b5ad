"""mergeImages: several docker-archives as one, which loads every image with its
tags. Layer blobs shared between the inputs are stored once (keyed by diff_id),
and so are identical configurations (keyed by their digest).
"""

from __future__ import annotations

import hashlib
import json
import tarfile
from typing import Any, Callable

from . import canonical_json, docker_archive, tarformat
from .errors import UserError
from .sink import HashingSink
from .tarformat import Stamp

Progress = Callable[[str], None]
_CHUNK = 1 << 20
#: Members of the merged archive: fixed time and owner, read-only.
STAMP = Stamp(1, 0, 0, b"", b"")


def _member(sink: HashingSink, name: str, size: int) -> None:
    sink.write(tarformat.header(name.encode(), tarformat.REGTYPE, 0o444, STAMP, size=size))


def _write_blob(sink: HashingSink, name: str, archive: tarfile.TarFile, member: tarfile.TarInfo) -> None:
    handle = archive.extractfile(member)
    assert handle is not None
    _member(sink, name, member.size)
    copied = 0
    while chunk := handle.read(_CHUNK):
        sink.write(chunk)
        copied += len(chunk)
    if copied != member.size:
        raise UserError(f"member {member.name} of {docker_archive.label(archive)} is truncated")
    sink.zeros(tarformat.padding(member.size))


def _merge_one(
    path: str, sink: HashingSink, written: set[str], manifest: list[dict[str, Any]], zstd: str
) -> None:
    with docker_archive.open_archive(path, "mergeImages input", zstd) as archive:
        entries = docker_archive.read_json(archive, "manifest.json")
        if not isinstance(entries, list):
            raise UserError(f"{path}: manifest.json is not a list of images")
        for entry in entries:
            config_member = docker_archive.resolve_member(archive, entry["Config"])
            config_bytes = docker_archive.read_bytes(archive, config_member)
            config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
            if config_name not in written:
                _member(sink, config_name, len(config_bytes))
                sink.write(config_bytes)
                sink.zeros(tarformat.padding(len(config_bytes)))
                written.add(config_name)
            diff_ids = canonical_config_diff_ids(config_bytes, path)
            layers = list(entry.get("Layers") or [])
            if len(layers) != len(diff_ids):
                raise UserError(f"{path}: manifest.json and the configuration disagree on the number of layers")
            names = []
            for layer_name, diff_id in zip(layers, diff_ids):
                name = diff_id.split(":", 1)[-1] + "/layer.tar"
                if name not in written:
                    _write_blob(sink, name, archive, docker_archive.resolve_member(archive, layer_name))
                    written.add(name)
                names.append(name)
            manifest.append({"Config": config_name, "RepoTags": entry.get("RepoTags") or [], "Layers": names})


def canonical_config_diff_ids(config_bytes: bytes, path: str) -> list[str]:
    """Return the ``rootfs.diff_ids`` of a configuration, each with its ``sha256:``."""
    try:
        config = json.loads(config_bytes)
    except ValueError:
        raise UserError(f"{path}: an image configuration is not valid JSON") from None
    ids = (config.get("rootfs") or {}).get("diff_ids") or []
    return [i if i.startswith("sha256:") else "sha256:" + i for i in ids]


def merge(inputs: list[str], sink: HashingSink, progress: Progress, zstd: str) -> None:
    """Write one docker-archive holding every image of ``inputs``."""
    written: set[str] = set()
    manifest: list[dict[str, Any]] = []
    for path in inputs:
        before = len(manifest)
        _merge_one(path, sink, written, manifest, zstd)
        tags = [t for entry in manifest[before:] for t in entry["RepoTags"]]
        progress(f"{path}: {len(manifest) - before} image(s) {' '.join(tags)}")
    data = canonical_json.dumps(manifest)
    _member(sink, "manifest.json", len(data))
    sink.write(data)
    sink.zeros(tarformat.padding(len(data)))
    sink.write(tarformat.END_OF_ARCHIVE)
