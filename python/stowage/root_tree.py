"""The image root of the layered builders: ``contents`` merged the way nixpkgs'
``symlinkJoin`` merges them (with ``lndir``): directories become real,
writable directories, files become symlinks into the store, symlinks are copied
as they are, and the first item to provide a name wins.
"""

from __future__ import annotations

import os

from .errors import UserError


def _merge(source: str, target: str) -> None:
    for name in sorted(os.listdir(source)):
        src = os.path.join(source, name)
        dst = os.path.join(target, name)
        if os.path.islink(src):
            if not os.path.lexists(dst):
                os.symlink(os.readlink(src), dst)
        elif os.path.isdir(src):
            if not os.path.lexists(dst):
                os.mkdir(dst, 0o755)
            if os.path.isdir(dst) and not os.path.islink(dst):
                _merge(src, dst)
        elif not os.path.lexists(dst):
            os.symlink(src, dst)


def merge_contents(contents: list[str], root: str) -> None:
    """Merge each item of ``contents`` into the directory ``root``, in order."""
    for item in contents:
        if not os.path.isdir(item):
            raise UserError(
                f"contents item {item} is not a directory; put files in a directory "
                "(e.g. a derivation with $out/bin/...) to add them to the image root"
            )
        _merge(item, root)
