"""The layered builders' image root in link mode, as layer entries, without
making it on disk.

``tree.merge_contents`` makes real directories and symlinks into the store,
and ``layers.tarball.tree_entries`` then lists them back: for a root made of
nothing else (no extraCommands, fakeRootCommands or Nix database), that is
thousands of ``symlink`` and ``lstat`` calls for entries that only the
contents' own listings decide (busybox alone is 400 applet links). Here the
same merge is done in memory: the first item to provide a name wins,
directories merge, a symlink is copied as it is and any other file becomes a
symlink to its store path; the entries are the ones the written root would
give, in the same order, with the modes ``mkdir`` and ``symlink`` would leave
(directories ``0o755`` less the umask, symlinks ``0o777``), so the layer's
bytes are the same.
"""

from __future__ import annotations

import os
import stat
from typing import Iterator, Union

from stowage.layers.tarball import Entry
from stowage.root import tree
from stowage.tar import headers as tarformat

#: A directory of the merged root: its children by name; a symlink is its target.
Node = Union["Directory", bytes]
Directory = dict[bytes, Node]
_LINK_MODE = 0o777


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _merge(source: str, target: Directory, item: str) -> None:
    for name in sorted(os.listdir(source)):
        src = os.path.join(source, name)
        tree.refuse_whiteout(name, src, item)
        key = os.fsencode(name)
        kind = os.lstat(src).st_mode
        if stat.S_ISLNK(kind):
            target.setdefault(key, os.fsencode(os.readlink(src)))
        elif stat.S_ISDIR(kind):
            found = target.setdefault(key, {})
            if isinstance(found, dict):  # not a link or file an earlier item put there
                _merge(src, found, item)
        else:
            target.setdefault(key, os.fsencode(src))


def _entries(directory: Directory, prefix: bytes, mode: int) -> Iterator[Entry]:
    for key in sorted(directory):
        node, name = directory[key], prefix + key
        if isinstance(node, dict):
            yield Entry(name + b"/", tarformat.DIRTYPE, mode)
            yield from _entries(node, name + b"/", mode)
        else:
            yield Entry(name, tarformat.SYMTYPE, _LINK_MODE, 0, node)


def merged_entries(contents: list[str], rels: list[str], why: str) -> list[Entry]:
    """The entries of the root ``tree.merge_contents`` would make of ``contents``,
    checked as ``tree.require_directories`` checks ``rels`` of it."""
    root: Directory = {}
    for item in contents:
        tree.require_contents_directory(item)
        _merge(item, root, item)
    for rel in rels:  # parents first: a link stops the walk
        node: Node = root
        for part in rel.split("/"):
            node = node.get(os.fsencode(part), {}) if isinstance(node, dict) else node
        if not isinstance(node, dict):
            raise tree.not_a_directory(rel, f"a symlink to {os.fsdecode(node)}", contents, why)
    return list(_entries(root, b"", 0o755 & ~_umask()))
