"""``store-path-to-layer``: the builder of one store layer's derivation. It turns
store paths into a layer: lists the layer's paths, writes its tar through the
hasher (to nowhere: only the digest is kept; ``stream`` and the archive builders
write the same bytes again from the same paths) and records digest and size in
``$out/layer.json`` (see ``stowage.layers.record``).

Structured attribute ``stowage`` (version 1)::

    {"version": 1, "paths": [store paths] or null, "storeDir": path,
     "mtime": RFC 3339 time, "owner": {"uid", "gid", "uname", "gname"},
     "lower": [record directories]}

With ``paths`` null, the layer holds the closure of the structured attribute
``closure`` (Nix's references graph of the group's packages) minus the paths of
the ``lower`` layers: the explicit ``layers`` of the layered builders.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime, timezone
from typing import Any, Optional

from stowage.layers import tarball as layer, record as layer_record
from stowage.contract.jsondoc import fields, read_attrs, versioned
from stowage.output.sink import HashingSink
from stowage.tar.headers import Stamp
from stowage.timestamps import epoch_seconds
from stowage.cli.common import output_path, run

PROGRAM = "store-path-to-layer"
VERSION = 1


def _discard(data: memoryview) -> None:
    """Output of the hashing sink: the bytes are only hashed."""


def _paths(d: dict[str, Any], graph: Any) -> list[str]:
    if d["paths"] is not None:
        return [str(p) for p in d["paths"]]
    lower: set[str] = set()
    for directory in d["lower"]:
        lower.update(layer_record.read(str(directory)).layer.paths)
    return sorted({str(node["path"]) for node in graph} - lower)


def build(doc: Any, graph: Any, out: str) -> None:
    d = fields(versioned(doc, "the store layer request", VERSION), "the store layer request",
               {"version", "paths", "storeDir", "mtime", "owner", "lower"})
    o = fields(d["owner"], "the store layer owner", {"uid", "gid", "uname", "gname"})
    seconds = epoch_seconds(str(d["mtime"]), "mtime", datetime.now(timezone.utc))
    stamp = Stamp(seconds, int(o["uid"]), int(o["gid"]), str(o["uname"]).encode(), str(o["gname"]).encode())
    paths = _paths(d, graph)
    entries = layer.store_entries(str(d["storeDir"]), paths)
    with HashingSink(_discard) as sink:
        sink.begin_digest()
        layer.write(entries, stamp, sink)
        diff_id, size = sink.end_digest()
    os.mkdir(out)
    with open(os.path.join(out, layer_record.FILE), "w", encoding="utf-8") as handle:
        json.dump(layer_record.encode(paths, diff_id, size, stamp), handle, sort_keys=True)


def main(argv: Optional[list[str]] = None) -> int:
    def body() -> int:
        attrs = read_attrs()
        build(attrs["stowage"], attrs.get("closure", []), output_path(attrs))
        return 0

    return run(PROGRAM, body)


if __name__ == "__main__":
    sys.exit(main())
