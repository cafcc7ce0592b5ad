"""Reading a base image from a docker-archive (stowage.archive.docker_archive), on
archives made here with tarfile the way the usual tools make them."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path
from typing import Any, Literal

import pytest

from stowage.archive import docker_archive
from stowage.image import metadata
from stowage.errors import UserError
from stowage.contract.plan import BlobLayer

LAYERS = [b"layer one" * 100, b"layer two" * 300]
HEXES = [hashlib.sha256(data).hexdigest() for data in LAYERS]
HISTORY = [{"created_by": "ADD one"}, {"created_by": "ENV", "empty_layer": True}, {"created_by": "ADD two"}]
CONFIG: dict[str, Any] = {
    "architecture": "amd64",
    "os": "linux",
    "config": {"Cmd": ["/bin/sh"], "Env": ["PATH=/bin"]},
    "rootfs": {"type": "layers", "diff_ids": ["sha256:" + h for h in HEXES]},
    "history": HISTORY,
}


def add_file(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def add_link(tar: tarfile.TarFile, name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> None:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    tar.addfile(info)


def classic(tar: tarfile.TarFile, config: dict[str, Any] = CONFIG, tags: tuple[str, ...] = ("base:1",)) -> None:
    """``docker save`` before 25: ``<id>/layer.tar`` and ``<hex>.json``."""
    data = json.dumps(config).encode()
    config_name = hashlib.sha256(data).hexdigest() + ".json"
    add_file(tar, config_name, data)
    for i, layer in enumerate(LAYERS):
        add_file(tar, f"id{i}/layer.tar", layer)
    manifest = [{"Config": config_name, "RepoTags": list(tags), "Layers": ["id0/layer.tar", "id1/layer.tar"]}]
    add_file(tar, "manifest.json", json.dumps(manifest).encode())


def write(path: Path, fill: Any, mode: Literal["w", "w:gz"] = "w") -> str:
    with tarfile.open(path, mode) as tar:
        fill(tar)
    return str(path)


def test_a_classic_archive(tmp_path: Path) -> None:
    path = write(tmp_path / "base.tar", classic)
    base = docker_archive.read_base(path)
    assert base.base.archive == path
    assert base.base.layers == (
        BlobLayer("id0/layer.tar", "sha256:" + HEXES[0], len(LAYERS[0])),
        BlobLayer("id1/layer.tar", "sha256:" + HEXES[1], len(LAYERS[1])),
    )
    assert base.base.history == tuple(HISTORY)
    assert base.config == CONFIG
    assert base.repo_tags == ("base:1",)


def test_a_gzipped_archive(tmp_path: Path) -> None:
    path = write(tmp_path / "base.tar.gz", classic, "w:gz")
    assert docker_archive.read_base(path).base.layers[1].size == len(LAYERS[1])


def test_layers_behind_symlinks_and_hard_links(tmp_path: Path) -> None:
    """Newer ``docker save`` keeps blobs once and links the legacy names to them."""

    def fill(tar: tarfile.TarFile) -> None:
        data = json.dumps(CONFIG).encode()
        add_file(tar, "blobs/sha256/" + hashlib.sha256(data).hexdigest(), data)
        for hexdigest, layer in zip(HEXES, LAYERS, strict=True):
            add_file(tar, "blobs/sha256/" + hexdigest, layer)
        add_link(tar, "id0/layer.tar", "../blobs/sha256/" + HEXES[0])
        add_link(tar, "id1/layer.tar", "blobs/sha256/" + HEXES[1], tarfile.LNKTYPE)
        add_link(tar, "config.json", "blobs/sha256/" + hashlib.sha256(data).hexdigest())
        manifest = [{"Config": "config.json", "RepoTags": None, "Layers": ["id0/layer.tar", "id1/layer.tar"]}]
        add_file(tar, "manifest.json", json.dumps(manifest).encode())

    base = docker_archive.read_base(write(tmp_path / "base.tar", fill))
    assert [(layer.source, layer.size) for layer in base.base.layers] == [
        ("blobs/sha256/" + HEXES[0], len(LAYERS[0])),
        ("blobs/sha256/" + HEXES[1], len(LAYERS[1])),
    ]
    assert base.config == CONFIG
    assert base.repo_tags == ()


def test_diff_ids_without_algorithm_get_one(tmp_path: Path) -> None:
    config = {**CONFIG, "rootfs": {"type": "layers", "diff_ids": HEXES}}
    path = write(tmp_path / "base.tar", lambda tar: classic(tar, config))
    assert [layer.diff_id for layer in docker_archive.read_base(path).base.layers] == [
        "sha256:" + h for h in HEXES
    ]


def multi(tar: tarfile.TarFile) -> None:
    one = json.dumps(CONFIG).encode()
    two = json.dumps({**CONFIG, "config": {"Cmd": ["two"]}}).encode()
    add_file(tar, "one.json", one)
    add_file(tar, "two.json", two)
    for i, layer in enumerate(LAYERS):
        add_file(tar, f"id{i}/layer.tar", layer)
    layers = ["id0/layer.tar", "id1/layer.tar"]
    manifest = [
        {"Config": "one.json", "RepoTags": ["one:latest", "one:1"], "Layers": layers},
        {"Config": "two.json", "RepoTags": ["two:2"], "Layers": layers},
    ]
    add_file(tar, "manifest.json", json.dumps(manifest).encode())


def test_a_multi_image_archive_by_tag(tmp_path: Path) -> None:
    path = write(tmp_path / "multi.tar", multi)
    assert docker_archive.read_base(path, "two:2").config["config"] == {"Cmd": ["two"]}
    assert docker_archive.read_base(path, "one:1").repo_tags == ("one:latest", "one:1")
    assert docker_archive.read_base(path).repo_tags == ("one:latest", "one:1")  # the first


def test_a_missing_tag_lists_the_tags_present(tmp_path: Path) -> None:
    path = write(tmp_path / "multi.tar", multi)
    with pytest.raises(UserError, match=rf"fromImage {path} has no image tagged three:3; it has \['one:1', 'one:latest', 'two:2'\]"):
        docker_archive.read_base(path, "three:3")


def test_layers_and_diff_ids_must_agree(tmp_path: Path) -> None:
    config = {**CONFIG, "rootfs": {"type": "layers", "diff_ids": ["sha256:" + HEXES[0]]}}
    path = write(tmp_path / "base.tar", lambda tar: classic(tar, config))
    with pytest.raises(UserError, match=f"fromImage {path}: manifest.json lists 2 layers but the configuration has 1 diff_ids"):
        docker_archive.read_base(path)


def test_not_a_tar(tmp_path: Path) -> None:
    path = tmp_path / "image.tar"
    path.write_bytes(b"this is not an archive\n" * 100)
    with pytest.raises(UserError, match=f"fromImage {path} is not a readable docker-archive"):
        docker_archive.read_base(str(path))


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=f"{tmp_path}/gone.tar"):
        docker_archive.read_base(str(tmp_path / "gone.tar"))


def test_zstd_is_named(tmp_path: Path) -> None:
    path = tmp_path / "image.tar.zst"
    path.write_bytes(b"\x28\xb5\x2f\xfd" + bytes(100))
    with pytest.raises(UserError, match=f"fromImage {path} is zstd-compressed; decompress it first"):
        docker_archive.read_base(str(path))


def test_an_archive_without_manifest(tmp_path: Path) -> None:
    path = write(tmp_path / "base.tar", lambda tar: add_file(tar, "repositories", b"{}"))
    with pytest.raises(UserError, match=f"{path}: the archive has no member 'manifest.json'"):
        docker_archive.read_base(path)


@pytest.mark.parametrize("manifest", [b"[]", b"{}"])
def test_a_manifest_without_images(tmp_path: Path, manifest: bytes) -> None:
    path = write(tmp_path / "base.tar", lambda tar: add_file(tar, "manifest.json", manifest))
    with pytest.raises(UserError, match=f"fromImage {path}: manifest.json lists no image"):
        docker_archive.read_base(path)


@pytest.mark.parametrize("entry", [{"Layers": []}, "id0/layer.tar", {"Config": 1}])
def test_a_manifest_image_without_config_is_named(tmp_path: Path, entry: Any) -> None:
    manifest = json.dumps([entry]).encode()
    path = write(tmp_path / "base.tar", lambda tar: add_file(tar, "manifest.json", manifest))
    with pytest.raises(UserError, match=f'fromImage {path}: manifest.json has an image without a "Config" name'):
        docker_archive.read_base(path)


def test_a_config_that_is_not_an_object(tmp_path: Path) -> None:
    def fill(tar: tarfile.TarFile) -> None:
        add_file(tar, "c.json", b"[]")
        add_file(tar, "manifest.json", json.dumps([{"Config": "c.json", "Layers": []}]).encode())

    path = write(tmp_path / "base.tar", fill)
    with pytest.raises(UserError, match=f"fromImage {path}: c.json is not a JSON object"):
        docker_archive.read_base(path)


def test_a_manifest_that_is_not_json(tmp_path: Path) -> None:
    path = write(tmp_path / "base.tar", lambda tar: add_file(tar, "manifest.json", b"[{"))
    with pytest.raises(UserError, match=f"{path}: manifest.json is not valid JSON"):
        docker_archive.read_base(path)


def test_a_missing_layer_is_named(tmp_path: Path) -> None:
    def fill(tar: tarfile.TarFile) -> None:
        add_file(tar, "c.json", json.dumps(CONFIG).encode())
        add_file(tar, "manifest.json", json.dumps([{"Config": "c.json", "Layers": ["a/layer.tar", "b/layer.tar"]}]).encode())

    path = write(tmp_path / "base.tar", fill)
    with pytest.raises(UserError, match=f"{path}: the archive has no member 'a/layer.tar'"):
        docker_archive.read_base(path)


def test_a_link_loop_is_refused(tmp_path: Path) -> None:
    def fill(tar: tarfile.TarFile) -> None:
        add_link(tar, "a", "b")
        add_link(tar, "b", "a")

    with docker_archive.open_archive(write(tmp_path / "loop.tar", fill)) as archive:
        with pytest.raises(UserError, match="member 'a' is a chain of too many links"):
            archive.member("a")


def test_a_directory_is_not_a_layer(tmp_path: Path) -> None:
    def fill(tar: tarfile.TarFile) -> None:
        info = tarfile.TarInfo("dir")
        info.type = tarfile.DIRTYPE
        tar.addfile(info)

    with docker_archive.open_archive(write(tmp_path / "dir.tar", fill)) as archive:
        with pytest.raises(UserError, match="member 'dir' is not a file"):
            archive.member("dir")


def test_manifest() -> None:
    assert metadata.archive_manifest("c.json", ["app:1"], ["layers/001.tar"]) == [
        {"Config": "c.json", "RepoTags": ["app:1"], "Layers": ["layers/001.tar"]}
    ]
