"""Layer listings (stowage.contract.listing, stowage.layers.listed): a layer
written from its listing has the bytes of the layer written from the store, and
a listing or a file that does not match its record is a one-line error."""

from __future__ import annotations

import hashlib
import os
from dataclasses import replace
from pathlib import Path

import pytest

from stowage.contract import listing as contract
from stowage.contract.listing import Listing
from stowage.errors import UserError
from stowage.layers import listed, tarball as layer
from stowage.output.sink import HashingSink
from stowage.tar.headers import Stamp

STAMP = Stamp(mtime=1_700_000_000, uid=0, gid=0, uname=b"root", gname=b"root")
PAX_STAMP = Stamp(mtime=1_700_000_000, uid=1 << 22, gid=100, uname=b"a" * 40, gname=b"users")


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "nix" / "store"
    path.mkdir(parents=True)
    return path


def make_store(store: Path) -> tuple[str, ...]:
    """Three store paths: a tree with every kind of entry and long and non-ASCII
    names, a single file and a symlink."""
    tree = store / "aaa-tree"
    (tree / "bin").mkdir(parents=True)
    (tree / "bin" / "hello").write_bytes(b"#!/bin/sh\necho hello\n")
    (tree / "bin" / "hello").chmod(0o555)
    (tree / "share" / "empty").mkdir(parents=True)
    (tree / "share" / "zero").write_bytes(b"")
    (tree / "share" / ".hidden").write_bytes(b"dot")
    (tree / "share" / ("n" * 120)).write_bytes(b"long name")
    (tree / "share" / "caf\u00e9").write_bytes(b"x" * 3000)
    (tree / "share" / "big").write_bytes(os.urandom(300 << 10))
    (tree / "lib").symlink_to("share/" + "t" * 110)
    (store / "bbb-file").write_bytes(b"one file")
    (store / "ccc-link").symlink_to("bbb-file")
    return tuple(str(store / name) for name in ("ccc-link", "aaa-tree", "bbb-file"))


def record(store: Path, paths: tuple[str, ...], out: Path) -> Listing:
    """What the store-layer derivation saves: the listing, its digest and count."""
    entries = layer.store_entries(str(store), paths)
    out.mkdir(exist_ok=True)
    found, count = listed.save(str(out), paths, entries[len(layer.store_parents(str(store))):])
    return Listing(str(out / contract.FILE), found, count)


def from_store(store: Path, paths: tuple[str, ...], stamp: Stamp = STAMP) -> bytes:
    out = bytearray()
    with HashingSink(out.extend) as sink:
        layer.write(layer.store_entries(str(store), paths), stamp, sink)
    return bytes(out)


def from_listing(store: Path, paths: tuple[str, ...], found: Listing, stamp: Stamp = STAMP) -> bytes:
    out = bytearray()
    with HashingSink(out.extend) as sink:
        listed.write(found, str(store), paths, stamp, sink)
    return bytes(out)


@pytest.mark.parametrize("stamp", [STAMP, PAX_STAMP], ids=["plain", "pax"])
def test_a_layer_from_its_listing_has_the_bytes_of_the_layer_from_the_store(
    store: Path, tmp_path: Path, stamp: Stamp
) -> None:
    paths = make_store(store)
    found = record(store, paths, tmp_path / "record")
    assert found.entries == 13
    assert from_listing(store, paths, found, stamp) == from_store(store, paths, stamp)


def test_the_listing_is_the_same_file_whatever_order_the_store_was_made_in(store: Path, tmp_path: Path) -> None:
    paths = make_store(store)
    first = record(store, paths, tmp_path / "one")
    second = record(store, tuple(reversed(paths)), tmp_path / "two")
    assert first.digest == second.digest
    assert Path(first.file).read_bytes() == Path(second.file).read_bytes()
    assert Path(first.file).read_bytes().startswith(b"stowage-listing 1\n")


