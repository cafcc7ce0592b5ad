"""Tar headers in the one dialect this project writes: POSIX ustar, plus a PAX
extended header ('x') for whatever plain ustar cannot hold exactly.

Why this dialect: ustar is read by every tool that loads images (Docker, podman,
containerd, GNU tar, Python's tarfile, Go's archive/tar), and PAX records are the
standard way to carry long or non-ASCII names and sizes over 8 GiB. GNU's
``././@LongLink`` would also work but is not POSIX. The ustar ``prefix`` field is
never used: a name either fits in ``name`` or goes into a PAX ``path`` record, so
each name has exactly one encoding and the bytes never depend on where a split
point happens to fall.

All functions are pure: same arguments, same bytes.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Optional

BLOCK = 512
END_OF_ARCHIVE = bytes(2 * BLOCK)

REGTYPE = b"0"
SYMTYPE = b"2"
DIRTYPE = b"5"
PAXTYPE = b"x"

_USTAR_MAX_SIZE = 0o77777777777  # 11 octal digits: just under 8 GiB
_ID_MAX = 0o7777777  # 7 octal digits; larger uids and gids go into PAX records
_NAME_MAX = 100
_LINK_MAX = 100
_OWNER_NAME_MAX = 32
_PAX_HEADER_NAME = b"././@PaxHeader"


def padding(size: int) -> int:
    """Return how many zero bytes follow ``size`` bytes of member data."""
    return -size % BLOCK


def padded(size: int) -> int:
    """Return ``size`` rounded up to whole 512-byte blocks."""
    return size + padding(size)


def _octal(value: int, width: int) -> bytes:
    """Zero-padded octal digits, NUL-terminated, filling ``width`` bytes."""
    digits = b"%o" % value
    if value < 0 or len(digits) > width - 1:
        raise ValueError(f"{value} does not fit in a {width}-byte tar field")
    return digits.rjust(width - 1, b"0") + b"\0"


def _field(data: bytes, width: int) -> bytes:
    return data.ljust(width, b"\0")


def _pax_record(key: bytes, value: bytes) -> bytes:
    """One ``"<len> key=value\\n"`` record; its length counts its own digits."""
    body = b" " + key + b"=" + value + b"\n"
    length = len(body) + 1
    while len(b"%d" % length) + len(body) != length:
        length += 1
    return b"%d" % length + body


@dataclass(frozen=True)
class Stamp:
    """The time and owner written on every entry of a layer."""

    mtime: int
    uid: int
    gid: int
    uname: bytes
    gname: bytes


def _needs_pax(data: bytes, limit: int) -> bool:
    return len(data) > limit or not data.isascii()


def pax_records(name: bytes, linkname: bytes, size: int, stamp: Stamp) -> bytes:
    """Return the PAX records an entry needs (empty when plain ustar suffices)."""
    uid, gid, uname, gname = stamp.uid, stamp.gid, stamp.uname, stamp.gname
    records = b""
    if uid > _ID_MAX:
        records += _pax_record(b"uid", b"%d" % uid)
    if gid > _ID_MAX:
        records += _pax_record(b"gid", b"%d" % gid)
    if _needs_pax(name, _NAME_MAX):
        records += _pax_record(b"path", name)
    if _needs_pax(linkname, _LINK_MAX):
        records += _pax_record(b"linkpath", linkname)
    if size > _USTAR_MAX_SIZE:
        records += _pax_record(b"size", b"%d" % size)
    if _needs_pax(uname, _OWNER_NAME_MAX):
        records += _pax_record(b"uname", uname)
    if _needs_pax(gname, _OWNER_NAME_MAX):
        records += _pax_record(b"gname", gname)
    return records


# The ustar header block, in field order; ``s`` fields are NUL-padded by struct.
_USTAR = struct.Struct(
    "100s"  # name
    "8s"  # mode
    "16s"  # uid, gid: from the stamp
    "12s"  # size
    "12s"  # mtime: from the stamp
    "8s"  # checksum
    "c"  # typeflag
    "100s"  # linkname
    "88s"  # magic "ustar\0" "00", uname, gname, devmajor, devminor: from the stamp
    "167s"  # prefix (never used) and padding to 512 bytes
)
_CHECKSUM_BLANK = b" " * 8  # the checksum is computed over spaces, per the spec


def _octal_fields(*values: tuple[int, int]) -> bytes:
    return b"".join(_octal(value, width) for value, width in values)


@lru_cache(maxsize=64)
def _stamp_fields(stamp: Stamp) -> tuple[bytes, bytes, bytes, int]:
    """The stamp's three runs of header bytes, and their checksum with the blank."""
    ids = _octal_fields((min(stamp.uid, _ID_MAX), 8), (min(stamp.gid, _ID_MAX), 8))
    mtime = _octal(stamp.mtime, 12)
    owner = (
        b"ustar\x0000"
        + _field(stamp.uname[:_OWNER_NAME_MAX], 32)
        + _field(stamp.gname[:_OWNER_NAME_MAX], 32)
        + _octal_fields((0, 8), (0, 8))
    )
    return ids, mtime, owner, sum(ids) + sum(mtime) + sum(owner) + sum(_CHECKSUM_BLANK)


@lru_cache(maxsize=64)
def _mode_field(mode: int) -> tuple[bytes, int]:
    field = _octal(mode, 8)
    return field, sum(field)


