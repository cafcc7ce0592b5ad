"""A base image's root file system unpacked into a directory, as a container
would see it: its layers stacked with overlay semantics (``stowage.formats.export``),
so whiteouts are honoured and hard links become copies. Owners and modes are
set as the layers give them (under fakeroot: recorded by it). Device nodes and
fifos are left out: a layer this project writes cannot hold them; so is what
the image has in the store (the build's store is mounted over it).
"""

from __future__ import annotations

import os
import posixpath
import shutil
import tarfile
from typing import Optional

from stowage.archive import docker_archive
from stowage.formats import export as flatten
from stowage.errors import UserError


def _place(root: str, path: str, layer: tarfile.TarFile, entry: flatten.Entry) -> None:
    target = os.path.join(root, path)
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


def _finish_dirs(root: str, paths: list[str], visible: dict[str, flatten.Entry]) -> None:
    """Give directories their modes and times last, deepest first (a read-only
    directory must be filled first; adding files changed its time)."""
    for path in sorted((p for p in paths if visible[p].isdir()), reverse=True):
        member = visible[path].member
        if member is not None:
            target = os.path.join(root, path)
            os.chmod(target, member.mode & 0o7777)
            os.utime(target, (member.mtime, member.mtime))


def unpack(archive_path: str, repo_tag: Optional[str], root: str, *, store_dir: str, zstd: Optional[str] = None) -> None:
    """Unpack the image ``repo_tag`` of the archive into the existing directory ``root``,
    but what is inside ``store_dir``: the build's store is mounted there while scripts run."""
    with docker_archive.open_archive(archive_path, "fromImage", zstd) as archive:
        layers = flatten.open_layers(archive, repo_tag)
        visible = flatten.visible_entries(layers, archive.label)
        inside = store_dir.strip("/") + "/"
        paths = sorted((p for p in visible if p and not p.startswith(inside)), key=flatten.sort_key)
        for path in paths:
            entry = visible[path]
            if posixpath.dirname(path) and not os.path.isdir(os.path.join(root, posixpath.dirname(path))):
                continue  # below something left out
            _place(root, path, layers[entry.layer], entry)
        for path in paths:
            member = visible[path].member
            if member is not None and (member.isreg() or member.islnk()):
                os.utime(os.path.join(root, path), (member.mtime, member.mtime))
        _finish_dirs(root, paths, visible)
        for layer_tar in layers:
            layer_tar.close()
