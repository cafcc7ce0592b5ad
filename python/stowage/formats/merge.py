"""mergeImages: several docker-archives as one, which loads every image with its
tags. Layer blobs shared between the inputs are stored once (keyed by diff_id),
and so are identical configurations (keyed by their digest). Every layer is
checked against its diff_id as it is copied, and member names are made only of
checked digests.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Callable

from stowage import canonical_json
from stowage.archive import base_layer, docker_archive
from stowage.digest import Digest
from stowage.image import model
from stowage.output.compression import Programs
from stowage.output.sink import HashingSink
from stowage.tar import headers as tarformat, member as tar_member
from stowage.tar.headers import Stamp

Progress = Callable[[str], None]
#: Members of the merged archive: fixed time and owner, read-only.
STAMP = Stamp(1, 0, 0, b"", b"")


@dataclass
class _Merged:
    """The archive being written: its sink, the members written, its manifest."""

    sink: HashingSink
    written: set[str] = field(default_factory=set)
    manifest: list[dict[str, Any]] = field(default_factory=list)

    def add(self, name: str, write: Callable[[], None]) -> str:
        """Write member ``name`` with ``write`` unless it is written already."""
        if name not in self.written:
            write()
            self.written.add(name)
        return name


def _image(out: _Merged, archive: docker_archive.Archive, image: model.Image) -> None:
    # Names come from checked digests only (sha256:<64 hex>), never from the
    # archive's own member names.
    sink = out.sink
    config_name = image.config_digest.hex + ".json"
    out.add(config_name, lambda: tar_member.add_bytes(sink, config_name.encode(), image.config, STAMP))
    names = []
    for layer in image.layers:
        name = Digest.parse(layer.diff_id, "diff_id").hex + "/layer.tar"
        names.append(out.add(name, functools.partial(_copy_layer, sink, name, archive, layer)))
    out.manifest.append({"Config": config_name, "RepoTags": list(image.repo_tags), "Layers": names})


def _copy_layer(sink: HashingSink, name: str, archive: docker_archive.Archive, layer: model.Layer) -> None:
    with tar_member.regular(sink, name.encode(), int(layer.size or 0), STAMP):
        base_layer.copy(archive, layer, sink)


def merge(inputs: list[str], sink: HashingSink, progress: Progress, programs: Programs) -> None:
    """Write one docker-archive holding every image of ``inputs``."""
    out = _Merged(sink)
    for path in inputs:
        with docker_archive.open_archive(path, "mergeImages input", programs) as archive:
            images = archive.images()
            for image in images:
                _image(out, archive, image)
        tags = [t for image in images for t in image.repo_tags]
        progress(f"{path}: {len(images)} image(s) {' '.join(tags)}")
    tar_member.add_bytes(sink, b"manifest.json", canonical_json.dumps(out.manifest), STAMP)
    sink.write(tarformat.END_OF_ARCHIVE)
