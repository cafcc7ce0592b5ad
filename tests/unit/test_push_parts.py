"""The push's pure parts: deterministic layer blobs, the upload body's checks,
the push plan and multi-platform index documents, and destinations."""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from stowage.layers import blob as layer_blob, source as layer_source
from stowage.push import multi_arch
from stowage.push import plan as push_plan
from stowage.cli.copy_to_registry import _destination
from stowage.errors import UserError
from stowage.layers.blob import Blob
from stowage.layers.compression import DEFAULT, Compression
from stowage.media_types import OCI_LAYER_GZIP as GZIP_LAYER, OCI_LAYER_ZSTD as ZSTD_LAYER
from stowage.registry.upload import _Body
from stowage.output.sink import HashingSink


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _source(data: bytes) -> layer_source.Source:
    def write(sink: HashingSink) -> None:
        sink.write(data)

    return write


DATA = bytes(range(256)) * 20000 + b"tail"  # several gzip blocks


def test_gzip_is_deterministic_and_readable() -> None:
    sent: list[bytes] = []
    diff_id, digest, size, blocks = layer_blob.gzip(_source(DATA), DEFAULT.level, lambda b: sent.append(bytes(b)))
    blob = b"".join(sent)
    assert diff_id == sha256(DATA) and digest == sha256(blob) and size == len(blob)
    assert gzip.decompress(blob) == DATA
    assert blocks == "dddd" * 5  # 4.9 MiB of a repeated table: five blocks, every quarter deflated
    assert layer_blob.record(None, _source(DATA), DEFAULT) == Blob(None, diff_id, digest, size, blocks=blocks)
    assert layer_blob.record(None, _source(DATA), replace(DEFAULT, level=6)).digest != digest  # the level matters


def test_already_gzipped_blob_passes_as_it_is() -> None:
    packed = gzip.compress(DATA, mtime=0)
    assert layer_blob.record("m", _source(packed), DEFAULT, compressed=True) == Blob("m", None, sha256(packed), len(packed), True)


def test_records_round_trip_and_check_the_level(tmp_path: Path) -> None:
    blobs = [Blob(None, sha256(b"a"), sha256(b"b"), 3), Blob("layers/001.tar", None, sha256(b"c"), 4, True)]
    layer_blob.write(str(tmp_path / "r"), DEFAULT, blobs)
    assert layer_blob.read(str(tmp_path / "r"), DEFAULT) == blobs
    with pytest.raises(UserError, match="compressed with gzip level 1, not gzip level 9"):
        layer_blob.read(str(tmp_path / "r"), replace(DEFAULT, level=9))
    with pytest.raises(UserError, match="compressed with gzip level 1, not zstd level 1"):
        layer_blob.read(str(tmp_path / "r"), Compression("zstd", 1, False, "zstd"))


ZSTD = Compression("zstd", 3, False, "/usr/bin/zstd")


