"""A corpus of hostile and damaged docker-archives, written with tarfile.

Each case is a function of a directory that writes one archive into it and
returns its path; ``CASES`` maps a case's name to the function and a fragment
of the one-line error every reader must give for it. ``valid`` writes the good
archive the cases start from (and the Hypothesis test mutates).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

MTIME = 1000


@dataclass(frozen=True)
class Entry:
    """One member of a layer: kind is file, dir, sym, hard, fifo, chr or blk."""

    name: str
    kind: str = "file"
    data: bytes = b""
    link: str = ""
    mtime: int = MTIME
    mode: int = 0o644


def layer(*entries: Entry, fmt: int = tarfile.PAX_FORMAT) -> bytes:
    """A layer tar of ``entries``, in order."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=fmt) as tar:
        for entry in entries:
            info = tarfile.TarInfo(entry.name)
            info.mtime, info.mode = entry.mtime, entry.mode
            info.type = {
                "file": tarfile.REGTYPE, "dir": tarfile.DIRTYPE, "sym": tarfile.SYMTYPE,
                "hard": tarfile.LNKTYPE, "fifo": tarfile.FIFOTYPE, "chr": tarfile.CHRTYPE, "blk": tarfile.BLKTYPE,
            }[entry.kind]
            info.linkname = entry.link
            if entry.kind in ("chr", "blk"):
                info.devmajor, info.devminor = 1, 3
            info.size = len(entry.data) if entry.kind == "file" else 0
            tar.addfile(info, io.BytesIO(entry.data))
    return buffer.getvalue()


LOWER = layer(Entry("bin", "dir", mode=0o755), Entry("bin/sh", data=b"#!sh\n" * 50, mode=0o755), Entry("etc", "dir", mode=0o755))
UPPER = layer(Entry("etc/hostname", data=b"box\n"), Entry("etc/motd", "sym", link="hostname"))


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass
class Spec:
    """What an archive holds; the cases change one thing of the valid one."""

    layers: list[bytes] = field(default_factory=lambda: [LOWER, UPPER])
    stored: Optional[list[bytes]] = None  # the members' bytes, when not the layers'
    config: Any = None  # the configuration document; None: the right one
    config_bytes: Optional[bytes] = None
    manifest: Any = None  # None: the right one
    manifest_bytes: Optional[bytes] = None
    layer_names: Optional[list[str]] = None
    extra: list[tarfile.TarInfo] = field(default_factory=list)  # more members, with empty data
    extra_data: list[tuple[str, bytes]] = field(default_factory=list)
    prefix: str = ""  # "./" as tar -C dir -cf out . names members
    compression: str = ""  # "" or "gz"

    def default_config(self) -> dict[str, Any]:
        return {
            "architecture": "amd64", "os": "linux", "config": {"Cmd": ["/bin/sh"]},
            "rootfs": {"type": "layers", "diff_ids": [digest(data) for data in self.layers]},
            "history": [{"created_by": f"layer {i}"} for i in range(len(self.layers))],
        }


def write(path: Path, spec: Spec) -> Path:
    """Write the docker-archive ``spec`` describes."""
    config = spec.config_bytes
    if config is None:
        config = json.dumps(spec.default_config() if spec.config is None else spec.config).encode()
    names = spec.layer_names or [f"{i}/layer.tar" for i in range(len(spec.layers))]
    manifest = spec.manifest_bytes
    if manifest is None:
        doc = spec.manifest if spec.manifest is not None else [
            {"Config": "config.json", "RepoTags": ["hostile:1"], "Layers": names}
        ]
        manifest = json.dumps(doc).encode()
    stored = spec.stored if spec.stored is not None else spec.layers
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        members = [("config.json", config), *zip(names, stored, strict=False), *spec.extra_data, ("manifest.json", manifest)]
        for name, data in members:
            info = tarfile.TarInfo(spec.prefix + name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for info in spec.extra:
            tar.addfile(info)
    data = buffer.getvalue()
    if spec.compression == "gz":
        data = gzip.compress(data, mtime=0)
    path.write_bytes(data)
    return path


def valid(directory: Path, name: str = "valid.tar") -> Path:
    return write(directory / name, Spec())


def _link(name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info


def _with_ids(ids: Any) -> dict[str, Any]:
    config = Spec().default_config()
    config["rootfs"]["diff_ids"] = ids
    return config


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x10]) + data[at + 1:]


_GZ_UPPER = gzip.compress(UPPER * 20, mtime=0)
_GZ_LAYERS = [LOWER, UPPER * 20]

Case = Callable[[Path], Path]


def _spec(**changes: Any) -> Case:
    return lambda directory: write(directory / "hostile.tar", Spec(**changes))


def _registry_record(layers: int = 2, diff_ids: Optional[list[str]] = None) -> list[tuple[str, bytes]]:
    """A pulled archive's stowage-registry.json for the valid archive, with ``layers``
    layers and, when given, other diff_ids."""
    spec = Spec()
    config = json.dumps(spec.default_config()).encode()
    ids = diff_ids or [digest(data) for data in spec.layers]
    record = {
        "version": 1, "registry": "registry.example.com", "repository": "team/base",
        "imageDigest": digest(b"index"), "manifestDigest": digest(b"manifest"), "configDigest": digest(config),
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest(b"blob %d" % n),
                    "size": 10, "diffId": ids[n]} for n in range(layers)],
    }
    return [("stowage-registry.json", json.dumps(record).encode())]


