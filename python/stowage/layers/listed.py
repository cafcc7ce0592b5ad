"""A store layer's tar written from its listing (``stowage.contract.listing``):
the same bytes as ``stowage.layers.tarball.write`` over ``store_entries``, but
the entries come from one file read sequentially, so the stream neither lists
a directory nor ``lstat``s an entry, and keeps no entry once it is written
(memory stays flat however many entries a layer has).

What guards the bytes: the listing's digest and entry count are the record's
(``check_digest`` first, the count at the end); each entry's type is a known
one; its name is below its store path (the record's paths, in order, name them)
and has no empty, ``.`` or ``..`` part; and each regular file has exactly the
listed size when read (the sink reads one byte more to see a file that grew).
The caller checks the layer's length against the record once it is written.
"""

from __future__ import annotations

import os
from typing import Iterable, Iterator

from stowage.contract import listing as contract
from stowage.contract.listing import Listing
from stowage.layers import tarball
from stowage.layers.tarball import Entry
from stowage.output.sink import HashingSink
from stowage.tar import headers
from stowage.tar.headers import Stamp


def save(directory: str, paths: Iterable[str], entries: Iterable[Entry]) -> tuple[str, int]:
    """Write the listing of ``entries`` (a store layer's, without the store's
    parents: ``paths`` with their contents) into ``directory``; return its
    digest and entry count."""
    path = os.path.join(directory, contract.FILE)
    tops = _Tops(tuple(paths), path)
    top, count = b"\0", 0
    with open(path, "wb") as handle:
        handle.write(contract.MAGIC)
        for e in entries:
            if not e.name.startswith(top):  # the next store path itself
                top = tops.next(e.name)
            handle.write(contract.encode(e.name[len(top):], e.typeflag, e.mode, e.size, e.linkname))
            count += 1
    return contract.digest_of(path), count


class _Tops:
    """The layer's store paths as tar names, in order (a listing's entries name
    them only by the order they come in)."""

    def __init__(self, paths: tuple[str, ...], listing: str) -> None:
        self._names: Iterator[bytes] = iter(sorted(os.fsencode(p).lstrip(b"/") for p in paths))
        self._listing = listing
        self.count = self.left = len(paths)

    def next(self, name: bytes = b"") -> bytes:
        """The next store path's name and a slash (what its entries' names start
        with); ``name``, when given, must be that store path."""
        found = next(self._names, None)
        if found is None:
            raise contract.problem(self._listing, f"names more store paths than the layer's {self.count}")
        if name and name.rstrip(b"/") != found:
            raise contract.bad_entry(self._listing, f"names the store path {os.fsdecode(found)!r} as", name)
        self.left -= 1
        return found + b"/"

    @property
    def listing(self) -> str:
        return self._listing


#: Permission bits by their octal text: a layer has only a few distinct ones.
_MODES: dict[bytes, int] = {}


def _no_plain(name: bytes, typeflag: bytes, mode: int, size: int, linkname: bytes) -> None:
    """The plain-header builder of a stamp that needs PAX records for every entry."""
    return None


def write(found: Listing, store_dir: str, paths: tuple[str, ...], stamp: Stamp, sink: HashingSink) -> None:
    """Write the layer tarball of store ``paths`` from their listing to ``sink``."""
    contract.check_digest(found)
    tarball.write_members(tarball.store_parents(store_dir), stamp, sink)
    tops = _Tops(paths, found.file)
    plain = headers.plain_header(stamp) or _no_plain
    top, count = b"", 0
    for fields in contract.batches(found.file):
        top = _write_batch(fields, top, tops, stamp, plain, sink)
        count += len(fields) // contract.FIELDS
    if count != found.entries or tops.left:
        raise contract.problem(
            found.file, f"holds {count} entries and {len(paths) - tops.left} of the layer's {len(paths)} paths; "
            f"its record says {found.entries} entries and every path")
    sink.write(headers.END_OF_ARCHIVE)


def _write_batch(fields: list[bytes], top: bytes, tops: _Tops, stamp: Stamp, plain: headers.PlainHeader,
                 sink: HashingSink) -> bytes:
    """Write the entries of one batch of fields (``plain`` builds the stamp's
    plain headers); return the name (and a slash) of the store path the last one
    lies below. The loop is the stream's per-entry cost: kept to the calls each
    entry needs (bench/README.md)."""
    header, member, write_bytes, modes = headers.header, sink.member, sink.write, _MODES
    regular, directory, symlink = headers.REGTYPE, headers.DIRTYPE, headers.SYMTYPE
    it = iter(fields)
    for below, kind, mode_text, size_text, link in zip(it, it, it, it, it, strict=True):
        if below:
            name = top + below
            if (b"/." in name or b"//" in name) and contract.name_escapes(name):
                raise contract.bad_entry(tops.listing, "names an entry with an empty, '.' or '..' part", name)
        else:  # the next store path itself
            top = tops.next()
            name = top if kind == directory else top[:-1]
        mode = modes.get(mode_text)
        if mode is None:
            mode = modes[mode_text] = contract.mode_of(mode_text, tops.listing)
        if kind == regular:
            size = int(size_text) if size_text.isdigit() else contract.size_of(size_text, tops.listing)
            member(plain(name, kind, mode, size, link) or header(name, kind, mode, stamp, size=size, linkname=link),
                   b"/" + name, size)
        elif kind == directory or kind == symlink:
            write_bytes(plain(name, kind, mode, 0, link) or header(name, kind, mode, stamp, linkname=link))
        else:
            raise contract.bad_entry(tops.listing, f"gives an entry the unknown type {kind!r}", name)
    return top
