"""Hostile and damaged base archives (tests/hostile/archives.py) against every
reader and writer of docker-archives: each case ends in its own one-line error,
never a traceback, never output that names a member outside the archive."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
from dataclasses import replace
from pathlib import Path
from typing import Callable

import pytest

import archives
from archives import CASES, Entry, Spec, digest, layer, write
from stowage.archive import docker_archive
from stowage.formats import export as flatten, merge, oci_layout
from stowage.cli import compress_layer
from stowage.layers.compression import DEFAULT
from stowage.errors import UserError
from stowage.formats.docker_archive import write_image
from stowage.contract.plan import BlobLayer, ImagePlan, Owner
from stowage.output.sink import HashingSink, fd_output

Writer = Callable[[Path, Path], None]


def _sink_into(out: Path, body: Callable[[HashingSink], None]) -> None:
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        with HashingSink(fd_output(fd)) as sink:
            body(sink)
    finally:
        os.close(fd)


def custom_layer(directory: Path) -> BlobLayer:
    data = layer(Entry("app", data=b"app\n"))
    path = directory / "custom.tar"
    path.write_bytes(data)
    return BlobLayer(str(path), digest(data), len(data))


def image_plan(path: Path, directory: Path) -> ImagePlan:
    base = docker_archive.read_base(str(path))
    return ImagePlan(
        repo_tag="child:1", created="1970-01-01T00:00:01Z", mtime="1970-01-01T00:00:01Z",
        architecture="amd64", variant=None, config={}, owner=Owner(0, 0, "root", "root"),
        store_dir="/nix/store", base=base.base, store_layers=(), customisation_layer=custom_layer(directory),
    )


def build_on(path: Path, out: Path) -> None:
    """buildImage, buildLayeredImage and the stream: plan (read_base) and write."""
    plan = image_plan(path, out.parent)
    _sink_into(out, lambda sink: write_image(plan, sink))


def merge_one(path: Path, out: Path) -> None:
    _sink_into(out, lambda sink: merge.merge([str(path)], sink, lambda line: None, {"zstd": "zstd"}))


def export(path: Path, out: Path) -> None:
    _sink_into(out, lambda sink: flatten.export(str(path), None, sink, programs={"zstd": "zstd"}, progress=lambda line: None))


def oci(path: Path, out: Path) -> None:
    oci_layout.write_layout(str(path), str(out), lambda line: None)


def compressed_records(path: Path, out: Path) -> None:
    compress_layer._archive(str(path), replace(DEFAULT, level=1), keep=None)


WRITERS: dict[str, Writer] = {
    "build": build_on, "merge": merge_one, "export": export, "oci": oci, "compress": compressed_records,
}


def one_line(error: UserError) -> str:
    message = str(error)
    assert "\n" not in message and "Traceback" not in message
    return message


@pytest.mark.parametrize("writer", sorted(WRITERS))
@pytest.mark.parametrize("case", sorted(CASES))
def test_every_hostile_archive_gives_its_own_error(tmp_path: Path, case: str, writer: str) -> None:
    make, fragment = CASES[case]
    path = make(tmp_path)
    out = tmp_path / "out"
    with pytest.raises(UserError) as caught:
        WRITERS[writer](path, out)
    message = one_line(caught.value)
    assert str(path) in message
    assert re.search(fragment, message), message
    if writer == "oci":
        assert not out.exists()  # no half-written layout


def test_the_valid_archive_passes_every_writer(tmp_path: Path) -> None:
    path = archives.valid(tmp_path)
    for name, writer in WRITERS.items():
        writer(path, tmp_path / name)


def test_dot_slash_member_names_are_read(tmp_path: Path) -> None:
    """tar -C dir -cf out . names members ./manifest.json, ./0/layer.tar."""
    path = write(tmp_path / "dot.tar", Spec(prefix="./"))
    assert [layer.source for layer in docker_archive.read_base(str(path)).base.layers] == ["0/layer.tar", "1/layer.tar"]
    merge_one(path, tmp_path / "merged.tar")
    with tarfile.open(tmp_path / "merged.tar") as merged:
        assert merged.extractfile(digest(archives.UPPER)[7:] + "/layer.tar").read() == archives.UPPER  # type: ignore[union-attr]


def test_merged_member_names_are_digests_only(tmp_path: Path) -> None:
    path = archives.valid(tmp_path)
    merge_one(path, tmp_path / "merged.tar")
    with tarfile.open(tmp_path / "merged.tar") as merged:
        names = merged.getnames()
    pattern = re.compile(r"[0-9a-f]{64}(/layer\.tar|\.json)|manifest\.json")
    assert all(pattern.fullmatch(name) for name in names), names


def test_a_layer_given_twice_uses_the_last_and_checks_it(tmp_path: Path) -> None:
    """Docker and tar take the last member of a name; its digest is what counts."""
    config = Spec().default_config()
    config["rootfs"]["diff_ids"][1] = digest(archives.LOWER)
    path = write(tmp_path / "twice.tar", Spec(config=config, extra_data=[("1/layer.tar", archives.LOWER)]))
    merge_one(path, tmp_path / "merged.tar")


def test_a_gzipped_layer_is_checked_by_its_uncompressed_digest(tmp_path: Path) -> None:
    import gzip

    upper = archives.UPPER * 20
    path = write(tmp_path / "gz.tar", Spec(layers=[archives.LOWER, upper], stored=[archives.LOWER, gzip.compress(upper, mtime=0)]))
    oci(path, tmp_path / "layout")
    build_on(path, tmp_path / "built.tar")


def test_a_huge_manifest_is_never_read(tmp_path: Path) -> None:
    """A 100 MB manifest.json (gzipped: 100 KB) is refused, and memory stays small."""
    path = write(tmp_path / "big.tar.gz", Spec(manifest_bytes=b"[" + b" " * (100 << 20) + b"]", compression="gz"))
    script = (
        "import sys\n"
        "from stowage.archive import docker_archive\n"
        "from stowage.errors import UserError\n"
        "try:\n"
        f"    docker_archive.read_base({str(path)!r})\n"
        "except UserError as error:\n"
        "    print(error, file=sys.stderr)\n"
        # VmHWM: this process's own peak (ru_maxrss would include the parent's, from before exec)
        "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])\n"
    )
    env = dict(os.environ, PYTHONPATH=str(Path(docker_archive.__file__).parents[2]))
    result = subprocess.run([sys.executable, "-SB", "-c", script], capture_output=True, text=True, env=env, check=True)
    assert "more than the 16 MiB" in result.stderr
    assert int(result.stdout) < 60_000  # KiB: far below the 100 MB the manifest would take


# -- exportImage: layers applied as Docker's overlay2 applies them ----------------


def export_of(tmp_path: Path, *layers: bytes) -> tarfile.TarFile:
    path = write(tmp_path / "image.tar", Spec(layers=list(layers)))
    export(path, tmp_path / "root.tar")
    subprocess.run(["tar", "-tvf", str(tmp_path / "root.tar")], check=True, capture_output=True)
    return tarfile.open(tmp_path / "root.tar")


def test_a_symlink_below_a_later_layer_becomes_its_directory(tmp_path: Path) -> None:
    """Measured with Docker 20.10: lower etc -> /outside, upper etc/pwned: the
    container (and docker export) shows a real directory etc holding pwned."""
    lower = layer(Entry("etc", "sym", link="/outside"), Entry("tmp", "dir", mode=0o1777))
    upper = layer(Entry("etc/pwned", data=b"p"), Entry("tmp/x", data=b"x"))
    with export_of(tmp_path, lower, upper) as root:
        members = {m.name: m for m in root.getmembers()}
        assert root.getmembers()[0].name == "." and members["."].isdir()
        assert members["./etc"].isdir() and members["./etc/pwned"].isfile()
        assert members["./tmp"].mode == 0o755  # the upper layer's own directory
        assert not any(m.issym() for m in members.values())


def test_no_entry_lies_below_a_symlink_of_the_output(tmp_path: Path) -> None:
    lower = layer(Entry("d", "dir"), Entry("d/x", data=b"x"))
    upper = layer(Entry("d", "sym", link="/"))
    with export_of(tmp_path, lower, upper) as root:
        assert root.getnames() == [".", "./d"]


def test_an_entry_below_a_symlink_of_the_same_layer_is_refused(tmp_path: Path) -> None:
    bad = layer(Entry("etc", "sym", link="/outside"), Entry("etc/pwned", data=b"p"))
    with pytest.raises(UserError, match=r"layer 1: 'etc/pwned' lies below 'etc', which is not a directory"):
        export_of(tmp_path, bad)


def test_times_are_clamped_to_the_field(tmp_path: Path) -> None:
    times = layer(Entry("old", mtime=-144), Entry("far", mtime=8**12), fmt=tarfile.GNU_FORMAT)
    with export_of(tmp_path, times) as root:
        assert root.getmember("./old").mtime == 0
        assert root.getmember("./far").mtime == 8**11 - 1


def test_fifos_and_devices_are_kept(tmp_path: Path) -> None:
    special = layer(Entry("dev", "dir"), Entry("dev/null", "chr"), Entry("dev/sda", "blk"), Entry("run.fifo", "fifo"))
    with export_of(tmp_path, special) as root:
        null, sda, fifo = (root.getmember(n) for n in ("./dev/null", "./dev/sda", "./run.fifo"))
        assert null.ischr() and (null.devmajor, null.devminor) == (1, 3)
        assert sda.isblk() and fifo.isfifo()


def test_hard_links_are_files_and_a_dangling_one_is_refused(tmp_path: Path) -> None:
    good = layer(Entry("a", data=b"body"), Entry("b", "hard", link="a"))
    with export_of(tmp_path, good) as root:
        assert root.extractfile("./b").read() == b"body"  # type: ignore[union-attr]
    bad = layer(Entry("b", "hard", link="missing"))
    with pytest.raises(UserError, match=r"the hard link 'b' names 'missing', which is not an earlier file"):
        export_of(tmp_path, bad)


def test_a_name_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    raw = layer(Entry("ok", data=b"x"))
    raw = raw.replace(b"ok\0", b"\xffk\0", 1)
    header = bytearray(raw[:512])  # fix the checksum of the renamed member
    header[148:156] = b" " * 8
    header[148:156] = b"%06o\0 " % sum(header)
    raw = bytes(header) + raw[512:]
    with pytest.raises(UserError, match="is not UTF-8"):
        export_of(tmp_path, raw)


def test_a_layer_member_that_climbs_out_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"the member '../../x' points outside the root"):
        export_of(tmp_path, layer(Entry("../../x", data=b"x")))


def test_a_layer_that_is_not_a_tar_is_named(tmp_path: Path) -> None:
    """Its digest is right, so the copying writers pass it on as it is; exportImage reads it."""
    with pytest.raises(UserError, match=r"layer 1/layer.tar is not a tar archive \(.*invalid header.*\)$") as caught:
        export_of(tmp_path, archives.LOWER, b"not a tar" * 100)
    one_line(caught.value)
