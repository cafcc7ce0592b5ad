"""The image root, made from the builders' ``contents`` / ``copyToRoot``.

Two ways, as in dockerTools:

- *link* (layered builders): merged the way nixpkgs' ``symlinkJoin`` merges
  (with ``lndir``): directories become real, writable directories, files become
  symlinks into the store, symlinks are copied as they are, and the first item to
  provide a name wins.
- *copy* (buildImage): copied the way ``rsync -a`` copies each item in turn:
  files and symlinks are copied (modes kept; directories made writable so that
  ``extraCommands`` can add to them), and a later item overwrites an earlier one.
  Symlinks to directories of the image's closure (the store paths the items
  refer to) are copied as directories unless ``keep_dirlinks``; other symlinks
  (to the build machine, to store paths outside the closure such as
  ``/nix/store/.links``, or in a loop) are kept as symlinks.

Either way, a file named like a whiteout (``.wh.<name>``, ``.wh..wh..opq``) is
refused: in a layer it would make Docker hide what lower layers hold there.
"""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass
from typing import Collection

from stowage.errors import UserError


WHITEOUT_PREFIX = ".wh."


def refuse_whiteout(name: str, src: str, item: str) -> None:
    if name.startswith(WHITEOUT_PREFIX):
        raise UserError(
            f"{src} is named like a whiteout ({name}), which would make Docker hide files of the "
            f"layers below; it comes from the package {item}: rename or remove it"
        )


def _merge(source: str, target: str, item: str) -> None:
    for name in sorted(os.listdir(source)):
        src = os.path.join(source, name)
        refuse_whiteout(name, src, item)
        dst = os.path.join(target, name)
        if os.path.islink(src):
            if not os.path.lexists(dst):
                os.symlink(os.readlink(src), dst)
        elif os.path.isdir(src):
            if not os.path.lexists(dst):
                os.mkdir(dst, 0o755)
            if os.path.isdir(dst) and not os.path.islink(dst):
                _merge(src, dst, item)
        elif not os.path.lexists(dst):
            os.symlink(src, dst)


def merge_contents(contents: list[str], root: str) -> None:
    """Merge each item of ``contents`` into the directory ``root``, in order."""
    for item in contents:
        require_contents_directory(item)
        _merge(item, root, item)


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.unlink(path)


def _inside(path: str, root: str) -> bool:
    real, top = os.path.realpath(path), os.path.realpath(root)
    return real == top or real.startswith(top + os.sep)


@dataclass(frozen=True)
class _Copy:
    """What a copy of one item needs to know: where the store and the closure are."""

    item: str
    root: str
    keep_dirlinks: bool
    store_dir: str
    closure: frozenset[str]


def _follow(src: str, how: _Copy, seen: frozenset[str]) -> bool:
    """Whether a symlink to a directory is copied as the directory: only into a
    store path of the closure (never elsewhere on the build machine, never into
    ``.links`` or an unrelated store path), and never in a loop."""
    if how.keep_dirlinks:
        return False
    real = os.path.realpath(src)
    store = how.store_dir.rstrip("/") + "/"
    top = real[len(store):].split("/", 1)[0] if real.startswith(store) else ""
    return bool(top) and store + top in how.closure and real not in seen


def _copy(source: str, target: str, how: _Copy, seen: frozenset[str] = frozenset()) -> None:
    seen = seen | {os.path.realpath(source)}
    root = how.root
    for name in sorted(os.listdir(source)):
        src = os.path.join(source, name)
        dst = os.path.join(target, name)
        refuse_whiteout(name, src, how.item)
        is_dir = os.path.isdir(src) and (not os.path.islink(src) or _follow(src, how, seen))
        if is_dir:
            if not (os.path.isdir(dst) and (not os.path.islink(dst) or how.keep_dirlinks)):
                _remove(dst)
                os.mkdir(dst, 0o755)
            if not _inside(dst, root):  # a kept dirlink must not lead out of the image
                raise UserError(
                    f"copyToRoot: /{os.path.relpath(dst, root)} is a symlink to "
                    f"{os.readlink(dst)}, outside the image root, and {src} has files for it; "
                    "set keepContentsDirlinks = false, or make the link relative"
                )
            _copy(src, dst, how, seen)
        elif os.path.islink(src):
            _remove(dst)
            os.symlink(os.readlink(src), dst)
        else:
            _remove(dst)
            shutil.copyfile(src, dst, follow_symlinks=False)
            os.chmod(dst, stat.S_IMODE(os.lstat(src).st_mode))


def copy_contents(
    contents: list[str], root: str, *, keep_dirlinks: bool, store_dir: str = "/nix/store",
    closure: Collection[str] = (),
) -> None:
    """Copy each item of ``contents`` into the directory ``root``, in order;
    ``closure`` is the store paths whose directories links may be copied from."""
    for item in contents:
        require_contents_directory(item, "copyToRoot")
        _copy(item, root, _Copy(item, root, keep_dirlinks, store_dir, frozenset(closure)))


def _origin(rel: str, contents: list[str]) -> str:
    """Which item of ``contents`` brought ``rel`` as a symlink or a file, in words."""
    parts = rel.split("/")
    for item in contents:
        for i in range(1, len(parts) + 1):
            candidate = os.path.join(item, *parts[:i])
            if os.path.islink(candidate) or (os.path.lexists(candidate) and not os.path.isdir(candidate)):
                return f"from the package {item}"
    return "made by extraCommands or fakeRootCommands"


def require_directories(root: str, rels: list[str], contents: list[str], why: str) -> None:
    """Refuse a root where one of ``rels`` (relative paths, parents first) is a
    symlink or a file: ``why`` says what needs a real directory there."""
    for rel in rels:
        path = os.path.join(root, rel)
        if os.path.islink(path):
            what = f"a symlink to {os.readlink(path)}"
        elif os.path.lexists(path) and not os.path.isdir(path):
            what = "not a directory"
        else:
            continue
        raise not_a_directory(rel, what, contents, why)


def not_a_directory(rel: str, what: str, contents: list[str], why: str) -> UserError:
    """The error for a root where ``rel`` is ``what`` (a symlink or a file), not a directory."""
    return UserError(
        f"/{rel} in the image root is {what} ({_origin(rel, contents)}); "
        f"{why}, so it must be a real directory: remove it from the package"
    )


def require_contents_directory(item: str, what: str = "contents") -> None:
    """Refuse a ``contents`` (or ``copyToRoot``) item that is not a directory."""
    if not os.path.isdir(item):
        raise UserError(
            f"{what} item {item} is not a directory; put files in a directory "
            "(e.g. a derivation with $out/bin/...) to add them to the image root"
        )
