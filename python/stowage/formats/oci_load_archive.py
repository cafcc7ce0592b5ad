"""An ``oci-archive`` (a tar of an OCI image layout) of an image plan, holding
only the layers an engine lacks: the form podman loads incrementally.

podman 4.3 refuses a docker-archive with missing layer members, but its copy
asks its storage for every layer blob by digest before opening the blob, so a
layout whose manifest lists layers the storage has loads without their bodies
(measured with podman 4.3). Layers are uncompressed
(``application/vnd.oci.image.layer.v1.tar``): their digest is their diff_id,
the digest the storage indexes. The index entry names the image in
``org.opencontainers.image.ref.name`` and ``io.containerd.image.name``: podman
names a loaded oci-archive after the first.

Every digest must be known before writing (blob members are named by it):
``engine.digests.learn`` records them. A written layer is hashed and checked
against its digest as it goes.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import AbstractSet, Callable, Optional

from stowage import canonical_json
from stowage.contract.plan import ImagePlan
from stowage.digest import sha256
from stowage.errors import UserError
from stowage.formats.oci_layout import LAYER_TAR, OCI_CONFIG, OCI_INDEX, OCI_MANIFEST, descriptor
from stowage.image import model
from stowage.layers import source as layer_source
from stowage.output.sink import HashingSink
from stowage.tar import headers as tarformat, member as tar_member
from stowage.tar.headers import Stamp

Progress = Callable[[str], None]
STAMP = Stamp(1, 0, 0, b"", b"")


def _layer_sizes(image: model.Image) -> list[int]:
    """Every layer's tar size, bottom first (all must be known)."""
    sizes = [layer.size for layer in image.layers]
    if None in sizes:
        raise ValueError("layer sizes: a layer of an oci load archive has no known size")
    return [int(size or 0) for size in sizes]


def _layer(sink: HashingSink, write: layer_source.Source, diff_id: str, size: int) -> None:
    with tar_member.regular(sink, f"blobs/sha256/{diff_id[7:]}".encode(), size, STAMP):
        sink.begin_digest()
        write(sink)
        digest, written = sink.end_digest()
        if (digest, written) != (diff_id, size):
            raise UserError(f"a layer makes {written} bytes of digest {digest} now, but {size} bytes of {diff_id} "
                            "when it was hashed: the store changed meanwhile (load again)")


def _trailer(config: bytes, layers: list[dict[str, object]], name: str) -> list[tuple[str, bytes]]:
    """The members after the layers: the configuration and manifest blobs, index.json, oci-layout."""
    manifest = canonical_json.dumps({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": descriptor(OCI_CONFIG, sha256(config), len(config)), "layers": layers,
    })
    entry = {**descriptor(OCI_MANIFEST, sha256(manifest), len(manifest)),
             "annotations": {"io.containerd.image.name": name, "org.opencontainers.image.ref.name": name}}
    index = canonical_json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [entry]})
    return [
        (f"blobs/sha256/{sha256(config)[7:]}", config),
        (f"blobs/sha256/{sha256(manifest)[7:]}", manifest),
        ("index.json", index),
        ("oci-layout", canonical_json.dumps({"imageLayoutVersion": "1.0.0"})),
    ]


def write_archive(
    plan: ImagePlan, diff_ids: list[str], held: AbstractSet[str], sink: HashingSink, *,
    repo_tag: Optional[str] = None, progress: Progress = lambda line: None,
) -> None:
    """Write the oci-archive of ``plan`` (whose layers are ``diff_ids``) to
    ``sink``, without the bodies of the layers in ``held``."""
    image = model.with_diff_ids(model.of_plan(plan, datetime.now(timezone.utc)), diff_ids)
    sizes = _layer_sizes(image)
    sources = layer_source.of_image(image)
    for number, (diff_id, size, write) in enumerate(zip(diff_ids, sizes, sources, strict=True), start=1):
        if diff_id in held:
            progress(f"layer {number}: {size / 1e6:.1f} MB, held by the engine")
            continue
        _layer(sink, write, diff_id, size)
        progress(f"layer {number}: {size / 1e6:.1f} MB")
    layers = [descriptor(LAYER_TAR, d, s) for d, s in zip(diff_ids, sizes, strict=True)]
    for name, data in _trailer(image.config, layers, repo_tag or plan.repo_tag):
        tar_member.add_bytes(sink, name.encode(), data, STAMP)
    sink.write(tarformat.END_OF_ARCHIVE)
