"""Rewrite a two-layer docker-archive so that its manifest names one layer file twice.

Usage: repeat-layer.py IN OUT. Both layers of IN must have the same bytes (two
empty layers). OUT holds them once, as `<sha256>.tar`; the old member names stay
as symlinks to it, as `docker save` of Docker 25 and later writes them. Only for
the repeated-base-layers case of nixos-tests/docker-tools.nix.
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
import tarfile


def _member(name: str, data: bytes) -> tuple[tarfile.TarInfo, io.BytesIO]:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), 0o444
    return info, io.BytesIO(data)


def _link(name: str, target: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = tarfile.SYMTYPE, target
    return info


def main(source: str, target: str) -> int:
    with tarfile.open(source, "r:*") as archive:
        manifest = json.load(archive.extractfile("manifest.json"))  # type: ignore[arg-type]
        layers = manifest[0]["Layers"]
        blobs = {name: archive.extractfile(name).read() for name in layers}  # type: ignore[union-attr]
        others = [(m, archive.extractfile(m).read()) for m in archive.getmembers()  # type: ignore[union-attr]
                  if m.isfile() and m.name not in blobs and m.name != "manifest.json"]
    if len(layers) != 2 or len(set(blobs.values())) != 1:
        raise SystemExit(f"repeat-layer: {source} must have two layers of the same bytes; got {layers}")
    data = blobs[layers[0]]
    shared = hashlib.sha256(data).hexdigest() + ".tar"
    manifest[0]["Layers"] = [shared, shared]
    with tarfile.open(target, "w", format=tarfile.GNU_FORMAT) as out:
        out.addfile(*_member(shared, data))
        for name in sorted(set(layers)):
            depth = name.count("/")
            out.addfile(_link(name, "../" * depth + shared))
        for member, content in others:
            out.addfile(*_member(member.name, content))
        out.addfile(*_member("manifest.json", json.dumps(manifest).encode()))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
