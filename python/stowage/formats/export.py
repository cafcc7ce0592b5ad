"""exportImage: an image's root file system as one tar, as a container sees it
(and as ``docker export`` shows it), in the layout nixpkgs' exportImage writes
(``tar -C root -cf out .``: a ``./`` entry, then ``./bin/``, ``./bin/bash``, …).

Layers are applied the way Docker's overlay2 driver does: each layer is its own
tree, in which an entry implies its parent directories (``etc/pwned`` makes
``etc`` a directory of that layer, even when a lower layer has ``etc`` as a
symlink), and a later member of the same path replaces an earlier one; trees are
then stacked as overlayfs does: an upper directory merges with a lower
directory, anything else hides what is below it; OCI whiteouts apply
(``.wh.<name>`` hides ``name`` of lower layers, ``.wh..wh..opq`` everything
lower in its directory). So no entry is ever written below a symlink or a file.
Hard links come out as regular files, devices and fifos as they are, names
sorted; times outside what the tar field holds are clamped.

Layers are read from the top down, so each visible path is decided once and
nothing is extracted to disk. Each layer is first checked against its diff_id.
"""

from __future__ import annotations

import posixpath
import tarfile
from dataclasses import dataclass, field
from typing import Callable, Optional

from stowage.output.compression import Programs
from stowage.archive import base_layer, docker_archive
from stowage.tar import headers as tarformat, member as tar_member
from stowage.errors import UserError
from stowage.output.sink import HashingSink
from stowage.tar.headers import BLOCK, Stamp

Progress = Callable[[str], None]
_WHITEOUT = ".wh."
_OPAQUE = ".wh..wh..opq"
_CHUNK = 1 << 20
_MTIME_MAX = 8**11 - 1  # 11 octal digits
_ID_LIMIT = 1 << 32
#: Directories a layer implies without a member of their own get what Docker's
#: layer unpacking gives them (mode 0755, root), and the project's fixed time.
_IMPLIED = Stamp(1, 0, 0, b"", b"")
_DEVICES = {tarfile.CHRTYPE: b"3", tarfile.BLKTYPE: b"4", tarfile.FIFOTYPE: b"6"}


@dataclass(frozen=True)
class Entry:
    """A path of the merged view: a layer's member, or a directory it implies."""

    layer: int
    member: Optional[tarfile.TarInfo]  # None: an implied directory
    target: Optional[tarfile.TarInfo] = None  # of a hard link: the member it names

    def isdir(self) -> bool:
        return self.member is None or self.member.isdir()


@dataclass
class _Tree:
    """One layer on its own: its entries, and what it hides below it."""

    entries: dict[str, Entry] = field(default_factory=dict)
    hidden: set[str] = field(default_factory=set)  # whiteouts, opaque directories


def _path(member: tarfile.TarInfo, where: str) -> str:
    """The member's path in the root ("" for the root); absolute names are taken
    as relative (as Docker does), names that climb out with ``..`` are refused."""
    path = docker_archive.clean_name(member.name.lstrip("/"))
    if path is None:
        raise UserError(f"{where}: the member {member.name!r} points outside the root; the layer is hostile")
    try:
        path.encode("utf-8")
        member.linkname.encode("utf-8")
    except UnicodeEncodeError:
        raise UserError(f"{where}: the member name {member.name!r} is not UTF-8; rename it in the image") from None
    return path


def _imply_parents(tree: _Tree, path: str, index: int, where: str) -> None:
    """Make every parent of ``path`` a directory of the layer, as unpacking does;
    a parent that is a symlink or a file of the same layer is refused."""
    parts = path.split("/")
    for depth in range(1, len(parts)):
        parent = "/".join(parts[:depth])
        if not tree.entries.setdefault(parent, Entry(index, None)).isdir():
            raise UserError(
                f"{where}: {path!r} lies below {parent!r}, which is not a directory in the same "
                "layer (unpacking it would write through a link); the layer is hostile"
            )


def _add(tree: _Tree, path: str, entry: Entry, where: str) -> None:
    """Add a member at ``path``: its parents implied, an earlier non-directory
    of the same path (or a directory and all below it, for a non-directory) replaced."""
    _imply_parents(tree, path, entry.layer, where)
    old = tree.entries.get(path)
    if old is not None and not (old.isdir() and entry.isdir()):
        for key in [k for k in tree.entries if k.startswith(path + "/")]:
            del tree.entries[key]
    tree.entries[path] = entry


def layer_tree(index: int, layer: tarfile.TarFile, where: str) -> _Tree:
    """The entries of one layer, and the paths it hides in lower layers."""
    tree = _Tree()
    for member in layer:
        path = _path(member, where)
        base = posixpath.basename(path)
        if not path:
            if member.isdir():
                tree.entries[""] = Entry(index, member)
        elif base == _OPAQUE or base.startswith(_WHITEOUT):
            # The whiteout's directory is one of this layer (a file of the same
            # name, "name/.wh.x", is refused like any entry below a file).
            _imply_parents(tree, path, index, where)
            if base == _OPAQUE:
                tree.hidden.add(posixpath.dirname(path))
            elif not base.startswith(_WHITEOUT + _WHITEOUT):  # .wh..wh.* are the driver's own
                tree.hidden.add(posixpath.join(posixpath.dirname(path), base[len(_WHITEOUT):]))
        else:
            _add(tree, path, Entry(index, member, _link_target(tree, member, where)), where)
    return tree


