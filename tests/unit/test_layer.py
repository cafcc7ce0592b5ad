"""Layer tarballs (stowage.layers.tarball) over a fake store, read back by tarfile and GNU tar."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from stowage.layers import tarball as layer
from stowage.errors import UserError
from stowage.layers.tarball import Entry
from stowage.output.sink import HashingSink
from stowage.tar.headers import Stamp

STAMP = Stamp(mtime=1_700_000_000, uid=1000, gid=100, uname=b"alice", gname=b"users")

needs_gnu_tar = pytest.mark.usefixtures("gnu_tar")


def layer_bytes(entries: list[Entry], stamp: Stamp = STAMP) -> bytes:
    """The layer tarball of ``entries``, checked against its digest and length."""
    out = bytearray()
    with HashingSink(out.extend) as sink:
        sink.begin_digest()
        layer.write(entries, stamp, sink)
        digest, count = sink.end_digest()
    assert count == len(out) == layer.length(entries, stamp)
    assert digest == "sha256:" + hashlib.sha256(out).hexdigest()
    return bytes(out)


def members(data: bytes) -> list[tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
        return tar.getmembers()


def contents(data: bytes) -> dict[str, bytes]:
    """Each regular file's data, by name."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
        result = {}
        for info in tar:
            if info.isreg():
                handle = tar.extractfile(info)
                assert handle is not None
                result[info.name] = handle.read()
        return result


def gnu_list(tmp_path: Path, data: bytes) -> list[str]:
    """``tar -tvf`` of ``data``, one line per member."""
    path = tmp_path / "listing.tar"
    path.write_bytes(data)
    result = subprocess.run(["tar", "--utc", "-tvf", str(path)], capture_output=True, check=True)
    return result.stdout.decode().splitlines()


def gnu_extract(tmp_path: Path, data: bytes) -> Path:
    """Extract ``data`` with GNU tar into a new directory and return it."""
    path = tmp_path / "extract.tar"
    path.write_bytes(data)
    out = tmp_path / "extracted"
    out.mkdir()
    subprocess.run(["tar", "-xf", str(path), "-C", str(out)], check=True)
    return out


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "nix" / "store"
    path.mkdir(parents=True)
    return path


def make_package(root: Path) -> None:
    """A store path with the usual kinds of entries, made children first."""
    (root / "share" / "empty").mkdir(parents=True)
    (root / "bin").mkdir()
    (root / "bin" / "hello").write_bytes(b"#!/bin/sh\necho hello\n")
    (root / "bin" / "hello").chmod(0o555)
    (root / "share" / "readme").write_bytes(b"read me\n")
    (root / "share" / "readme").chmod(0o444)
    (root / "share" / "zero").write_bytes(b"")
    (root / "lib").symlink_to("share")


def store_layer(store: Path, *names: str) -> tuple[list[Entry], bytes]:
    entries = layer.store_entries(str(store), [str(store / n) for n in names])
    return entries, layer_bytes(entries)


# -- names and order --------------------------------------------------------


def test_names_are_relative_and_start_with_the_store_parents(store: Path) -> None:
    make_package(store / "aaa-hello")
    entries, data = store_layer(store, "aaa-hello")
    parts = str(store).strip("/").split("/")
    parents = ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
    assert [e.name.decode() for e in entries[: len(parts)]] == parents
    assert parents[-2:] == [parents[-3] + "nix/", parents[-3] + "nix/store/"]
    infos = members(data)
    assert [i.mode for i in infos[: len(parts)]] == [0o755] * len(parts)
    assert all(i.isdir() for i in infos[: len(parts)])
    assert not any(i.name.startswith("/") for i in infos)


@needs_gnu_tar
def test_directories_end_with_a_slash(tmp_path: Path, store: Path) -> None:
    make_package(store / "aaa-hello")
    _, data = store_layer(store, "aaa-hello")
    lines = gnu_list(tmp_path, data)
    dirs = [line.split()[-1] for line in lines if line.startswith("d")]
    others = [line.split()[5] for line in lines if not line.startswith("d")]
    assert dirs and all(name.endswith("/") for name in dirs)
    assert not any(name.endswith("/") for name in others)
    assert not any(line.split()[5].startswith("/") for line in lines)