def _ustar_block(name: bytes, typeflag: bytes, mode: int, size: int, *, linkname: bytes, stamp: Stamp) -> bytes:
    """One ustar block. The checksum is summed from the fields, not from the
    block: the stamp's fields are summed once per stamp. Measured here, this and
    ``struct`` took a header from 3.9 µs (fields joined, then summed) to 1.5 µs."""
    ids, mtime, owner, stamp_sum = _stamp_fields(stamp)
    mode_field, mode_sum = _mode_field(mode)
    size_field = _octal(min(size, _USTAR_MAX_SIZE), 12)
    name, linkname = name[:_NAME_MAX], linkname[:_LINK_MAX]
    checksum = stamp_sum + mode_sum + sum(size_field) + typeflag[0] + sum(name) + sum(linkname)
    return _USTAR.pack(
        name, mode_field, ids, size_field, mtime, b"%06o\0 " % checksum,
        typeflag, linkname, owner, b"",
    )


def _plain(name: bytes, linkname: bytes, size: int, stamp: Stamp) -> bool:
    """Whether plain ustar holds the entry exactly (the common case, checked cheaply)."""
    uid, gid, uname, gname = stamp.uid, stamp.gid, stamp.uname, stamp.gname
    return (
        uid <= _ID_MAX
        and gid <= _ID_MAX
        and len(name) <= _NAME_MAX
        and len(linkname) <= _LINK_MAX
        and size <= _USTAR_MAX_SIZE
        and len(uname) <= _OWNER_NAME_MAX
        and len(gname) <= _OWNER_NAME_MAX
        and (name + linkname + uname + gname).isascii()
    )


#: Builds the ustar block of an entry under one stamp, or returns None when the
#: entry needs PAX records: ``(name, typeflag, mode, size, linkname) -> block``.
PlainHeader = Callable[[bytes, bytes, int, int, bytes], Optional[bytes]]


def plain_header(stamp: Stamp) -> Optional[PlainHeader]:
    """Return a builder of ``header``'s bytes for the entries of ``stamp`` that
    plain ustar holds, or None when the stamp itself needs PAX records.

    The stamp's checks and fields are settled once, so an entry costs only its
    own fields (measured here: 0.65 µs a header instead of 1.65)."""
    if not _plain(b"", b"", 0, stamp):
        return None
    ids, mtime, owner, stamp_sum = _stamp_fields(stamp)
    pack, mode_field, adler32 = _USTAR.pack, _mode_field, zlib.adler32

    def block(name: bytes, typeflag: bytes, mode: int, size: int, linkname: bytes) -> Optional[bytes]:
        text = name + linkname
        if len(name) > _NAME_MAX or len(linkname) > _LINK_MAX or not 0 <= size <= _USTAR_MAX_SIZE:
            return None
        if not text.isascii():
            return None
        mode_bytes, mode_sum = mode_field(mode)
        size_bytes = b"%011o\0" % size
        # The low half of an Adler-32 is 1 + the sum of the bytes modulo 65521; these
        # at most 212 ASCII bytes sum to less, so it is their exact sum, in C
        # (0.35 µs less a header than ``sum`` over them, measured here).
        text_sum = (adler32(size_bytes, adler32(text)) & 0xFFFF) - 1
        checksum = stamp_sum + mode_sum + typeflag[0] + text_sum
        return pack(
            name, mode_bytes, ids, size_bytes, mtime, b"%06o\0 " % checksum,
            typeflag, linkname, owner, b"",
        )

    return block


def plain_length(name: bytes, linkname: bytes, size: int) -> Optional[int]:
    """Return the bytes a member takes (header, data, padding) under a stamp
    that ``plain_header`` accepts, or None when the entry needs PAX records."""
    if len(name) > _NAME_MAX or len(linkname) > _LINK_MAX or not 0 <= size <= _USTAR_MAX_SIZE:
        return None
    if not (name + linkname).isascii():
        return None
    return BLOCK + size + (-size % BLOCK)


def header(
    name: bytes,
    typeflag: bytes,
    mode: int,
    stamp: Stamp,
    *,
    size: int = 0,
    linkname: bytes = b"",
) -> bytes:
    """Return the header bytes of one member: a ustar block, preceded by a PAX
    header and its records when the member needs them."""
    main = _ustar_block(name, typeflag, mode, size, linkname=linkname, stamp=stamp)
    if _plain(name, linkname, size, stamp):
        return main
    records = pax_records(name, linkname, size, stamp)
    pax = _ustar_block(_PAX_HEADER_NAME, PAXTYPE, 0o644, len(records), linkname=b"", stamp=stamp)
    return pax + records + bytes(padding(len(records))) + main


def header_length(name: bytes, linkname: bytes, size: int, stamp: Stamp) -> int:
    """Return ``len(header(...))`` without building it (the common case is cheap)."""
    if _plain(name, linkname, size, stamp):
        return BLOCK
    records = pax_records(name, linkname, size, stamp)
    if not records:
        return BLOCK
    return 2 * BLOCK + padded(len(records))


def member_length(name: bytes, linkname: bytes, size: int, stamp: Stamp) -> int:
    """Return the bytes one member takes: header(s), data and padding."""
    return header_length(name, linkname, size, stamp) + padded(size)