def _link_target(tree: _Tree, member: tarfile.TarInfo, where: str) -> Optional[tarfile.TarInfo]:
    """The earlier regular file of the same layer that a hard link names."""
    if not member.islnk():
        return None
    target = tree.entries.get(docker_archive.clean_name(member.linkname.lstrip("/")) or "")
    if target is None or target.member is None or not target.member.isreg():
        raise UserError(
            f"{where}: the hard link {member.name!r} names {member.linkname!r}, which is not "
            "an earlier file of the same layer"
        )
    return target.target or target.member


def _blocked(path: str, hidden: set[str]) -> bool:
    while True:
        if path in hidden:
            return True
        if "/" not in path:
            return False
        path = path.rsplit("/", 1)[0]


def visible_entries(layers: list[tarfile.TarFile], label: str = "the image") -> dict[str, Entry]:
    """Return what the stacked ``layers`` (bottom first) show, by path."""
    visible: dict[str, Entry] = {}
    hidden: set[str] = set()
    for index in range(len(layers) - 1, -1, -1):
        tree = layer_tree(index, layers[index], f"{label}: layer {index + 1}")
        for path, entry in tree.entries.items():
            if path not in visible and (not path or not _blocked(path, hidden)):
                visible[path] = entry
        hidden |= tree.hidden
        hidden |= {path for path, entry in tree.entries.items() if not entry.isdir()}
    return visible


def _stamp(member: tarfile.TarInfo) -> Stamp:
    """The member's time and owner, clamped to what the header can hold."""
    mtime = min(max(int(member.mtime), 0), _MTIME_MAX)
    uid, gid = (min(max(i, 0), _ID_LIMIT - 1) for i in (member.uid, member.gid))
    return Stamp(mtime, uid, gid, member.uname.encode("utf-8", "replace"), member.gname.encode("utf-8", "replace"))


def _with_device(header: bytes, member: tarfile.TarInfo) -> bytes:
    """``header`` with the member's device numbers (the last block's devmajor,
    devminor fields), its checksum computed again."""
    block = bytearray(header[-BLOCK:])
    block[329:345] = b"%07o\0%07o\0" % (member.devmajor & 0o7777777, member.devminor & 0o7777777)
    block[148:156] = b" " * 8
    block[148:156] = b"%06o\0 " % sum(block)
    return header[:-BLOCK] + bytes(block)


def _write_entry(sink: HashingSink, path: str, layer: Optional[tarfile.TarFile], entry: Entry) -> None:
    name = ("./" + path).encode()
    member = entry.member
    if member is None:
        sink.write(tarformat.header(name + b"/" if path else name, tarformat.DIRTYPE, 0o755, _IMPLIED))
        return
    stamp, mode = _stamp(member), member.mode & 0o7777
    if member.isdir():
        sink.write(tarformat.header(name + b"/" if path else name, tarformat.DIRTYPE, mode, stamp))
    elif member.issym():
        sink.write(tarformat.header(name, tarformat.SYMTYPE, mode, stamp, linkname=member.linkname.encode()))
    elif member.type in _DEVICES:
        sink.write(_with_device(tarformat.header(name, _DEVICES[member.type], mode, stamp), member))
    elif member.isreg() or member.islnk():
        source = entry.target or member
        assert layer is not None
        handle = layer.extractfile(source)
        assert handle is not None  # a regular member
        with tar_member.regular(sink, name, source.size, stamp, mode=mode):
            copied = 0
            while chunk := handle.read(min(_CHUNK, source.size - copied)):
                sink.write(chunk)
                copied += len(chunk)
            if copied != source.size:
                raise UserError(f"the layer member {member.name!r} is truncated")


def sort_key(path: str) -> list[bytes]:
    return path.encode().split(b"/") if path else []


def open_layers(archive: docker_archive.Archive, repo_tag: Optional[str]) -> list[tarfile.TarFile]:
    """The layers of the image ``repo_tag`` of an open archive, bottom first, each
    checked against its diff_id before it is opened as a tar."""
    layers = []
    for layer in archive.pick(repo_tag).layers:
        base_layer.verify(archive, layer)
        try:
            layers.append(tarfile.open(fileobj=archive.open(archive.member(docker_archive.member_of(layer)))))
        except tarfile.TarError as error:
            member = docker_archive.member_of(layer)
            raise UserError(f"{archive.label}: layer {member} is not a tar archive ({docker_archive.brief(error)})") from None
    return layers


def export(path: str, repo_tag: Optional[str], sink: HashingSink, *, programs: Programs, progress: Progress) -> None:
    """Write the flattened root file system of the image in archive ``path``."""
    with docker_archive.open_archive(path, "fromImage", programs) as archive:
        layers = open_layers(archive, repo_tag)
        visible = visible_entries(layers, archive.label)
        visible.setdefault("", Entry(-1, None))
        progress(f"{len(layers)} layers, {len(visible)} entries")
        for entry_path in sorted(visible, key=sort_key):
            entry = visible[entry_path]
            _write_entry(sink, entry_path, layers[entry.layer] if entry.member else None, entry)
        for layer_tar in layers:
            layer_tar.close()
    sink.write(tarformat.END_OF_ARCHIVE)
