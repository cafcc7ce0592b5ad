"""Whole docker-archives (stowage.formats.docker_archive), read back by tarfile and GNU tar."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

import pytest

from stowage.layers import tarball as layer
from stowage.errors import UserError
from stowage.formats.docker_archive import write_image
from stowage.contract.plan import Base, BlobLayer, ImagePlan, Owner, StoreLayer
from stowage.output.sink import HashingSink
from stowage.tar.headers import Stamp

NOW = datetime(2024, 2, 29, 12, 0, 0, tzinfo=timezone.utc)


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def make_store(store: Path, order: tuple[str, ...] = ("libc", "app", "data")) -> None:
    """Three store paths, made in ``order``."""
    for what in order:
        if what == "libc":
            (store / "aaa-libc" / "lib").mkdir(parents=True)
            (store / "aaa-libc" / "lib" / "libc.so.6").write_bytes(b"\x7fELF libc" * 500)
        elif what == "app":
            (store / "bbb-app" / "bin").mkdir(parents=True)
            (store / "bbb-app" / "bin" / "app").write_bytes(b"#!/bin/sh\nexec true\n")
            (store / "bbb-app" / "bin" / "app").chmod(0o555)
            os.link(store / "bbb-app" / "bin" / "app", store / "bbb-app" / "bin" / "app-alias")
        elif what == "data":
            (store / "ccc-data.txt").write_bytes(b"data\n")


def make_customisation_layer(tmp_path: Path, store: Path) -> BlobLayer:
    """The image root as a layer tar, made the way customisation-layer makes it."""
    root = tmp_path / "root"
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "app").symlink_to(f"{store}/bbb-app/bin/app")
    (root / "etc").mkdir()
    (root / "etc" / "hostname").write_bytes(b"box\n")
    path = tmp_path / "custom.tar"
    with open(path, "wb") as handle:
        with HashingSink(handle.write) as sink:
            sink.begin_digest()
            layer.write(layer.tree_entries(str(root)), Stamp(1, 0, 0, b"root", b"root"), sink)
            diff_id, size = sink.end_digest()
    return BlobLayer(str(path), diff_id, size)


def small_tar(name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


BASE_LAYERS = [small_tar("etc/os-release", b"ID=base\n"), small_tar("bin/sh", b"sh")]


def make_base(tmp_path: Path, history: list[dict[str, Any]]) -> Base:
    path = tmp_path / "base.tar"
    with tarfile.open(path, "w") as tar:
        for i, data in enumerate(BASE_LAYERS):
            info = tarfile.TarInfo(f"id{i}/layer.tar")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    layers = tuple(BlobLayer(f"id{i}/layer.tar", sha256(d), len(d)) for i, d in enumerate(BASE_LAYERS))
    return Base(str(path), layers, tuple(history))


def make_plan(tmp_path: Path, store: Path, **changes: Any) -> ImagePlan:
    fields: dict[str, Any] = dict(
        repo_tag="example.com/app:1.0",
        created="2023-11-14T22:13:20Z",
        mtime="1970-01-01T00:00:01Z",
        architecture="amd64",
        variant=None,
        config={"Cmd": [f"{store}/bbb-app/bin/app"], "Env": ["LANG=C.UTF-8"]},
        owner=Owner(1000, 100, "app", "users"),
        store_dir=str(store),
        base=None,
        store_layers=(StoreLayer((f"{store}/aaa-libc",)), StoreLayer((f"{store}/bbb-app", f"{store}/ccc-data.txt"))),
        customisation_layer=make_customisation_layer(tmp_path, store),
    )
    fields.update(changes)
    return ImagePlan(**fields)


def image_bytes(plan: ImagePlan, repo_tag: Optional[str] = None, progress: Any = None) -> bytes:
    out = bytearray()
    with HashingSink(out.extend) as sink:
        write_image(plan, sink, repo_tag=repo_tag, now=NOW, progress=progress or (lambda line: None))
    return bytes(out)


def read_archive(data: bytes) -> dict[str, bytes]:
    """Every member of the archive by name; each must be a regular file."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
        result = {}
        for info in tar:
            assert info.isreg(), info.name
            handle = tar.extractfile(info)
            assert handle is not None
            result[info.name] = handle.read()
        return result


