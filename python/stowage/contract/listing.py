"""The layer listing (``store-layer.listing``, version 1): every entry of a store
layer below the store's parent directories, in stream order, written by the
store-layer derivation next to its record (``store-layer.json``, which holds the
listing's digest and entry count) and read sequentially by the stream, which
then neither lists a directory nor ``lstat``s an entry.

Format: the line ``stowage-listing 1``, then per entry five NUL-terminated fields:
the name below its store path (empty for a store path itself, which the layer's
sorted paths name in turn: ``bin/``, ``bin/hello`` for ``nix/store/<hash>-x/bin/``
and ``…/bin/hello``; a directory's ends in ``/``), the tar typeflag (``0`` a regular
file, ``5`` a directory, ``2`` a symlink), the permission bits in octal, the size
in decimal (0 but for a regular file) and the symlink target (empty but for a
symlink). Names and targets are bytes as the file system gives them; no field
can hold a NUL, so the file has one spelling for each layer.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import BinaryIO, Iterator

from stowage import digest
from stowage.errors import UserError

FILE = "store-layer.listing"
VERSION = 1
MAGIC = b"stowage-listing %d\n" % VERSION
FIELDS = 5

#: Bytes read at a time: a chunk's fields are the only per-entry objects alive.
#: Measured on the stream of one layer of 100,000 entries: peak RSS 25 MB with
#: 64 KiB (as a stream of small layers), 29 MB with 256 KiB, 41 MB with 1 MiB;
#: the same CPU time.
CHUNK = 1 << 16


@dataclass(frozen=True)
class Listing:
    """Where a layer's listing is, and what its record says of it."""

    file: str
    digest: str  # sha256 of the whole file
    entries: int


def encode(name: bytes, typeflag: bytes, mode: int, size: int, linkname: bytes) -> bytes:
    """One entry's five fields."""
    return b"%s\0%s\0%o\0%d\0%s\0" % (name, typeflag, mode, size, linkname)


def problem(path: str, what: str) -> UserError:
    """The error for a listing that does not match its record: the store path
    that holds both is damaged."""
    record = os.path.dirname(path)
    return UserError(f"the layer listing {path} {what}; its store path is damaged: "
                     f"repair it (nix-store --repair-path {record})")


def digest_of(path: str) -> str:
    """The sha256 of a listing file, as ``sha256:<hex>``."""
    hasher = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(CHUNK):
                hasher.update(chunk)
    except OSError as error:
        raise UserError(f"cannot read the layer listing {path}: {error.strerror}") from None
    return digest.of_hash(hasher)


def check_digest(listing: Listing) -> None:
    """Refuse a listing file that is not the one its record describes."""
    got = digest_of(listing.file)
    if got != listing.digest:
        raise problem(listing.file, f"has digest {got}, but its record says {listing.digest}")


def _open(path: str) -> BinaryIO:
    try:
        handle = open(path, "rb")
    except OSError as error:
        raise UserError(f"cannot read the layer listing {path}: {error.strerror}") from None
    if handle.read(len(MAGIC)) != MAGIC:
        handle.close()
        raise problem(path, f"does not start with {MAGIC.decode().strip()!r}")
    return handle


def batches(path: str) -> Iterator[list[bytes]]:
    """Yield the listing's fields a chunk at a time, whole entries only (a multiple
    of ``FIELDS``); an entry cut short at the end of the file is an error."""
    with _open(path) as handle:
        rest = b""
        while chunk := handle.read(CHUNK):
            fields = (rest + chunk).split(b"\0")
            whole = (len(fields) - 1) // FIELDS * FIELDS
            rest = b"\0".join(fields[whole:])
            if whole:
                yield fields[:whole]
        if rest:
            raise problem(path, f"ends inside an entry ({len(rest)} bytes after the last whole entry)")


def mode_of(text: bytes, path: str) -> int:
    """The permission bits of an entry (octal text)."""
    try:
        mode = int(text, 8)
    except ValueError:
        mode = -1
    if not 0 <= mode <= 0o7777:
        raise problem(path, f"gives an entry the mode {text!r}")
    return mode


def size_of(text: bytes, path: str) -> int:
    """The size of a regular file (decimal text)."""
    if not text.isdigit():
        raise problem(path, f"gives a file the size {text!r}")
    return int(text)


def name_escapes(name: bytes) -> bool:
    """Whether a name has an empty, ``.`` or ``..`` component (beyond a directory's
    final ``/``): read below a root, it would not stay below its store path."""
    parts = name[:-1].split(b"/") if name.endswith(b"/") else name.split(b"/")
    return any(part in (b"", b".", b"..") for part in parts)


def bad_entry(path: str, what: str, name: bytes) -> UserError:
    """The error for an entry that its layer cannot hold."""
    return problem(path, f"{what}: {os.fsdecode(name)!r}")
