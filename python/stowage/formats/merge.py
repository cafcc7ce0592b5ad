"""mergeImages: several docker-archives as one, which loads every image with its
tags. Layer blobs shared between the inputs are stored once (keyed by diff_id),
and so are identical configurations (keyed by their digest). Every layer is
checked against its diff_id as it is copied, and member names are made only of
checked digests.
"""

from __future__ import annotations

import hashlib
from typing import Any, Callable

from stowage.output.compression import Programs
from stowage.archive import base_layer, docker_archive
from stowage import canonical_json
from stowage.tar import headers as tarformat
from stowage.output.sink import HashingSink
from stowage.tar.headers import Stamp

Progress = Callable[[str], None]
#: Members of the merged archive: fixed time and owner, read-only.
STAMP = Stamp(1, 0, 0, b"", b"")


def _member(sink: HashingSink, name: str, size: int) -> None:
    sink.write(tarformat.header(name.encode(), tarformat.REGTYPE, 0o444, STAMP, size=size))


def _write_layer(sink: HashingSink, name: str, archive: docker_archive.Archive, layer: docker_archive.Layer) -> None:
    _member(sink, name, layer.size)
    base_layer.copy(archive, layer, sink)
    sink.zeros(tarformat.padding(layer.size))


def _merge_one(path: str, sink: HashingSink, written: set[str], manifest: list[dict[str, Any]], programs: Programs) -> None:
    with docker_archive.open_archive(path, "mergeImages input", programs) as archive:
        for image in archive.images():
            # Names come from checked digests only (sha256:<64 hex>), never from
            # the archive's own member names.
            config_name = hashlib.sha256(image.config_bytes).hexdigest() + ".json"
            if config_name not in written:
                _member(sink, config_name, len(image.config_bytes))
                sink.write(image.config_bytes)
                sink.zeros(tarformat.padding(len(image.config_bytes)))
                written.add(config_name)
            names = []
            for layer in image.layers:
                name = layer.diff_id.removeprefix("sha256:") + "/layer.tar"
                if name not in written:
                    _write_layer(sink, name, archive, layer)
                    written.add(name)
                names.append(name)
            manifest.append({"Config": config_name, "RepoTags": list(image.repo_tags), "Layers": names})


def merge(inputs: list[str], sink: HashingSink, progress: Progress, programs: Programs) -> None:
    """Write one docker-archive holding every image of ``inputs``."""
    written: set[str] = set()
    manifest: list[dict[str, Any]] = []
    for path in inputs:
        before = len(manifest)
        _merge_one(path, sink, written, manifest, programs)
        tags = [t for entry in manifest[before:] for t in entry["RepoTags"]]
        progress(f"{path}: {len(manifest) - before} image(s) {' '.join(tags)}")
    data = canonical_json.dumps(manifest)
    _member(sink, "manifest.json", len(data))
    sink.write(data)
    sink.zeros(tarformat.padding(len(data)))
    sink.write(tarformat.END_OF_ARCHIVE)