def parts(data: bytes) -> tuple[dict[str, Any], dict[str, Any], dict[str, bytes]]:
    """The manifest entry, the config and the members of an archive."""
    members = read_archive(data)
    [entry] = json.loads(members["manifest.json"])
    return entry, json.loads(members[entry["Config"]]), members


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "nix" / "store"
    path.mkdir(parents=True)
    make_store(path)
    return path


def test_manifest_config_and_layers_agree(tmp_path: Path, store: Path) -> None:
    entry, config, members = parts(image_bytes(make_plan(tmp_path, store)))
    assert entry["RepoTags"] == ["example.com/app:1.0"]
    assert entry["Config"] == hashlib.sha256(members[entry["Config"]]).hexdigest() + ".json"
    assert len(entry["Layers"]) == 3  # two store layers, the customisation layer
    assert config["rootfs"] == {"type": "layers", "diff_ids": [sha256(members[n]) for n in entry["Layers"]]}
    assert len(config["history"]) == 3
    assert [h["comment"] for h in config["history"]] == [
        f"store paths: {store}/aaa-libc",
        f"store paths: {store}/bbb-app {store}/ccc-data.txt",
        "customisation layer",
    ]
    assert set(members) == {"manifest.json", entry["Config"], *entry["Layers"]}


def test_the_config(tmp_path: Path, store: Path) -> None:
    _, config, _ = parts(image_bytes(make_plan(tmp_path, store, architecture="arm", variant="v7")))
    assert (config["architecture"], config["variant"], config["os"]) == ("arm", "v7", "linux")
    assert config["created"] == "2023-11-14T22:13:20Z"
    assert config["config"] == {"Cmd": [f"{store}/bbb-app/bin/app"], "Env": ["LANG=C.UTF-8"]}
    assert {h["created"] for h in config["history"]} == {"2023-11-14T22:13:20Z"}


def test_created_now(tmp_path: Path, store: Path) -> None:
    _, config, _ = parts(image_bytes(make_plan(tmp_path, store, created="now")))
    assert config["created"] == "2024-02-29T12:00:00Z"


def test_store_layers_hold_their_paths(tmp_path: Path, store: Path) -> None:
    entry, _, members = parts(image_bytes(make_plan(tmp_path, store)))
    with tarfile.open(fileobj=io.BytesIO(members[entry["Layers"][1]])) as tar:
        infos = {i.name: i for i in tar}
    prefix = str(store).lstrip("/")
    assert infos[prefix].isdir() and infos[prefix].mode == 0o755
    assert infos[f"{prefix}/bbb-app/bin/app"].mode == 0o555
    assert infos[f"{prefix}/bbb-app/bin/app-alias"].isreg()  # a hard link, written as a file
    assert infos[f"{prefix}/ccc-data.txt"].size == 5
    assert f"{prefix}/aaa-libc" not in infos
    assert {(i.uid, i.gid, i.uname, i.gname, i.mtime) for i in infos.values()} == {(1000, 100, "app", "users", 1)}


def test_the_customisation_layer_is_copied_as_it_is(tmp_path: Path, store: Path) -> None:
    plan = make_plan(tmp_path, store)
    entry, _, members = parts(image_bytes(plan))
    assert members[entry["Layers"][-1]] == Path(plan.customisation_layer.source).read_bytes()


def test_a_repo_tag_given_to_the_writer_wins(tmp_path: Path, store: Path) -> None:
    entry, _, _ = parts(image_bytes(make_plan(tmp_path, store), repo_tag="other/name:2"))
    assert entry["RepoTags"] == ["other/name:2"]


def test_same_inputs_same_bytes(tmp_path: Path, store: Path) -> None:
    plan = make_plan(tmp_path, store)
    assert image_bytes(plan) == image_bytes(plan)


