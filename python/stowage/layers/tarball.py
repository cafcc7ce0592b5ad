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
import sys
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Iterator, Optional

from stowage.tar import headers as tarformat
from stowage.errors import UserError
from stowage.output.sink import HashingSink
from stowage.tar.headers import Stamp

#: A layer entry named so is a whiteout for Docker and OCI (``.wh.<name>`` hides
#: ``<name>`` of the layers below, ``.wh..wh..opq`` all of its directory's).
WHITEOUT_PREFIX = b".wh."

#: ``nix`` and ``nix/store`` are 0755 so that a non-root user can traverse them.
STORE_PARENT_MODE = 0o755

_FS_ENCODING, _FS_ERRORS = sys.getfilesystemencoding(), sys.getfilesystemencodeerrors()


@dataclass(frozen=True, slots=True)
class Entry:
    """One tar member of a layer; a regular file's bytes are at ``root + name``.

    A layer of 100,000 entries is held in memory while its length is computed,
    so an entry is kept small: ``root`` is one object shared by the entries of
    a walk rather than a full path each (about 110 bytes less per entry)."""

    name: bytes
    typeflag: bytes
    mode: int
    size: int = 0
    linkname: bytes = b""
    root: bytes = b""
    #: (uid, gid) of this entry, written with numeric owner names; None: the stamp's.
    owner: Optional[tuple[int, int]] = None

    @property
    def source(self) -> bytes:
        """The path of a regular file's bytes."""
        return self.root + self.name


@lru_cache(maxsize=None)
def _shared(mode: int) -> int:
    """``mode`` as one shared int object (32 bytes less per entry)."""
    return mode


def _entry_for(root: bytes, name: bytes, own_owner: bool = False) -> Entry:
    source = root + name
    try:
        st = os.lstat(source)
    except FileNotFoundError:
        raise UserError(f"{os.fsdecode(source)} does not exist (was it garbage-collected?)") from None
    return _entry_of(st, root, name, own_owner, (source, None))


def _entry_of(st: os.stat_result, root: bytes, name: bytes, own_owner: bool, at: tuple[bytes, Optional[int]]) -> Entry:
    """The entry of ``root + name``, whose ``lstat`` is ``st``; ``at`` (a path and
    the descriptor it is relative to) is where a symlink's target is read."""
    kind = st.st_mode
    mode = _shared(stat.S_IMODE(kind))
    owner = (st.st_uid, st.st_gid) if own_owner else None
    if stat.S_ISREG(kind):
        return Entry(name, tarformat.REGTYPE, mode, st.st_size, b"", root, owner)
    if stat.S_ISDIR(kind):
        return Entry(name + b"/", tarformat.DIRTYPE, mode, 0, b"", b"", owner)
    if stat.S_ISLNK(kind):
        return Entry(name, tarformat.SYMTYPE, mode, 0, os.readlink(at[0], dir_fd=at[1]), b"", owner)
    raise UserError(
        f"{os.fsdecode(root + name)} is neither a file, a directory nor a symlink; "
        "a layer can hold only those"
    )


