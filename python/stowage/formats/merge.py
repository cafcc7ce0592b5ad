"""mergeImages: several docker-archives as one, which loads every image with its
tags. Layer blobs shared between the inputs are stored once (keyed by diff_id),
and so are identical configurations (keyed by their digest). Every layer is
checked against its diff_id as it is copied, and member names are made only of
checked digests.
"""

from __future__ import annotations

from typing import Any, Callable

from stowage.archive import base_layer, docker_archive
from stowage import canonical_json
from stowage.digest import Digest
from stowage.tar import headers as tarformat, member as tar_member
from stowage.output.sink import HashingSink
from stowage.tar.headers import Stamp

Progress = Callable[[str], None]
#: Members of the merged archive: fixed time and owner, read-only.
STAMP = Stamp(1, 0, 0, b"", b"")


def _write_layer(sink: HashingSink, name: str, archive: docker_archive.Archive, layer: docker_archive.Layer) -> None:
    with tar_member.regular(sink, name.encode(), layer.size, STAMP):
        base_layer.copy(archive, layer, sink)


def _merge_one(path: str, sink: HashingSink, written: set[str], manifest: list[dict[str, Any]], zstd: str) -> None:
    with docker_archive.open_archive(path, "mergeImages input", zstd) as archive:
        for image in archive.images():
            # Names come from checked digests only (sha256:<64 hex>), never from
            # the archive's own member names.
            config_name = Digest.of_bytes(image.config_bytes).hex + ".json"
            if config_name not in written:
                tar_member.add_bytes(sink, config_name.encode(), image.config_bytes, STAMP)
                written.add(config_name)
            names = []
            for layer in image.layers:
                name = Digest.parse(layer.diff_id, "diff_id").hex + "/layer.tar"
                if name not in written:
                    _write_layer(sink, name, archive, layer)
                    written.add(name)
                names.append(name)
            manifest.append({"Config": config_name, "RepoTags": list(image.repo_tags), "Layers": names})


def merge(inputs: list[str], sink: HashingSink, progress: Progress, zstd: str) -> None:
    """Write one docker-archive holding every image of ``inputs``."""
    written: set[str] = set()
    manifest: list[dict[str, Any]] = []
    for path in inputs:
        before = len(manifest)
        _merge_one(path, sink, written, manifest, zstd)
        tags = [t for entry in manifest[before:] for t in entry["RepoTags"]]
        progress(f"{path}: {len(manifest) - before} image(s) {' '.join(tags)}")
    tar_member.add_bytes(sink, b"manifest.json", canonical_json.dumps(manifest), STAMP)
    sink.write(tarformat.END_OF_ARCHIVE)
