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

import hashlib
from datetime import datetime, timezone
from typing import AbstractSet, Callable, Optional

from stowage import canonical_json
from stowage.contract.plan import ImagePlan
from stowage.errors import UserError
from stowage.formats.oci_layout import LAYER_TAR, OCI_CONFIG, OCI_INDEX, OCI_MANIFEST, descriptor
from stowage.image import metadata as image_metadata
from stowage.layers import source as layer_source
from stowage.output.sink import HashingSink
from stowage.tar import headers as tarformat
from stowage.tar.headers import Stamp
from stowage.timestamps import rfc3339

Progress = Callable[[str], None]
STAMP = Stamp(1, 0, 0, b"", b"")


def _member(sink: HashingSink, name: str, data: bytes) -> None:
    sink.write(tarformat.header(name.encode(), tarformat.REGTYPE, 0o444, STAMP, size=len(data)))
    sink.write(data)
    sink.zeros(tarformat.padding(len(data)))


def layer_sizes(plan: ImagePlan) -> list[int]:
    """Every layer's tar size, bottom first (all must be known)."""
    sizes = [base.size for base in plan.base.layers] if plan.base is not None else []
    for store_layer in plan.store_layers:
        assert store_layer.size is not None, "a store layer of an oci load archive has a known size"
        sizes.append(store_layer.size)
    return sizes + [plan.customisation_layer.size]


def _layer(sink: HashingSink, write: layer_source.Source, diff_id: str, size: int) -> None:
    sink.write(tarformat.header(f"blobs/sha256/{diff_id[7:]}".encode(), tarformat.REGTYPE, 0o444, STAMP, size=size))
    sink.begin_digest()
    write(sink)
    digest, written = sink.end_digest()
    if (digest, written) != (diff_id, size):
        raise UserError(f"a layer makes {written} bytes of digest {digest} now, but {size} bytes of {diff_id} "
                        "when it was hashed: the store changed meanwhile (load again)")
    sink.zeros(tarformat.padding(size))


def write_archive(
    plan: ImagePlan, diff_ids: list[str], held: AbstractSet[str], sink: HashingSink, *,
    repo_tag: Optional[str] = None, progress: Progress = lambda line: None,
) -> None:
    """Write the oci-archive of ``plan`` (whose layers are ``diff_ids``) to
    ``sink``, without the bodies of the layers in ``held``."""
    sizes = layer_sizes(plan)
    sources = layer_source.of_plan(plan)
    for number, (diff_id, size, write) in enumerate(zip(diff_ids, sizes, sources), start=1):
        if diff_id in held:
            progress(f"layer {number}: {size / 1e6:.1f} MB, held by the engine")
            continue
        _layer(sink, write, diff_id, size)
        progress(f"layer {number}: {size / 1e6:.1f} MB")
    created = rfc3339(plan.created, "created", datetime.now(timezone.utc))
    config = image_metadata.config_bytes(plan, created, diff_ids)
    config_digest = "sha256:" + hashlib.sha256(config).hexdigest()
    manifest = canonical_json.dumps({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": descriptor(OCI_CONFIG, config_digest, len(config)),
        "layers": [descriptor(LAYER_TAR, d, s) for d, s in zip(diff_ids, sizes)],
    })
    manifest_digest = "sha256:" + hashlib.sha256(manifest).hexdigest()
    name = repo_tag or plan.repo_tag
    entry = {**descriptor(OCI_MANIFEST, manifest_digest, len(manifest)),
             "annotations": {"io.containerd.image.name": name, "org.opencontainers.image.ref.name": name}}
    index = canonical_json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [entry]})
    _member(sink, f"blobs/sha256/{config_digest[7:]}", config)
    _member(sink, f"blobs/sha256/{manifest_digest[7:]}", manifest)
    _member(sink, "index.json", index)
    _member(sink, "oci-layout", canonical_json.dumps({"imageLayoutVersion": "1.0.0"}))
    sink.write(tarformat.END_OF_ARCHIVE)
