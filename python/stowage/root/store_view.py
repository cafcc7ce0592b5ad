"""The Nix store a script sees inside an image root: the build's store, and the
store paths of the base image that the build's store lacks.

Under the Nix sandbox the build's store holds only the build's inputs, so the
store paths of a ``fromImage`` archive are usually not there; ``unpack`` then
copies them out of the base's layers into a directory of the build's own
(``stowage.root.unpack``). The view puts both side by side at the store
directory: a tmpfs of mount points, each of the base's missing store paths and
each entry of the build's store bound there read-only (a store path that is a
symlink is made again as one: a bind mount follows links). Without missing
paths the build's store is bound whole, as nixpkgs mounts it. Nothing of the
build's store is written; the tmpfs and the binds end with the namespace.
"""

from __future__ import annotations

import ctypes
import os
from typing import Optional

from stowage.root import mounts


def _mount_point(source: str, target: str) -> bool:
    """Make at ``target`` what binding ``source`` needs; whether it needs a bind.
    A symlink is copied (nothing to bind); a socket or a fifo is left out."""
    if os.path.islink(source):
        os.symlink(os.readlink(source), target)
        return False
    if os.path.isdir(source):
        os.mkdir(target, 0o755)
        return True
    if os.path.isfile(source):
        with open(target, "x"):
            pass
        return True
    return False


def sources(build_store: str, base_store: str) -> dict[str, str]:
    """Each name of the view and where it comes from: the base's copies, and the
    build's entries (which win: a store path of both is the same path)."""
    chosen = {name: os.path.join(base_store, name) for name in os.listdir(base_store)}
    chosen.update((name, os.path.join(build_store, name)) for name in os.listdir(build_store))
    return chosen


def mount_store(lib: ctypes.CDLL, target: str, build_store: str, base_store: Optional[str]) -> None:
    """Mount the store view at ``target`` (in a mount namespace of our own)."""
    if base_store is None:
        mounts.bind_read_only(lib, build_store, target)
        return
    mounts.mount(lib, "tmpfs", target, "tmpfs", mounts.MS_NOSUID, "mode=0755")
    for name, source in sorted(sources(build_store, base_store).items()):
        point = os.path.join(target, name)
        try:
            if _mount_point(source, point):
                mounts.bind_read_only(lib, source, point)
        except FileNotFoundError:  # with the sandbox off, the store changes meanwhile
            continue
    mounts.mount(lib, None, target, None, mounts.MS_REMOUNT | mounts.MS_RDONLY | mounts.MS_NOSUID)
