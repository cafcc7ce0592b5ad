"""Tar headers (stowage.tar.headers), read back by Python's tarfile and GNU tar."""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path

import pytest

from stowage.tar import headers as tarformat
from stowage.tar.headers import Stamp

STAMP = Stamp(mtime=1_700_000_000, uid=1000, gid=100, uname=b"alice", gname=b"users")


def member(name: bytes, data: bytes = b"", **kwargs: object) -> bytes:
    """One regular-file member with its data and padding."""
    head = tarformat.header(name, tarformat.REGTYPE, 0o644, STAMP, size=len(data), **kwargs)  # type: ignore[arg-type]
    return head + data + bytes(tarformat.padding(len(data)))


def read_members(archive: bytes) -> list[tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:") as tar:
        return tar.getmembers()


def test_short_name_is_one_plain_ustar_block() -> None:
    head = tarformat.header(b"bin/hello", tarformat.REGTYPE, 0o555, STAMP, size=5)
    assert len(head) == tarformat.BLOCK
    assert head[257:265] == b"ustar\x0000"
    [info] = read_members(head + b"hello" + bytes(507) + tarformat.END_OF_ARCHIVE)
    assert (info.name, info.mode, info.size, info.type) == ("bin/hello", 0o555, 5, tarfile.REGTYPE)
    assert (info.mtime, info.uid, info.gid, info.uname, info.gname) == (
        1_700_000_000, 1000, 100, "alice", "users",
    )
    assert info.pax_headers == {}


@pytest.mark.parametrize(
    ("name", "pax"),
    [
        (b"n" * 100, False),  # exactly fills the name field
        (b"n" * 101, True),
        (b"d" * 200 + b"/" + b"f" * 200, True),  # longer than prefix + name (255)
        ("café/日本語".encode(), True),  # short but not ASCII
    ],
    ids=["100-bytes", "101-bytes", "401-bytes", "non-ascii"],
)
def test_names_too_long_or_not_ascii_go_into_a_pax_path(name: bytes, pax: bool) -> None:
    archive = member(name, b"data") + tarformat.END_OF_ARCHIVE
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:") as tar:
        [info] = tar.getmembers()
        handle = tar.extractfile(info)
        assert handle is not None and handle.read() == b"data"
    assert info.name == name.decode()
    assert ("path" in info.pax_headers) is pax


def test_the_ustar_prefix_field_is_never_used() -> None:
    head = tarformat.header(b"d" * 150 + b"/f", tarformat.REGTYPE, 0o644, STAMP)
    main = head[-tarformat.BLOCK :]
    assert main[345:500] == bytes(155)


def test_long_and_non_ascii_link_targets_go_into_a_pax_linkpath() -> None:
    targets = [b"/nix/store/" + b"t" * 120, "../ünïcode".encode(), b"short"]
    archive = b"".join(
        tarformat.header(b"link%d" % i, tarformat.SYMTYPE, 0o777, STAMP, linkname=target)
        for i, target in enumerate(targets)
    )
    infos = read_members(archive + tarformat.END_OF_ARCHIVE)
    assert [i.linkname for i in infos] == [t.decode() for t in targets]
    assert [i.issym() for i in infos] == [True, True, True]
    assert ["linkpath" in i.pax_headers for i in infos] == [True, True, False]


def test_long_owner_names_go_into_pax_records() -> None:
    stamp = Stamp(1, 0, 0, b"u" * 40, "grüppe".encode())
    head = tarformat.header(b"f", tarformat.REGTYPE, 0o644, stamp)
    [info] = read_members(head + tarformat.END_OF_ARCHIVE)
    assert (info.uname, info.gname) == ("u" * 40, "grüppe")


def test_sizes_beyond_ustar_go_into_a_pax_size_record() -> None:
    size = 9 << 30  # 9 GiB: more than 11 octal digits hold
    head = tarformat.header(b"big", tarformat.REGTYPE, 0o644, STAMP, size=size)
    with tarfile.TarFile(fileobj=io.BytesIO(head)) as tar:
        info = tar.next()  # reads the first header only, not the 9 GiB after it
    assert info is not None and info.size == size
    assert info.pax_headers == {"size": str(size)}


@pytest.mark.parametrize("length", range(85, 115))
def test_pax_records_count_their_own_length(length: int) -> None:
    # Around 100 bytes the length prefix grows from two digits to three.
    records = tarformat.pax_records(b"f", b"", 0, Stamp(0, 0, 0, b"u" * length, b"root"))
    prefix, _, rest = records.partition(b" ")
    assert int(prefix) == len(records)
    assert rest == b"uname=" + b"u" * length + b"\n"


@pytest.mark.parametrize(
    ("name", "linkname", "size", "uname"),
    [
        (b"f", b"", 0, b"root"),
        (b"f", b"", 513, b"root"),
        (b"n" * 300, b"", 1, b"root"),
        (b"l", b"t" * 300, 0, b"u" * 50),
        ("ü".encode() * 400, b"", 9 << 30, b"root"),
    ],
)
def test_lengths_match_the_bytes(name: bytes, linkname: bytes, size: int, uname: bytes) -> None:
    stamp = Stamp(0, 0, 0, uname, b"root")
    head = tarformat.header(name, tarformat.REGTYPE, 0o644, stamp, size=size, linkname=linkname)
    assert tarformat.header_length(name, linkname, size, stamp) == len(head)
    assert len(head) % tarformat.BLOCK == 0
    assert tarformat.member_length(name, linkname, size, stamp) == len(head) + tarformat.padded(size)


def test_padding() -> None:
    assert [tarformat.padding(n) for n in (0, 1, 511, 512, 513)] == [0, 511, 1, 0, 511]
    assert [tarformat.padded(n) for n in (0, 1, 512, 513)] == [0, 512, 512, 1024]


def test_same_arguments_same_bytes() -> None:
    one = tarformat.header("ä".encode() * 80, tarformat.DIRTYPE, 0o755, STAMP)
    assert one == tarformat.header("ä".encode() * 80, tarformat.DIRTYPE, 0o755, STAMP)


@pytest.mark.usefixtures("gnu_tar")
def test_gnu_tar_reads_every_kind_of_header(tmp_path: Path) -> None:
    long_name = b"d" * 200 + b"/" + b"f" * 200
    archive = (
        tarformat.header(b"d" * 200 + b"/", tarformat.DIRTYPE, 0o755, STAMP)
        + member(long_name, b"long\n")
        + member("ünï.txt".encode(), b"")
        + tarformat.header(b"link", tarformat.SYMTYPE, 0o777, STAMP, linkname=b"t" * 150)
        + tarformat.END_OF_ARCHIVE
    )
    path = tmp_path / "a.tar"
    path.write_bytes(archive)
    listing = subprocess.run(
        ["tar", "--utc", "-tvf", str(path)], capture_output=True, check=True
    ).stdout.decode().splitlines()
    assert [line.split()[1] for line in listing] == ["alice/users"] * 4
    assert all("2023-11-14 22:13" in line for line in listing)
    assert listing[1].endswith(long_name.decode())
    assert listing[2].endswith("ünï.txt")
    assert listing[3].endswith("link -> " + "t" * 150)
    out = tmp_path / "out"
    out.mkdir()
    subprocess.run(["tar", "-xf", str(path), "-C", str(out)], check=True)
    assert (out / long_name.decode()).read_bytes() == b"long\n"
    assert (out / "ünï.txt").read_bytes() == b""
    assert (out / "link").readlink() == Path("t" * 150)


@pytest.mark.parametrize("owner_id", [0o10000000, 1_878_982_656])
def test_large_owner_ids_go_into_pax_records(owner_id: int) -> None:
    stamp = Stamp(1, owner_id, owner_id, b"user", b"group")
    head = tarformat.header(b"f", tarformat.REGTYPE, 0o644, stamp)
    [info] = read_members(head + tarformat.END_OF_ARCHIVE)
    assert (info.uid, info.gid) == (owner_id, owner_id)
    assert tarformat.header_length(b"f", b"", 0, stamp) == len(head)


@pytest.mark.parametrize("mtime", [-1, -144, 8**11])
def test_a_time_the_field_cannot_hold_is_refused_not_written(mtime: int) -> None:
    """A negative or too large value has no octal field: refused before any byte."""
    with pytest.raises(ValueError, match="does not fit"):
        tarformat.header(b"f", tarformat.REGTYPE, 0o644, Stamp(mtime, 0, 0, b"", b""), size=0)


PLAIN_CASES = [
    (b"bin/hello", tarformat.REGTYPE, 0o555, 5, b""),
    (b"nix/store/", tarformat.DIRTYPE, 0o755, 0, b""),
    (b"lib/libx.so", tarformat.SYMTYPE, 0o777, 0, b"libx.so.1"),
    (b"n" * 100, tarformat.REGTYPE, 0o644, 0o77777777777, b""),  # the largest plain fields
    (b"\x7f" * 100, tarformat.SYMTYPE, 0o7777, 0, b"\x7f" * 100),  # the largest ASCII sums
]
PAX_CASES = [
    (b"n" * 101, tarformat.REGTYPE, 0o644, 1, b""),
    ("caf\u00e9".encode(), tarformat.REGTYPE, 0o644, 1, b""),
    (b"big", tarformat.REGTYPE, 0o644, 0o77777777777 + 1, b""),
    (b"link", tarformat.SYMTYPE, 0o777, 0, b"t" * 101),
]


@pytest.mark.parametrize("name,typeflag,mode,size,linkname", PLAIN_CASES + PAX_CASES)
def test_plain_header_is_header_or_declines(name: bytes, typeflag: bytes, mode: int, size: int, linkname: bytes) -> None:
    block = tarformat.plain_header(STAMP)
    assert block is not None
    expected = tarformat.header(name, typeflag, mode, STAMP, size=size, linkname=linkname)
    plain = len(expected) == tarformat.BLOCK
    assert block(name, typeflag, mode, size, linkname) == (expected if plain else None)
    length = tarformat.member_length(name, linkname, size, STAMP)
    assert tarformat.plain_length(name, linkname, size) == (length if plain else None)


def test_plain_header_declines_a_stamp_that_needs_pax() -> None:
    assert tarformat.plain_header(Stamp(0, 1 << 22, 0, b"", b"")) is None
    assert tarformat.plain_header(Stamp(0, 0, 0, "\u00e9".encode(), b"")) is None
