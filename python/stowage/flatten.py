"""exportImage: an image's root file system as one tar, as a container would see
it: layers applied bottom to top, later layers winning, OCI whiteouts applied
(``.wh.<name>`` hides ``name`` of lower layers, ``.wh..wh..opq`` hides everything
lower in its directory). Hard links come out as regular files, names sorted.

Layers are read from the top down, so each visible path is decided once and
nothing is extracted to disk.
"""

from __future__ import annotations

import posixpath
import tarfile
from dataclasses import dataclass
from typing import Callable, Iterator, Optional

from . import docker_archive, tarformat
from .errors import UserError
from .sink import HashingSink
from .tarformat import Stamp

Progress = Callable[[str], None]
_WHITEOUT = ".wh."
_OPAQUE = ".wh..wh..opq"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class _Visible:
    layer: int
    member: tarfile.TarInfo


def _normal(name: str) -> str:
    path = posixpath.normpath("/" + name).lstrip("/")
    return "" if path == "." else path


def _ancestors(path: str) -> Iterator[str]:
    while "/" in path:
        path = path.rsplit("/", 1)[0]
        yield path


def _hidden(path: str, removed: set[str], opaque: set[str], visible: dict[str, _Visible]) -> bool:
    if path in removed:
        return True
    for parent in _ancestors(path):
        if parent in removed or parent in opaque:
            return True
        above = visible.get(parent)
        if above is not None and not above.member.isdir():
            return True  # a higher layer replaced the directory with a file
    return False


def visible_entries(layers: list[tarfile.TarFile]) -> dict[str, _Visible]:
    """Return what the stacked ``layers`` (bottom first) show, by path."""
    visible: dict[str, _Visible] = {}
    removed: set[str] = set()
    opaque: set[str] = set()
    for index in range(len(layers) - 1, -1, -1):
        new_removed, new_opaque = set(), set()
        for member in layers[index]:
            path = _normal(member.name)
            if not path:
                continue
            base = posixpath.basename(path)
            parent = posixpath.dirname(path)
            if base == _OPAQUE:
                new_opaque.add(parent)
            elif base.startswith(_WHITEOUT):
                new_removed.add(posixpath.join(parent, base[len(_WHITEOUT):]))
            elif path not in visible and not _hidden(path, removed, opaque, visible):
                visible[path] = _Visible(index, member)
        removed |= new_removed
        opaque |= new_opaque
    return visible


def _typeflag(member: tarfile.TarInfo) -> Optional[bytes]:
    if member.isdir():
        return tarformat.DIRTYPE
    if member.issym():
        return tarformat.SYMTYPE
    if member.isfile() or member.islnk():
        return tarformat.REGTYPE
    return None


def _write_entry(sink: HashingSink, path: str, layer: tarfile.TarFile, member: tarfile.TarInfo) -> None:
    flag = _typeflag(member)
    if flag is None:
        return  # devices and fifos cannot be represented here; images rarely hold them
    stamp = Stamp(int(member.mtime), member.uid, member.gid, member.uname.encode(), member.gname.encode())
    name = path.encode() + (b"/" if flag == tarformat.DIRTYPE else b"")
    if flag != tarformat.REGTYPE:
        sink.write(tarformat.header(name, flag, member.mode, stamp, linkname=member.linkname.encode()))
        return
    handle = layer.extractfile(member)
    if handle is None:
        raise UserError(f"the layer member {member.name} cannot be read")
    size = handle.seek(0, 2)
    handle.seek(0)
    sink.write(tarformat.header(name, flag, member.mode, stamp, size=size))
    while chunk := handle.read(_CHUNK):
        sink.write(chunk)
    sink.zeros(tarformat.padding(size))


def export(path: str, repo_tag: Optional[str], sink: HashingSink, zstd: str, progress: Progress) -> None:
    """Write the flattened root file system of the image in archive ``path``."""
    base = docker_archive.read_base(path, repo_tag, zstd=zstd).base
    with docker_archive.open_archive(path, "fromImage", zstd) as archive:
        layers = []
        for layer in base.layers:
            handle = archive.extractfile(docker_archive.resolve_member(archive, layer.source))
            layers.append(tarfile.open(fileobj=handle))
        visible = visible_entries(layers)
        progress(f"{len(base.layers)} layers, {len(visible)} entries")
        for entry_path in sorted(visible, key=lambda p: p.encode().split(b"/")):
            entry = visible[entry_path]
            _write_entry(sink, entry_path, layers[entry.layer], entry.member)
        for layer_tar in layers:
            layer_tar.close()
    sink.write(tarformat.END_OF_ARCHIVE)