def _children(root: bytes, directory: Entry, own_owners: bool) -> list[Entry]:
    """The entries of a directory's children, sorted by name. They are listed and
    ``lstat``ed relative to the directory's descriptor: the kernel then resolves
    one name instead of a whole path (about 0.4 µs less an entry, measured here)."""
    fd = os.open(root + directory.name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        children = []
        # A descriptor is listed as str: names back to their bytes (os.fsencode's codec).
        for child in sorted(name.encode(_FS_ENCODING, _FS_ERRORS) for name in os.listdir(fd)):
            try:
                st = os.lstat(child, dir_fd=fd)
            except FileNotFoundError:
                path = os.fsdecode(root + directory.name + child)
                raise UserError(f"{path} does not exist (was it garbage-collected?)") from None
            children.append(_entry_of(st, root, directory.name + child, own_owners, (child, fd)))
        return children
    finally:
        os.close(fd)


def walk(root: bytes, name: bytes, own_owners: bool = False) -> Iterator[Entry]:
    """Yield ``root + name`` and everything below it, named under ``name``, in order.
    With ``own_owners``, each entry keeps the owner the file system reports (under
    fakeroot: the owners that fakeRootCommands gave)."""
    stack = [_entry_for(root, name, own_owners)]
    while stack:
        entry = stack.pop()
        yield entry
        if entry.typeflag == tarformat.DIRTYPE:
            stack.extend(reversed(_children(root, entry, own_owners)))


def store_parents(store_dir: str) -> list[Entry]:
    """Return the entries of the store's parent directories (``nix/``, ``nix/store/``)."""
    parts = os.fsencode(store_dir.strip("/")).split(b"/")
    return [Entry(b"/".join(parts[: i + 1]) + b"/", tarformat.DIRTYPE, STORE_PARENT_MODE) for i in range(len(parts))]


def store_entries(store_dir: str, paths: Iterable[str]) -> list[Entry]:
    """Return the entries of a layer holding ``paths``: the store's parent
    directories first, then each path (sorted) with its contents."""
    store = os.fsencode(store_dir.rstrip("/"))
    entries = store_parents(store_dir)
    for path in sorted(os.fsencode(p) for p in paths):
        if os.path.dirname(path) != store:
            raise UserError(f"{os.fsdecode(path)} is not a path directly in {store_dir}")
        name = path.lstrip(b"/")
        found = list(walk(path[: len(path) - len(name)], name))
        hiding = first_whiteout(found)
        if hiding is not None:
            raise UserError(
                f"/{os.fsdecode(hiding.name.rstrip(b'/'))} is named like a whiteout, which would make "
                f"Docker hide files of the layers below; it comes from the package {os.fsdecode(path)}: "
                "rename or remove it"
            )
        entries.extend(found)
    return entries


def first_whiteout(entries: Iterable[Entry]) -> Optional[Entry]:
    """Return the first entry named like a whiteout, if any."""
    for e in entries:
        if e.name.rstrip(b"/").rpartition(b"/")[2].startswith(WHITEOUT_PREFIX):
            return e
    return None


def first_in_store(entries: Iterable[Entry], store_dir: str) -> Optional[Entry]:
    """Return the first entry below a store path (``nix/store/<name>/…`` or the
    store path itself), if any: in the root layer it would replace, in the
    container, what the store layers below hold at that path."""
    prefix = os.fsencode(store_dir.strip("/")) + b"/"
    for e in entries:
        if e.name.startswith(prefix) and e.name[len(prefix):].strip(b"/"):
            return e
    return None


def tree_entries(root: str, own_owners: bool = False) -> list[Entry]:
    """Return the entries of a layer holding what is below ``root`` (not root itself)."""
    top = os.fsencode(root) + b"/"
    entries: list[Entry] = []
    for child in sorted(os.listdir(top)):
        entries.extend(walk(top, child, own_owners))
    return entries


@lru_cache(maxsize=256)
def _stamp_for(stamp: Stamp, owner: Optional[tuple[int, int]]) -> Stamp:
    """The stamp of an entry: the layer's, or its own numeric owner at the layer's time."""
    return stamp if owner is None else Stamp(stamp.mtime, owner[0], owner[1], b"", b"")


def length(entries: Iterable[Entry], stamp: Stamp) -> int:
    """Return the exact byte length of the layer tarball of ``entries``."""
    total = len(tarformat.END_OF_ARCHIVE)
    plain = tarformat.plain_length if tarformat.plain_header(stamp) is not None else None
    for e in entries:
        size = plain(e.name, e.linkname, e.size) if plain is not None and e.owner is None else None
        if size is None:
            size = tarformat.member_length(e.name, e.linkname, e.size, _stamp_for(stamp, e.owner))
        total += size
    return total


def write(entries: Iterable[Entry], stamp: Stamp, sink: HashingSink) -> None:
    """Write the layer tarball of ``entries`` to ``sink``."""
    write_members(entries, stamp, sink)
    sink.write(tarformat.END_OF_ARCHIVE)


def write_members(entries: Iterable[Entry], stamp: Stamp, sink: HashingSink) -> None:
    """Write the members of ``entries`` to ``sink`` (not the end of the archive).

    Entries the stamp's plain ustar holds take the short way (``plain_header``,
    and a small file's header, bytes and padding in one call of the sink)."""
    header, regular = tarformat.header, tarformat.REGTYPE
    plain = tarformat.plain_header(stamp)
    member, write_bytes = sink.member, sink.write
    for e in entries:
        block = plain(e.name, e.typeflag, e.mode, e.size, e.linkname) if plain is not None and e.owner is None else None
        if block is None:
            own = _stamp_for(stamp, e.owner)
            block = header(e.name, e.typeflag, e.mode, own, size=e.size, linkname=e.linkname)
        if e.typeflag == regular:
            member(block, e.root + e.name, e.size)
        else:
            write_bytes(block)
