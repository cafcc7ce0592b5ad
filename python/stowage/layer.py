"""Layer tarballs: the entries of a layer, its exact length, and its bytes.

A layer is listed first (``lstat`` only, no file is read), which gives its exact
length before any byte is written: the docker-archive member header can then be
written up front and the layer's bytes hashed while they stream, in one pass.

Determinism: names are sorted as bytes, children directly follow their parent,
time and owner come from a ``Stamp``, and hard links are written as regular
files, so neither the file system's order nor store optimisation can change a
byte. Names are relative (``nix/store/...``), never absolute.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from typing import Iterable, Iterator

from . import tarformat
from .errors import UserError
from .sink import HashingSink
from .tarformat import Stamp

#: ``nix`` and ``nix/store`` are 0755 so that a non-root user can traverse them.
STORE_PARENT_MODE = 0o755


@dataclass(frozen=True, slots=True)
class Entry:
    """One tar member of a layer; ``source`` is where a regular file's bytes are."""

    name: bytes
    typeflag: bytes
    mode: int
    size: int = 0
    linkname: bytes = b""
    source: bytes = b""


def _entry_for(source: bytes, name: bytes) -> Entry:
    try:
        st = os.lstat(source)
    except FileNotFoundError:
        raise UserError(f"{os.fsdecode(source)} does not exist (was it garbage-collected?)") from None
    mode = stat.S_IMODE(st.st_mode)
    if stat.S_ISDIR(st.st_mode):
        return Entry(name + b"/", tarformat.DIRTYPE, mode)
    if stat.S_ISLNK(st.st_mode):
        return Entry(name, tarformat.SYMTYPE, mode, linkname=os.readlink(source))
    if stat.S_ISREG(st.st_mode):
        return Entry(name, tarformat.REGTYPE, mode, st.st_size, source=source)
    raise UserError(
        f"{os.fsdecode(source)} is neither a file, a directory nor a symlink; "
        "a layer can hold only those"
    )


def walk(source: bytes, name: bytes) -> Iterator[Entry]:
    """Yield ``source`` and everything below it, named under ``name``, in order."""
    stack = [(source, name)]
    while stack:
        path, arcname = stack.pop()
        entry = _entry_for(path, arcname)
        yield entry
        if entry.typeflag == tarformat.DIRTYPE:
            children = sorted(os.listdir(path), reverse=True)
            stack.extend((path + b"/" + child, arcname + b"/" + child) for child in children)


def store_entries(store_dir: str, paths: Iterable[str]) -> list[Entry]:
    """Return the entries of a layer holding ``paths``: the store's parent
    directories first, then each path (sorted) with its contents."""
    store = os.fsencode(store_dir.rstrip("/"))
    parts = store.strip(b"/").split(b"/")
    entries = [
        Entry(b"/".join(parts[: i + 1]) + b"/", tarformat.DIRTYPE, STORE_PARENT_MODE)
        for i in range(len(parts))
    ]
    for path in sorted(os.fsencode(p) for p in paths):
        if os.path.dirname(path) != store:
            raise UserError(f"{os.fsdecode(path)} is not a path directly in {store_dir}")
        entries.extend(walk(path, path.lstrip(b"/")))
    return entries


def tree_entries(root: str) -> list[Entry]:
    """Return the entries of a layer holding what is below ``root`` (not root itself)."""
    top = os.fsencode(root)
    entries: list[Entry] = []
    for child in sorted(os.listdir(top)):
        entries.extend(walk(top + b"/" + child, child))
    return entries


def length(entries: Iterable[Entry], stamp: Stamp) -> int:
    """Return the exact byte length of the layer tarball of ``entries``."""
    total = len(tarformat.END_OF_ARCHIVE)
    for e in entries:
        total += tarformat.member_length(e.name, e.linkname, e.size, stamp.uname, stamp.gname)
    return total


def write(entries: Iterable[Entry], stamp: Stamp, sink: HashingSink) -> None:
    """Write the layer tarball of ``entries`` to ``sink``."""
    for e in entries:
        sink.write(
            tarformat.header(e.name, e.typeflag, e.mode, stamp, size=e.size, linkname=e.linkname)
        )
        if e.typeflag == tarformat.REGTYPE:
            sink.copy_file(e.source, e.size)
            sink.zeros(tarformat.padding(e.size))
    sink.write(tarformat.END_OF_ARCHIVE)