def test_zstd_is_deterministic_and_readable(monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess

    blobs = []
    for cores in ("1", "3"):
        monkeypatch.setenv("NIX_BUILD_CORES", cores)
        sent: list[bytes] = []
        diff_id, digest, size, blocks = layer_blob.compress(_source(DATA), ZSTD, lambda b, into=sent: into.append(bytes(b)))
        assert blocks is None
        blobs.append(b"".join(sent))
        assert diff_id == sha256(DATA) and digest == sha256(blobs[-1]) and size == len(blobs[-1])
    assert blobs[0] == blobs[1]
    assert subprocess.run(["zstd", "-dc"], input=blobs[0], capture_output=True, check=True).stdout == DATA


def test_zstd_failure_is_one_error() -> None:
    with pytest.raises(UserError, match="cannot run /nonexistent/zstd"):
        layer_blob.compress(_source(DATA), Compression("zstd", 3, False, "/nonexistent/zstd"))
    with pytest.raises(UserError, match="exit status"):
        layer_blob.compress(_source(DATA), Compression("zstd", 3, False, "/bin/false"))


def test_kept_blob_is_the_sent_blob(tmp_path: Path) -> None:
    blob = layer_blob.record(None, _source(DATA), ZSTD, keep_in=str(tmp_path / "out"))
    assert blob.file is not None and sha256(Path(blob.file).read_bytes()) == blob.digest
    layer_blob.write(str(tmp_path / "out"), ZSTD, [blob])
    assert json.loads((tmp_path / "out" / "blobs.json").read_text())["blobs"][0]["file"] == "blobs/" + blob.digest[7:]
    assert layer_blob.read(str(tmp_path / "out"), ZSTD) == [blob]


def test_media_types() -> None:
    fresh, gzipped = Blob(None, "d", "x", 1), Blob("m", None, "y", 1, True)
    assert fresh.media_type(ZSTD) == ZSTD_LAYER and gzipped.media_type(ZSTD) == GZIP_LAYER
    assert fresh.media_type(DEFAULT) == GZIP_LAYER


class _Connection:
    def __init__(self) -> None:
        self.data = b""

    def send(self, data: bytes) -> None:
        self.data += bytes(data)


def test_upload_body_sends_exactly_the_record() -> None:
    connection = _Connection()
    body = _Body(connection, sha256(b"abc"), 3, "layer 1")  # type: ignore[arg-type]
    body.write(b"ab")
    body.write(b"c")
    body.finish()
    assert connection.data == b"abc"


def test_upload_body_refuses_other_bytes() -> None:
    body = _Body(_Connection(), sha256(b"abc"), 3, "layer 1")  # type: ignore[arg-type]
    body.write(b"abd")
    with pytest.raises(UserError, match="layer 1 came out as sha256:.*but its record says"):
        body.finish()
    longer = _Body(_Connection(), sha256(b"abc"), 3, "layer 2")  # type: ignore[arg-type]
    with pytest.raises(UserError, match="layer 2 came out longer than its recorded 3 bytes"):
        longer.write(b"abcd")
    shorter = _Body(_Connection(), sha256(b"abc"), 3, "layer 3")  # type: ignore[arg-type]
    shorter.write(b"ab")
    with pytest.raises(UserError, match=r"\(2 bytes\)"):
        shorter.finish()


def _push(tmp_path: Path, name: str, architecture: str, variant: Any = None) -> push_plan.PushPlan:
    config = push_plan.Content(b'{"architecture":"%s"}' % architecture.encode(), push_plan.OCI_CONFIG)
    layers = (Blob(None, sha256(b"t"), sha256(b"g"), 1),)
    plan = push_plan.PushPlan(
        directory=str(tmp_path / name), plan="/plan.json", compression=DEFAULT, repo_tag=f"{name}:1",
        platform={"os": "linux", "architecture": architecture, "variant": variant},
        layers=layers, config=config, manifest=push_plan.manifest(config, list(layers), DEFAULT),
    )
    push_plan.write(plan.directory, plan)
    return plan


def test_push_plan_round_trip(tmp_path: Path) -> None:
    plan = _push(tmp_path, "a", "amd64")
    assert push_plan.read(plan.directory) == plan
    (tmp_path / "a" / "config.json").write_bytes(b"{}")
    with pytest.raises(UserError, match="config.json does not match its digest"):
        push_plan.read(plan.directory)


def test_multi_arch_index(tmp_path: Path) -> None:
    images = [_push(tmp_path, "a", "amd64"), _push(tmp_path, "b", "arm", "v7")]
    multi_arch.write(str(tmp_path / "m"), "app:1", images)
    read = multi_arch.read(str(tmp_path / "m"))
    assert read.repo_tag == "app:1" and read.index.media_type == push_plan.OCI_INDEX
    entries = json.loads(read.index.data)["manifests"]
    assert [e["platform"] for e in entries] == [
        {"os": "linux", "architecture": "amd64"}, {"os": "linux", "architecture": "arm", "variant": "v7"},
    ]
    assert entries[0]["digest"] == images[0].manifest.digest


def test_multi_arch_refuses_a_platform_twice(tmp_path: Path) -> None:
    images = [_push(tmp_path, "a", "amd64"), _push(tmp_path, "b", "amd64")]
    with pytest.raises(UserError, match="two images are for linux/amd64: a:1 and b:1"):
        multi_arch.index(images)


@pytest.mark.parametrize("value, expected", [
    (None, ("own/name", "t")),
    ("docker://127.0.0.1:5000/app", ("127.0.0.1:5000/app", "t")),
    ("127.0.0.1:5000/app:v2", ("127.0.0.1:5000/app", "v2")),
    ("registry.example.com/team/app:1", ("registry.example.com/team/app", "1")),
])
def test_destination(value: Any, expected: tuple[str, str]) -> None:
    assert _destination(value, "own/name:t") == expected


def test_destination_with_a_digest_is_refused() -> None:
    with pytest.raises(UserError, match="names a digest"):
        _destination("127.0.0.1:5000/app@sha256:" + "0" * 64, "own:t")


def test_gzip_digest_does_not_depend_on_the_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    digests = set()
    for cores in ("1", "3"):
        monkeypatch.setenv("NIX_BUILD_CORES", cores)
        digests.add(layer_blob.gzip(_source(DATA), 6)[1])
    assert len(digests) == 1


def test_unrecorded_layers_are_compressed_on_every_core(monkeypatch: pytest.MonkeyPatch) -> None:
    """The push plan gzips a layer without a record (cachedLayers = false, the
    default) through layer_blob.gzip: with NIX_BUILD_CORES threads, else all cores."""
    import os
    from stowage.output import pgzip

    workers: list[int] = []
    real = pgzip.ThreadPoolExecutor

    def counting(max_workers: int, **kwargs: Any) -> Any:
        workers.append(max_workers)
        return real(max_workers=max_workers, **kwargs)

    monkeypatch.setattr(pgzip, "ThreadPoolExecutor", counting)
    monkeypatch.setenv("NIX_BUILD_CORES", "4")
    layer_blob.gzip(_source(DATA), 6)
    monkeypatch.delenv("NIX_BUILD_CORES")
    layer_blob.gzip(_source(DATA), 6)
    assert workers == [4, os.cpu_count() or 1]


def test_mount_sources() -> None:
    from stowage.cli.copy_to_registry import _mount_sources
    from stowage.registry.names import parse_repository

    here = parse_repository("127.0.0.1:5000/team/app")
    assert _mount_sources([], here, "127.0.0.1:5000/team/base:1") == ["team/base"]  # the image's own repository
    assert _mount_sources([], here, "127.0.0.1:5000/team/app:1") == []  # the destination itself
    assert _mount_sources([], here, "team/base:1") == []  # another registry
    assert _mount_sources(["127.0.0.1:5000/a/b"], here, "127.0.0.1:5000/a/b:1") == ["a/b"]
    with pytest.raises(UserError, match="--mount-from 'example.com/a' is on registry example.com, not 127.0.0.1:5000"):
        _mount_sources(["example.com/a"], here, "x:1")