#: name -> (writer, fragment of the error)
CASES: dict[str, tuple[Case, str]] = {
    "registry-record-diff-ids-lie": (_spec(extra_data=_registry_record(diff_ids=[digest(UPPER), digest(LOWER)])),
                                     "stowage-registry.json: layer 1 has diff_id"),
    "registry-record-one-layer": (_spec(extra_data=_registry_record(layers=1)), "stowage-registry.json lists 1 layers"),
    "registry-record-not-json": (_spec(extra_data=[("stowage-registry.json", b"{")]),
                                 "stowage-registry.json is not valid JSON"),
    "diff-id-traversal": (_spec(config=_with_ids([digest(LOWER), "sha256:../../x"])), "a diff_id is not a sha256 digest"),
    "diff-id-absolute": (_spec(config=_with_ids(["sha256:/abs", digest(UPPER)])), "a diff_id is not a sha256 digest"),
    "diff-id-number": (_spec(config=_with_ids([7, digest(UPPER)])), "a diff_id is not a sha256 digest .*; got 7"),
    "diff-ids-string": (_spec(config=_with_ids("sha256:x")), "\"rootfs.diff_ids\" must be a list"),
    "rootfs-string": (_spec(config={**Spec().default_config(), "rootfs": "layers"}), "\"rootfs\" must be an object"),
    "history-number": (_spec(config={**Spec().default_config(), "history": 3}), "\"history\" must be a list of objects"),
    "config-config-string": (_spec(config={**Spec().default_config(), "config": "x"}), "\"config\" must be an object"),
    "config-a-string": (_spec(config="a string"), "config.json is not a JSON object"),
    "config-not-utf8": (_spec(config_bytes=b'{"a": "\xff\xfe"}'), "config.json is not valid JSON"),
    "config-not-json": (_spec(config_bytes=b"{"), "config.json is not valid JSON"),
    "manifest-without-config": (_spec(manifest=[{"Layers": []}]), 'manifest.json has an image without a "Config" name'),
    "manifest-object": (_spec(manifest={"Config": "config.json"}), "manifest.json lists no image"),
    "manifest-layers-string": (_spec(manifest=[{"Config": "config.json", "Layers": "0/layer.tar"}]), '"Layers" of manifest.json must be a list of strings'),
    "manifest-tags-number": (_spec(manifest=[{"Config": "config.json", "RepoTags": [1], "Layers": []}]), '"RepoTags" of manifest.json must be a list of strings'),
    "layer-name-absolute": (_spec(manifest=[{"Config": "config.json", "Layers": ["/etc/passwd", "1/layer.tar"]}]), "points outside the archive"),
    "layer-name-dotdot": (_spec(manifest=[{"Config": "config.json", "Layers": ["../x", "1/layer.tar"]}]), "points outside the archive"),
    "layer-link-escapes": (
        _spec(layer_names=["0/layer.tar", "1/layer.tar"], manifest=[{"Config": "config.json", "Layers": ["0/layer.tar", "up.tar"]}],
              extra=[_link("up.tar", "../../../etc/passwd")]),
        "outside the archive",
    ),
    "layer-hard-link-escapes": (
        _spec(manifest=[{"Config": "config.json", "Layers": ["0/layer.tar", "up.tar"]}], extra=[_link("up.tar", "/etc/passwd", tarfile.LNKTYPE)]),
        "outside the archive",
    ),
    "diff-ids-lie": (_spec(config=_with_ids([digest(UPPER), digest(LOWER)])), "its digest is sha256:"),
    "layer-twice-first-described": (
        _spec(extra_data=[("1/layer.tar", LOWER)]),  # the later member wins, as in tar and Docker
        "its digest is sha256:",
    ),
    "gzip-layer-bit-flip": (_spec(layers=_GZ_LAYERS, stored=[LOWER, _flip(_GZ_UPPER, len(_GZ_UPPER) // 2)]), "layer 1/layer.tar:"),
    "gzip-layer-bad-crc": (_spec(layers=_GZ_LAYERS, stored=[LOWER, _flip(_GZ_UPPER, len(_GZ_UPPER) - 6)]), "its gzip data is damaged"),
    "gzip-layer-truncated": (_spec(layers=_GZ_LAYERS, stored=[LOWER, _GZ_UPPER[:-9]]), "layer 1/layer.tar:"),
    "manifest-too-large": (_spec(manifest_bytes=b"[" + b" " * (17 << 20) + b"]", compression="gz"), "more than the 16 MiB"),
    "no-manifest": (_spec(prefix="x/"), "the archive has no member 'manifest.json'"),
}


def truncated(directory: Path) -> Path:
    """A valid archive cut in the middle of a layer."""
    data = valid(directory, "whole.tar").read_bytes()
    path = directory / "truncated.tar"
    path.write_bytes(data[: len(data) * 2 // 3])
    return path


def gzip_archive_flipped(directory: Path) -> Path:
    """A gzipped archive with one bit flipped inside its deflate data."""
    data = gzip.compress(valid(directory, "whole.tar").read_bytes(), mtime=0)
    path = directory / "flipped.tar.gz"
    path.write_bytes(_flip(data, len(data) // 2))
    return path


CASES["archive-truncated"] = (truncated, "is damaged or truncated|layer 1/layer.tar: it is truncated")
CASES["archive-gzip-flipped"] = (gzip_archive_flipped, "is (damaged or truncated|not a readable docker-archive): .*(zlib|CRC)")
