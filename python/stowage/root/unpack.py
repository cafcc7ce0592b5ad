"""A base image's root file system unpacked into a directory, as a container
would see it: its layers stacked with overlay semantics (``stowage.formats.export``),
so whiteouts are honoured and hard links become copies. Owners and modes are
set as the layers give them (under fakeroot: recorded by it). Device nodes and
fifos are left out: a layer this project writes cannot hold them.

What the image has in the store directory is not unpacked into the root (the
store scripts see is mounted there: ``stowage.root.store_view``), but each of
its store paths that the build's store lacks (under the Nix sandbox, which
holds only the build's inputs) is unpacked into a directory of its own.
"""

from __future__ import annotations

import os
import shutil
import tarfile
from dataclasses import dataclass
from typing import Optional

from stowage.output.compression import Programs
from stowage.archive import docker_archive
from stowage.formats import export as flatten
from stowage.errors import UserError


@dataclass(frozen=True)
class _Places:
    """Where the image's paths go: the root, and the copies of missing store paths."""

    root: str
    store: str  # the store directory, relative ("nix/store")
    store_copy: str
    missing: frozenset[str]  # names of store paths the build's store lacks

    def of(self, path: str) -> Optional[str]:
        """The file-system path of the image's ``path``, or None if it is not unpacked."""
        if not path.startswith(self.store + "/"):
            return os.path.join(self.root, path)
        inside = path[len(self.store) + 1 :]
        return os.path.join(self.store_copy, inside) if inside.split("/", 1)[0] in self.missing else None


def _place(target: str, layer: tarfile.TarFile, entry: flatten.Entry) -> None:
    member = entry.member
    if member is None:
        os.mkdir(target, 0o755)
        return
    if member.isdir():
        os.mkdir(target, 0o700)
    elif member.issym():
        os.symlink(member.linkname, target)
    elif member.isreg() or member.islnk():
        handle = layer.extractfile(entry.target or member)
        if handle is None:
            raise UserError(f"the layer member {member.name!r} cannot be read")
        with open(target, "xb") as out:
            shutil.copyfileobj(handle, out)
    else:
        return
    os.lchown(target, member.uid, member.gid)
    if not member.issym() and not member.isdir():  # directories: when their files are in
        os.chmod(target, member.mode & 0o7777)


def _finish(placed: dict[str, str], visible: dict[str, flatten.Entry]) -> None:
    """Give files their times, then directories their modes and times, deepest
    first (a read-only directory must be filled first; adding files changed its time)."""
    for path, target in placed.items():
        member = visible[path].member
        if member is not None and (member.isreg() or member.islnk()):
            os.utime(target, (member.mtime, member.mtime))
    for path in sorted((p for p in placed if visible[p].isdir()), reverse=True):
        member = visible[path].member
        if member is not None:
            os.chmod(placed[path], member.mode & 0o7777)
            os.utime(placed[path], (member.mtime, member.mtime))


def _missing(visible: dict[str, flatten.Entry], store: str, store_dir: str) -> frozenset[str]:
    """The names of the image's store paths that are not in the build's store."""
    names = {p[len(store) + 1 :] for p in visible if p.startswith(store + "/") and "/" not in p[len(store) + 1 :]}
    return frozenset(n for n in names if not os.path.lexists(os.path.join(store_dir, n)))


def unpack(
    archive_path: str, repo_tag: Optional[str], root: str, *, store_dir: str, store_copy: str, programs: Optional[Programs] = None
) -> list[str]:
    """Unpack the image ``repo_tag`` of the archive into the existing directory ``root``,
    and its store paths that ``store_dir`` lacks into the existing directory
    ``store_copy``; return the names of those store paths, sorted."""
    with docker_archive.open_archive(archive_path, "fromImage", programs) as archive:
        layers = flatten.open_layers(archive, repo_tag)
        try:
            visible = flatten.visible_entries(layers, archive.label)
            store = store_dir.strip("/")
            places = _Places(root, store, store_copy, _missing(visible, store, store_dir))
            placed: dict[str, str] = {}
            for path in sorted((p for p in visible if p), key=flatten.sort_key):
                target = places.of(path)
                if target is None or not os.path.isdir(os.path.dirname(target)):
                    continue  # in the build's store, or below something left out
                _place(target, layers[visible[path].layer], visible[path])
                placed[path] = target
            _finish(placed, visible)
        finally:
            for layer_tar in layers:
                layer_tar.close()
    return sorted(places.missing)