def test_the_order_files_were_made_in_does_not_matter(tmp_path: Path, store: Path) -> None:
    plan = make_plan(tmp_path, store)
    first = image_bytes(plan)
    shutil.rmtree(store)
    store.mkdir()
    make_store(store, ("data", "app", "libc"))
    assert image_bytes(plan) == first


def test_the_archive_members_carry_no_clock_or_owner(tmp_path: Path, store: Path) -> None:
    data = image_bytes(make_plan(tmp_path, store))
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        stamps = {(i.mtime, i.uid, i.gid, i.uname, i.gname, i.mode) for i in tar}
    assert stamps == {(1, 0, 0, "", "", 0o444)}


def test_one_progress_line_per_layer(tmp_path: Path, store: Path) -> None:
    lines: list[str] = []
    image_bytes(make_plan(tmp_path, store), progress=lines.append)
    assert [line.split(":")[0] for line in lines] == ["layer 1", "layer 2", "layer 3"]
    assert "libc" in lines[0] and "app, data.txt" in lines[1] and "customisation" in lines[2]


def test_base_layers_come_first_byte_for_byte(tmp_path: Path, store: Path) -> None:
    history: list[dict[str, Any]] = [
        {"created_by": "ADD os"}, {"created_by": "ENV", "empty_layer": True}, {"created_by": "ADD sh"},
    ]
    plan = make_plan(tmp_path, store, base=make_base(tmp_path, history))
    entry, config, members = parts(image_bytes(plan))
    assert [members[n] for n in entry["Layers"][:2]] == BASE_LAYERS
    assert config["rootfs"]["diff_ids"] == [sha256(members[n]) for n in entry["Layers"]]
    assert config["history"][:3] == history
    assert len([h for h in config["history"] if not h.get("empty_layer")]) == len(entry["Layers"]) == 5


def test_a_base_history_that_does_not_match_is_replaced(tmp_path: Path, store: Path) -> None:
    plan = make_plan(tmp_path, store, base=make_base(tmp_path, [{"created_by": "only one"}]))
    entry, config, _ = parts(image_bytes(plan))
    assert len(config["history"]) == len(entry["Layers"]) == 5
    assert [h["comment"] for h in config["history"][:2]] == ["base image layer"] * 2


def test_a_base_layer_used_twice_is_stored_once(tmp_path: Path, store: Path) -> None:
    base = make_base(tmp_path, [])
    twice = Base(base.archive, (base.layers[0], base.layers[1], base.layers[0]), ())
    entry, config, members = parts(image_bytes(make_plan(tmp_path, store, base=twice)))
    assert entry["Layers"][0] == entry["Layers"][2] != entry["Layers"][1]
    assert len(members) == 2 + 2 + 2 + 1  # manifest and config, base, store, customisation
    assert config["rootfs"]["diff_ids"][0] == config["rootfs"]["diff_ids"][2]


def test_a_store_path_gone_since_planning_is_named(tmp_path: Path, store: Path) -> None:
    plan = make_plan(tmp_path, store)
    shutil.rmtree(store / "bbb-app")
    with pytest.raises(UserError, match=f"{store}/bbb-app does not exist"):
        image_bytes(plan)


@pytest.mark.usefixtures("gnu_tar")
def test_gnu_tar_reads_the_archive_and_its_layers(tmp_path: Path, store: Path) -> None:
    path = tmp_path / "image.tar"
    path.write_bytes(image_bytes(make_plan(tmp_path, store)))
    out = tmp_path / "image"
    out.mkdir()
    subprocess.run(["tar", "-xf", str(path), "-C", str(out)], check=True)
    [entry] = json.loads((out / "manifest.json").read_text())
    prefix = str(store).lstrip("/")
    listings = [
        subprocess.run(["tar", "-tf", str(out / name)], capture_output=True, check=True, text=True).stdout.split()
        for name in entry["Layers"]
    ]
    assert f"{prefix}/aaa-libc/lib/libc.so.6" in listings[0]
    assert f"{prefix}/bbb-app/bin/app-alias" in listings[1]
    assert listings[2] == ["bin/", "bin/app", "etc/", "etc/hostname"]
