"""The image model (stowage.image.model): made from a plan and from a
docker-archive, completed with diff_ids and blobs, named as archive members."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from datetime import datetime, timezone
from pathlib import Path

import pytest

from stowage.archive import docker_archive
from stowage.contract.plan import Base, BlobLayer, ImagePlan, Owner, StoreLayer
from stowage.formats.docker_archive import write
from stowage.image import metadata, model
from stowage.output.sink import HashingSink

NOW = datetime(2024, 2, 29, 12, 0, 0, tzinfo=timezone.utc)
BASE = [b"base layer one", b"base layer two"]


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def plan(tmp_path: Path, *, recorded: bool) -> ImagePlan:
    base_layers = (BlobLayer("a/layer.tar", sha256(BASE[0]), 14), BlobLayer("b/layer.tar", sha256(BASE[1]), 14),
                   BlobLayer("a/layer.tar", sha256(BASE[0]), 14))
    store = StoreLayer(("/nix/store/aaa-x",), sha256(b"x") if recorded else None, 10 if recorded else None, "own layer")
    return ImagePlan(
        repo_tag="app:1", created="2024-01-01T00:00:00Z", mtime="now", architecture="arm", variant="v7",
        config={"Cmd": ["/bin/x"]}, owner=Owner(1, 2, "u", "g"), store_dir="/nix/store",
        base=Base(str(tmp_path / "base.tar"), base_layers, ()),
        store_layers=(store,), customisation_layer=BlobLayer("/tmp/custom.tar", sha256(b"c"), 3),
    )


def test_an_image_of_a_plan_names_where_each_layer_comes_from(tmp_path: Path) -> None:
    image = model.of_plan(plan(tmp_path, recorded=False), NOW)
    origins = [layer.origin for layer in image.layers]
    assert origins[0] == origins[2] == model.ArchiveMember(str(tmp_path / "base.tar"), "a/layer.tar")
    assert origins[1] == model.ArchiveMember(str(tmp_path / "base.tar"), "b/layer.tar")
    assert isinstance(origins[3], model.StorePaths)
    assert (origins[3].paths, origins[3].reason, origins[3].stamp.uid, origins[3].stamp.uname) == (
        ("/nix/store/aaa-x",), "own layer", 1, b"u")
    assert origins[3].stamp.mtime == int(NOW.timestamp())  # mtime "now"
    assert origins[4] == model.TarFile("/tmp/custom.tar")
    assert image.repo_tags == ("app:1",)
    assert model.layer_names(image) == ["layers/001.tar", "layers/002.tar", "layers/001.tar",
                                        "layers/004.tar", "layers/005.tar"]


def test_the_configuration_is_known_once_every_diff_id_is(tmp_path: Path) -> None:
    the_plan = plan(tmp_path, recorded=False)
    image = model.of_plan(the_plan, NOW)
    assert image.diff_ids is None and image.config_bytes is None
    with pytest.raises(ValueError, match="not all known"):
        _ = image.config
    ids = [sha256(BASE[0]), sha256(BASE[1]), sha256(BASE[0]), sha256(b"x"), sha256(b"c")]
    done = model.with_diff_ids(image, ids)
    assert done.diff_ids == ids
    config = json.loads(done.config)
    assert config["rootfs"] == {"type": "layers", "diff_ids": ids}
    assert (config["architecture"], config["variant"], config["created"]) == ("arm", "v7", "2024-01-01T00:00:00Z")
    assert [h["comment"] for h in config["history"]] == [
        "base image layer", "base image layer", "base image layer", "store paths: /nix/store/aaa-x",
        "customisation layer"]
    assert done.config == metadata.config_template(the_plan, "2024-01-01T00:00:00Z").render(ids)
    assert done.config_digest.hex == hashlib.sha256(done.config).hexdigest()
    assert model.of_plan(plan(tmp_path, recorded=True), NOW).config == done.config
    with pytest.raises(ValueError, match="2 diff_ids for 5 layers"):
        model.with_diff_ids(image, ids[:2])


def test_blobs_are_set_layer_by_layer(tmp_path: Path) -> None:
    image = model.of_plan(plan(tmp_path, recorded=True), NOW)
    blobs = [model.Blob("application/vnd.oci.image.layer.v1.tar+gzip", sha256(b"%d" % n), n) for n in range(5)]
    assert [layer.blob for layer in model.with_blobs(image, blobs).layers] == blobs
    with pytest.raises(ValueError, match="1 blobs for 5 layers"):
        model.with_blobs(image, blobs[:1])


def _base_archive(path: Path) -> None:
    config = json.dumps({"architecture": "amd64", "os": "linux",
                         "rootfs": {"type": "layers", "diff_ids": [sha256(d) for d in BASE]}}).encode()
    members = {"x/layer.tar": BASE[0], "y/layer.tar": BASE[1], "c.json": config,
               "manifest.json": json.dumps([{"Config": "c.json", "RepoTags": ["base:1"],
                                             "Layers": ["./x/layer.tar", "y/layer.tar"]}]).encode()}
    with tarfile.open(path, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_the_archive_reader_returns_model_images_that_write_back(tmp_path: Path) -> None:
    _base_archive(tmp_path / "in.tar")
    with docker_archive.open_archive(str(tmp_path / "in.tar")) as archive:
        [image] = archive.images()
    assert [layer.origin for layer in image.layers] == [
        model.ArchiveMember(str(tmp_path / "in.tar"), "x/layer.tar"),
        model.ArchiveMember(str(tmp_path / "in.tar"), "y/layer.tar"),
    ]
    assert image.diff_ids == [sha256(d) for d in BASE]
    assert [layer.size for layer in image.layers] == [len(d) for d in BASE]
    assert image.repo_tags == ("base:1",)
    # Written again through the one writer, and read back by tarfile and the reader.
    with open(tmp_path / "out.tar", "wb") as handle, HashingSink(handle.write) as sink:
        write(image, sink, mtime=1, progress=lambda line: None)
    with tarfile.open(tmp_path / "out.tar") as tar:
        assert tar.getnames() == ["layers/001.tar", "layers/002.tar",
                                  hashlib.sha256(image.config).hexdigest() + ".json", "manifest.json"]
    with docker_archive.open_archive(str(tmp_path / "out.tar")) as archive:
        [again] = archive.images()
    assert (again.config, again.diff_ids, again.repo_tags) == (image.config, image.diff_ids, image.repo_tags)