def test_children_follow_their_parent_sorted_as_bytes(store: Path) -> None:
    pkg = store / "aaa-pkg"
    for name in ("z", "a-x", "B", "a"):  # not in order
        (pkg / name).mkdir(parents=True)
        (pkg / name / "f").write_bytes(name.encode())
    entries, _ = store_layer(store, "aaa-pkg")
    prefix = str(store).lstrip("/") + "/aaa-pkg"
    names = [e.name.decode().removeprefix(prefix) for e in entries if e.name.decode().startswith(prefix)]
    assert names == [
        "/", "/B/", "/B/f", "/a/", "/a/f", "/a-x/", "/a-x/f", "/z/", "/z/f",
    ]


def test_bytes_do_not_depend_on_the_order_files_were_made_in(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = ["zeta", "alpha", "mid", "Upper", "dir/b", "dir/a", "dir/sub/c"]

    def build(order: list[str]) -> bytes:
        shutil.rmtree(store)
        store.mkdir()
        for name in order:
            path = store / "aaa-pkg" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(name.encode())
        (store / "bbb-other").mkdir()
        return store_layer(store, "bbb-other", "aaa-pkg")[1]

    expected = build(names)
    assert build(list(reversed(names))) == expected
    # Some file systems list in creation order, some in hash order: try both ways.
    listdir = os.listdir
    monkeypatch.setattr(os, "listdir", lambda path: list(reversed(sorted(listdir(path)))))
    assert build(names) == expected


def test_store_paths_are_sorted_whatever_order_they_are_given_in(store: Path) -> None:
    for name in ("ccc-c", "aaa-a", "bbb-b"):
        (store / name).mkdir()
    one = layer.store_entries(str(store), [str(store / n) for n in ("ccc-c", "aaa-a", "bbb-b")])
    two = layer.store_entries(str(store), [str(store / n) for n in ("bbb-b", "ccc-c", "aaa-a")])
    assert one == two
    assert [e.name.rsplit(b"/", 2)[-2] for e in one[-3:]] == [b"aaa-a", b"bbb-b", b"ccc-c"]


# -- kinds of entries ---------------------------------------------------------


def test_files_directories_and_symlinks_keep_their_kind_mode_and_data(store: Path) -> None:
    make_package(store / "aaa-hello")
    _, data = store_layer(store, "aaa-hello")
    base = str(store).lstrip("/") + "/aaa-hello"
    infos = {i.name.removeprefix(base): i for i in members(data)}
    assert infos["/bin/hello"].isreg() and infos["/bin/hello"].mode == 0o555
    assert infos["/share/readme"].isreg() and infos["/share/readme"].mode == 0o444
    assert infos["/share/zero"].isreg() and infos["/share/zero"].size == 0
    assert infos["/share/empty"].isdir()
    assert infos["/lib"].issym() and infos["/lib"].linkname == "share"
    assert contents(data) == {
        base + "/bin/hello": b"#!/bin/sh\necho hello\n",
        base + "/share/readme": b"read me\n",
        base + "/share/zero": b"",
    }


@needs_gnu_tar
def test_gnu_tar_extracts_the_tree(tmp_path: Path, store: Path) -> None:
    make_package(store / "aaa-hello")
    _, data = store_layer(store, "aaa-hello")
    out = gnu_extract(tmp_path, data) / str(store).lstrip("/") / "aaa-hello"
    assert (out / "bin" / "hello").read_bytes() == b"#!/bin/sh\necho hello\n"
    assert (out / "bin" / "hello").stat().st_mode & 0o777 == 0o555
    assert (out / "share" / "readme").stat().st_mode & 0o777 == 0o444
    assert (out / "share" / "zero").stat().st_size == 0
    assert (out / "share" / "empty").is_dir() and not any((out / "share" / "empty").iterdir())
    assert (out / "lib").readlink() == Path("share")
    assert (out / "bin" / "hello").stat().st_mtime == 1_700_000_000


def test_a_store_path_that_is_a_symlink(store: Path) -> None:
    (store / "aaa-alias").symlink_to("/nix/store/bbb-target/bin/tool")
    entries, data = store_layer(store, "aaa-alias")
    [info] = [i for i in members(data) if i.name.endswith("aaa-alias")]
    assert info.issym() and info.linkname == "/nix/store/bbb-target/bin/tool"
    assert entries[-1].name.endswith(b"/aaa-alias")  # no trailing slash, nothing below


def test_a_store_path_that_is_a_file(store: Path) -> None:
    (store / "aaa-script.sh").write_bytes(b"echo hi\n")
    _, data = store_layer(store, "aaa-script.sh")
    assert list(contents(data).values()) == [b"echo hi\n"]


def test_long_and_non_ascii_names_and_link_targets(store: Path) -> None:
    pkg = store / "aaa-long"
    deep = pkg / ("d" * 200) / ("e" * 200)  # the name exceeds 255 bytes
    deep.mkdir(parents=True)
    (deep / ("f" * 150)).write_bytes(b"deep")
    (pkg / "café-日本").write_bytes(b"utf8")
    (pkg / bytes(b"raw-\xff").decode("utf-8", "surrogateescape")).write_bytes(b"raw")
    (pkg / "link").symlink_to("/nix/store/" + "t" * 150 + "-ünïcode")
    _, data = store_layer(store, "aaa-long")
    base = str(store).lstrip("/") + "/aaa-long/"
    files = contents(data)
    assert files[base + "d" * 200 + "/" + "e" * 200 + "/" + "f" * 150] == b"deep"
    assert files[base + "café-日本"] == b"utf8"
    assert files[base + b"raw-\xff".decode("utf-8", "surrogateescape")] == b"raw"
    [link] = [i for i in members(data) if i.name.endswith("/link")]
    assert link.linkname == "/nix/store/" + "t" * 150 + "-ünïcode"


@needs_gnu_tar
def test_gnu_tar_reads_long_and_non_ascii_names(tmp_path: Path, store: Path) -> None:
    pkg = store / "aaa-long"
    deep = pkg / ("d" * 200) / ("e" * 200)
    deep.mkdir(parents=True)
    (deep / ("f" * 150)).write_bytes(b"deep")
    (pkg / "café-日本").write_bytes(b"utf8")
    (pkg / "link").symlink_to("t" * 150)
    _, data = store_layer(store, "aaa-long")
    out = gnu_extract(tmp_path, data) / str(store).lstrip("/") / "aaa-long"
    assert (out / ("d" * 200) / ("e" * 200) / ("f" * 150)).read_bytes() == b"deep"
    assert (out / "café-日本").read_bytes() == b"utf8"
    assert (out / "link").readlink() == Path("t" * 150)


def test_hard_links_are_two_regular_files(store: Path) -> None:
    pkg = store / "aaa-pkg"
    pkg.mkdir()
    (pkg / "a").write_bytes(b"shared content\n")
    os.link(pkg / "a", pkg / "b")
    _, data = store_layer(store, "aaa-pkg")
    infos = [i for i in members(data) if i.name.endswith(("/a", "/b"))]
    assert [i.type for i in infos] == [tarfile.REGTYPE, tarfile.REGTYPE]
    assert sorted(contents(data).values()) == [b"shared content\n"] * 2


def test_bytes_do_not_depend_on_store_optimisation(store: Path) -> None:
    """``nix-store --optimise`` hard-links equal files: the layer must not change."""
    pkg = store / "aaa-pkg"
    pkg.mkdir()
    for name in ("a", "b"):
        (pkg / name).write_bytes(b"same\n")
        (pkg / name).chmod(0o444)
    _, separate = store_layer(store, "aaa-pkg")
    (pkg / "b").unlink()
    os.link(pkg / "a", pkg / "b")
    _, linked = store_layer(store, "aaa-pkg")
    assert linked == separate


@needs_gnu_tar
def test_gnu_tar_sees_hard_links_as_regular_files(tmp_path: Path, store: Path) -> None:
    pkg = store / "aaa-pkg"
    pkg.mkdir()
    (pkg / "a").write_bytes(b"x" * 1000)
    os.link(pkg / "a", pkg / "b")
    _, data = store_layer(store, "aaa-pkg")
    lines = [line for line in gnu_list(tmp_path, data) if line.endswith(("/a", "/b"))]
    assert [line[0] for line in lines] == ["-", "-"]
    assert [line.split()[2] for line in lines] == ["1000", "1000"]


def test_every_entry_carries_the_stamp(store: Path) -> None:
    make_package(store / "aaa-hello")
    os.utime(store / "aaa-hello" / "bin" / "hello", (5, 5))
    _, data = store_layer(store, "aaa-hello")
    assert {(i.mtime, i.uid, i.gid, i.uname, i.gname) for i in members(data)} == {
        (1_700_000_000, 1000, 100, "alice", "users")
    }


@needs_gnu_tar
def test_gnu_tar_shows_the_stamp(tmp_path: Path, store: Path) -> None:
    make_package(store / "aaa-hello")
    _, data = store_layer(store, "aaa-hello")
    lines = gnu_list(tmp_path, data)
    assert {tuple(line.split()[1:2] + line.split()[3:5]) for line in lines} == {
        ("alice/users", "2023-11-14", "22:13")
    }


def test_large_files_cross_buffer_boundaries(store: Path) -> None:
    pkg = store / "aaa-big"
    pkg.mkdir()
    sizes = {"a": (1 << 20) - 1, "b": 1 << 20, "c": (1 << 20) + 1, "d": 65535, "e": 65537}
    for name, size in sizes.items():
        (pkg / name).write_bytes(bytes([ord(name)]) * size)
    _, data = store_layer(store, "aaa-big")
    base = str(store).lstrip("/") + "/aaa-big/"
    assert contents(data) == {base + n: bytes([ord(n)]) * s for n, s in sizes.items()}


def test_tree_entries_are_named_below_the_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    make_package(root)
    entries = layer.tree_entries(str(root))
    assert [e.name for e in entries] == [
        b"bin/", b"bin/hello", b"lib", b"share/", b"share/empty/", b"share/readme", b"share/zero",
    ]
    assert {i.name for i in members(layer_bytes(entries))} == {
        "bin", "bin/hello", "lib", "share", "share/empty", "share/readme", "share/zero",
    }


def test_length_of_an_empty_layer() -> None:
    assert layer.length([], STAMP) == 1024
    assert layer_bytes([]) == bytes(1024)


# -- errors -------------------------------------------------------------------


def test_a_missing_store_path_is_named(store: Path) -> None:
    gone = store / "aaa-gone"
    with pytest.raises(UserError, match=f"{gone} does not exist"):
        layer.store_entries(str(store), [str(gone)])


def test_a_file_that_vanishes_before_it_is_read_is_named(store: Path) -> None:
    make_package(store / "aaa-hello")
    entries = layer.store_entries(str(store), [str(store / "aaa-hello")])
    (store / "aaa-hello" / "share" / "readme").unlink()
    with pytest.raises(UserError, match=f"cannot read {store}/aaa-hello/share/readme"):
        layer_bytes(entries)


@pytest.mark.parametrize(
    ("new", "problem"),
    [(b"read me, now longer\n", "it grew"), (b"read", "4 of 8 bytes"), (b"", "0 of 8 bytes")],
    ids=["grew", "shrank", "emptied"],
)
def test_a_file_that_changes_size_after_listing_is_refused(store: Path, new: bytes, problem: str) -> None:
    make_package(store / "aaa-hello")
    entries = layer.store_entries(str(store), [str(store / "aaa-hello")])
    readme = store / "aaa-hello" / "share" / "readme"
    readme.chmod(0o644)
    readme.write_bytes(new)
    with pytest.raises(UserError, match=f"{readme} changed while it was read: {problem}"):
        layer_bytes(entries)


def test_a_zero_byte_file_that_grew_is_refused(store: Path) -> None:
    make_package(store / "aaa-hello")
    entries = layer.store_entries(str(store), [str(store / "aaa-hello")])
    (store / "aaa-hello" / "share" / "zero").write_bytes(b"!")
    with pytest.raises(UserError, match="zero changed while it was read: it grew"):
        layer_bytes(entries)


def test_a_path_outside_the_store_is_refused(store: Path, tmp_path: Path) -> None:
    (store / "aaa-a" / "sub").mkdir(parents=True)
    for path in (tmp_path, store / "aaa-a" / "sub"):
        with pytest.raises(UserError, match=f"{path} is not a path directly in {store}"):
            layer.store_entries(str(store), [str(path)])


def test_special_files_are_refused(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    os.mkfifo(root / "fifo")
    with pytest.raises(UserError, match=f"{root}/fifo is neither a file, a directory nor a symlink"):
        layer.tree_entries(str(root))


@pytest.mark.parametrize("names, found", [
    ([b"etc/", b"nix/", b"nix/store/"], None),  # the store directory itself replaces nothing
    ([b"nix/store/abc-x/"], b"nix/store/abc-x/"),
    ([b"bin/", b"nix/store/abc-x/bin/sh"], b"nix/store/abc-x/bin/sh"),
    ([b"nix/storefront/x"], None),
    ([b"srv/nix/store/abc-x"], None),
])
def test_first_in_store_finds_what_would_replace_a_store_path(names: list[bytes], found: bytes | None) -> None:
    entries = [Entry(n, b"5" if n.endswith(b"/") else b"0", 0o755) for n in names]
    hit = layer.first_in_store(entries, "/nix/store")
    assert (hit.name if hit else None) == found