def test_a_listing_read_in_small_chunks_gives_the_same_layer(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = make_store(store)
    found = record(store, paths, tmp_path / "record")
    whole = from_listing(store, paths, found)
    monkeypatch.setattr(contract, "CHUNK", 7)
    assert from_listing(store, paths, found) == whole


def tampered(found: Listing, old: bytes, new: bytes) -> Listing:
    """``found`` with ``old`` replaced by ``new`` in its file, and the record's digest
    made to match (as if both had been edited)."""
    path = Path(found.file)
    text = path.read_bytes()
    assert old in text
    path.write_bytes(text.replace(old, new, 1))
    return replace(found, digest="sha256:" + hashlib.sha256(path.read_bytes()).hexdigest())


def refused(store: Path, paths: tuple[str, ...], found: Listing) -> str:
    with pytest.raises(UserError) as caught:
        from_listing(store, paths, found)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_a_listing_that_is_not_the_recorded_file_is_refused(store: Path, tmp_path: Path) -> None:
    paths = make_store(store)
    found = record(store, paths, tmp_path / "record")
    Path(found.file).write_bytes(Path(found.file).read_bytes().replace(b"\x00555\x00", b"\0777\0", 1))
    message = refused(store, paths, found)
    assert found.file in message and "its record says " + found.digest in message
    assert f"nix-store --repair-path {tmp_path / 'record'}" in message


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (b"\x00bin/hello\x00", b"\x00bin/../../../../etc/hostname\x00", "'..' part"),
        (b"\x00bin/hello\x00", b"\x00/etc/hostname\x00", "'..' part"),
        (b"\x00bbb-file\x00", b"\x00bbb-file\x00\x002\x00777\x000\x00x\x00", "more store paths than the layer's"),
        (b"\x00bin/hello\x000", b"\x00bin/hello\x007", "unknown type b'7'"),
        (b"\x00555\x00", b"\x009999\x00", "the mode b'9999'"),
        (b"\x00555\x00" + b"21\0", b"\x00555\x00" + b"-1\0", "the size b'-1'"),
    ],
    ids=["dot-dot", "absolute", "more-paths", "type", "mode", "size"],
)
def test_a_listing_with_an_entry_its_layer_cannot_hold_is_refused(
    store: Path, tmp_path: Path, old: bytes, new: bytes, problem: str
) -> None:
    paths = make_store(store)
    found = tampered(record(store, paths, tmp_path / "record"), old, new)
    message = refused(store, paths, found)
    assert found.file in message and problem in message


def test_a_listing_that_does_not_hold_the_recorded_entries_is_refused(store: Path, tmp_path: Path) -> None:
    paths = make_store(store)
    found = record(store, paths, tmp_path / "record")
    message = refused(store, paths, replace(found, entries=found.entries + 1))
    assert f"holds {found.entries} entries" in message and f"says {found.entries + 1}" in message
    message = refused(store, paths + (str(store / "ddd-more"),), found)
    assert "3 of the layer's 4 paths" in message


def test_a_listing_cut_short_is_refused(store: Path, tmp_path: Path) -> None:
    paths = make_store(store)
    found = record(store, paths, tmp_path / "record")
    Path(found.file).write_bytes(Path(found.file).read_bytes()[:-3])
    found = replace(found, digest=contract.digest_of(found.file))
    assert "ends inside an entry" in refused(store, paths, found)


def test_a_listing_of_another_format_is_refused(store: Path, tmp_path: Path) -> None:
    paths = make_store(store)
    found = tampered(record(store, paths, tmp_path / "record"), b"stowage-listing 1\n", b"stowage-listing 2\n")
    assert "does not start with 'stowage-listing 1'" in refused(store, paths, found)


@pytest.mark.parametrize(
    ("name", "new", "problem"),
    [
        ("aaa-tree/bin/hello", b"#!/bin/sh\necho hello, world\n", "it grew"),
        ("aaa-tree/bin/hello", b"#!", "2 of 21 bytes"),
        ("aaa-tree/share/big", os.urandom(200 << 10), "204800 of 307200 bytes"),
        ("bbb-file", b"", "0 of 8 bytes"),
    ],
    ids=["grew", "shrank", "large", "emptied"],
)
def test_a_file_changed_since_its_listing_is_a_one_line_error(
    store: Path, tmp_path: Path, name: str, new: bytes, problem: str
) -> None:
    paths = make_store(store)
    found = record(store, paths, tmp_path / "record")
    (store / name).chmod(0o644)
    (store / name).write_bytes(new)
    out = bytearray()
    with pytest.raises(UserError) as caught:
        with HashingSink(out.extend, direct_fd=None) as sink:
            listed.write(found, str(store), paths, STAMP, sink)
    assert str(store / name) in str(caught.value) and problem in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_file_that_became_a_directory_is_a_one_line_error(store: Path, tmp_path: Path) -> None:
    paths = make_store(store)
    found = record(store, paths, tmp_path / "record")
    (store / "aaa-tree" / "share" / "zero").unlink()
    (store / "aaa-tree" / "share" / "zero").mkdir()
    message = refused(store, paths, found)
    assert str(store / "aaa-tree" / "share" / "zero") in message
