"""``store-path-to-layer``: the builder of one store layer's derivation. It turns
store paths into a layer: lists the layer's paths, writes its tar through the
hasher (to nowhere: only the digest is kept; ``stream`` and the archive builders
write the same bytes again from the same paths) and records digest and size in
``$out/store-layer.json`` (see ``stowage.layers.record``), next to the layer's
listing (``$out/store-layer.listing``, ``stowage.layers.listed``).

Its request is ``stowage.contract.image_requests.StoreLayerRequest``. With
``paths`` null, the layer holds the closure of the structured attribute
``closure`` (Nix's references graph of the group's packages) minus the paths of
the ``lower`` layers: the explicit ``layers`` of the layered builders.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime, timezone
from typing import Optional

from stowage.layers import listed, tarball as layer, record as layer_record
from stowage.contract.image_requests import StoreLayerRequest
from stowage.output.sink import HashingSink
from stowage.tar.headers import Stamp
from stowage.timestamps import epoch_seconds
from stowage.cli.common import Step, run_builder

PROGRAM = "store-path-to-layer"


def _discard(data: memoryview) -> None:
    """Output of the hashing sink: the bytes are only hashed."""


def _paths(step: Step[StoreLayerRequest]) -> list[str]:
    r = step.request
    if r.paths is not None:
        return list(r.paths)
    lower: set[str] = set()
    for directory in r.lower:
        lower.update(layer_record.read(directory, r.builder).layer.paths)
    return sorted({node.path for node in step.graph} - lower)


def build(step: Step[StoreLayerRequest]) -> None:
    r, o = step.request, step.request.owner
    seconds = epoch_seconds(r.mtime, "mtime", datetime.now(timezone.utc))
    stamp = Stamp(seconds, o.uid, o.gid, o.uname.encode(), o.gname.encode())
    paths = _paths(step)
    entries = layer.store_entries(r.store_dir, paths)
    with HashingSink(_discard) as sink:
        sink.begin_digest()
        layer.write(entries, stamp, sink)
        diff_id, size = sink.end_digest()
    os.mkdir(step.out)
    listing = listed.save(step.out, paths, entries[len(layer.store_parents(r.store_dir)):])
    with open(os.path.join(step.out, layer_record.FILE), "w", encoding="utf-8") as handle:
        json.dump(layer_record.encode(paths, diff_id, size, stamp, listing), handle, sort_keys=True)


def main(argv: Optional[list[str]] = None) -> int:
    return run_builder(PROGRAM, StoreLayerRequest, build)


if __name__ == "__main__":
    sys.exit(main())
