"""mergeImages (stowage.formats.merge): several docker-archives as one, read
back by tarfile, the project's reader and skopeo."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import tarfile
from pathlib import Path

import pytest

from stowage.archive import docker_archive
from stowage.errors import UserError
from stowage.formats.merge import merge
from stowage.output.sink import HashingSink
from conftest import require


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def layer_tar(name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


SHARED, ONE, TWO = layer_tar("etc/os", b"base\n"), layer_tar("one", b"1\n"), layer_tar("two", b"2\n")


def archive(path: Path, tag: str, layers: list[bytes], *, diff_ids: list[str] | None = None) -> str:
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": [tag]},
                         "rootfs": {"type": "layers", "diff_ids": diff_ids or [sha256(d) for d in layers]}}).encode()
    members = {f"{n}/layer.tar": data for n, data in enumerate(layers)}
    members["config.json"] = config
    members["manifest.json"] = json.dumps(
        [{"Config": "config.json", "RepoTags": [tag], "Layers": [f"{n}/layer.tar" for n in range(len(layers))]}]
    ).encode()
    with tarfile.open(path, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return str(path)


def merged(tmp_path: Path, inputs: list[str]) -> tuple[Path, list[str]]:
    lines: list[str] = []
    out = tmp_path / "merged.tar"
    with open(out, "wb") as handle, HashingSink(handle.write) as sink:
        merge(inputs, sink, lines.append, "zstd")
    return out, lines


def test_images_keep_their_tags_and_shared_layers_are_stored_once(tmp_path: Path) -> None:
    one = archive(tmp_path / "one.tar", "one:1", [SHARED, ONE])
    two = archive(tmp_path / "two.tar", "two:2", [SHARED, TWO])
    out, lines = merged(tmp_path, [one, two])
    assert lines == [f"{one}: 1 image(s) one:1", f"{two}: 1 image(s) two:2"]
    with tarfile.open(out) as tar:
        names = tar.getnames()
    assert names.count(sha256(SHARED)[7:] + "/layer.tar") == 1
    assert len(names) == 3 + 2 + 1  # three layers, two configurations, manifest.json
    with docker_archive.open_archive(str(out)) as reader:
        images = reader.images()
    assert [image.repo_tags for image in images] == [("one:1",), ("two:2",)]
    assert [image.diff_ids for image in images] == [[sha256(SHARED), sha256(ONE)], [sha256(SHARED), sha256(TWO)]]
    assert [json.loads(image.config)["config"]["Cmd"] for image in images] == [["one:1"], ["two:2"]]


def test_the_same_inputs_give_the_same_bytes_and_skopeo_reads_each_image(tmp_path: Path) -> None:
    require("skopeo")
    one = archive(tmp_path / "one.tar", "one:1", [SHARED, ONE])
    two = archive(tmp_path / "two.tar", "two:2", [SHARED, TWO])
    out, _ = merged(tmp_path, [one, two])
    first = out.read_bytes()
    assert merged(tmp_path, [one, two])[0].read_bytes() == first
    for tag, layers in (("one:1", [SHARED, ONE]), ("two:2", [SHARED, TWO])):
        shown = subprocess.run(["skopeo", "inspect", "--raw", f"docker-archive:{out}:{tag}"],
                               capture_output=True, text=True, check=True)
        assert len(json.loads(shown.stdout)["layers"]) == len(layers)


def test_a_layer_that_does_not_match_its_diff_id_is_refused(tmp_path: Path) -> None:
    bad = archive(tmp_path / "bad.tar", "bad:1", [ONE], diff_ids=[sha256(TWO)])
    with pytest.raises(UserError, match=r"bad\.tar: layer 0/layer\.tar: its digest is sha256:"):
        merged(tmp_path, [bad])
