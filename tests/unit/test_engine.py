"""The engine package's pure parts and writers: chain IDs, the engine's answers
parsed, digests learnt ahead of a load, and the shortened archives read back
with tarfile."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest

from stowage.contract.plan import BlobLayer, ImagePlan, Owner, StoreLayer
from stowage.engine import inventory
from stowage.engine.chains import chain_ids, held_chains
from stowage.engine.digests import learn
from stowage.formats import oci_load_archive
from stowage.formats.docker_archive import write_image
from stowage.output.sink import HashingSink

A, B, C = ("sha256:" + c * 64 for c in "abc")


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def test_chain_ids() -> None:
    ab = sha256(f"{A} {B}".encode())
    assert chain_ids([A, B, C]) == [A, ab, sha256(f"{ab} {C}".encode())]
    assert held_chains([[A, B], [C]]) == {A, ab, C}


def test_engine_answers() -> None:
    assert inventory._layers(json.dumps([A, B])) == (A, B)
    assert inventory._layers("null") == ()
    for bad in ("[1]", "{", '["md5:x"]'):
        with pytest.raises(inventory.Unknown, match="unexpected layer list"):
            inventory._layers(bad)
    with pytest.raises(inventory.Unknown, match="cannot run /nonexistent"):
        inventory.holdings("/nonexistent/docker", "docker")


def test_images_removed_meanwhile_are_skipped() -> None:
    assert inventory._vanished(b"Error: No such image: sha256:00\n")
    assert inventory._vanished(b"Error: inspecting object: 00: image not known\n")
    assert not inventory._vanished(b"Cannot connect to the Docker daemon\n")
    assert not inventory._vanished(b"")


def _plan(tmp_path: Path) -> ImagePlan:
    store = tmp_path / "store"
    paths = []
    for name in ("one", "two"):
        path = store / f"{name * 8}-{name}"
        path.mkdir(parents=True)
        (path / "file").write_bytes(name.encode() * 1000)
        paths.append(str(path))
    custom = tmp_path / "custom.tar"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        tar.addfile(tarfile.TarInfo("empty"), io.BytesIO(b""))
    custom.write_bytes(buffer.getvalue())
    return ImagePlan(
        repo_tag="probe/app:1", created="1970-01-01T00:00:01Z", mtime="1970-01-01T00:00:01Z",
        architecture="amd64", variant=None, config={}, owner=Owner(0, 0, "root", "root"),
        store_dir=str(store), base=None, store_layers=tuple(StoreLayer((p,)) for p in paths),
        customisation_layer=BlobLayer(str(custom), sha256(custom.read_bytes()), custom.stat().st_size),
    )


def _written(write: object) -> tarfile.TarFile:
    data = bytearray()
    with HashingSink(lambda view: data.extend(view)) as sink:
        write(sink)  # type: ignore[operator]
    return tarfile.open(fileobj=io.BytesIO(bytes(data)))


def test_learn_stops_when_told(tmp_path: Path) -> None:
    plan = _plan(tmp_path)
    learnt, ids = learn(plan, lambda ids: len(ids) == 1, lambda line: None)
    assert len(ids) == 1 and learnt.store_layers[0].diff_id == ids[0] and learnt.store_layers[1].diff_id is None
    everything, all_ids = learn(plan, lambda ids: False, lambda line: None)
    assert len(all_ids) == 3 and all_ids[0] == ids[0] and all_ids[2] == plan.customisation_layer.diff_id


def test_docker_archive_without_held_layers(tmp_path: Path) -> None:
    plan, ids = learn(_plan(tmp_path), lambda ids: False, lambda line: None)
    with _written(lambda sink: write_image(plan, sink, present=2)) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
        config = json.load(tar.extractfile(manifest[0]["Config"]))  # type: ignore[arg-type]
    assert manifest[0]["Layers"] == ["layers/001.tar", "layers/002.tar", "layers/003.tar"]
    assert "layers/003.tar" in names and "layers/001.tar" not in names and "layers/002.tar" not in names
    assert config["rootfs"]["diff_ids"] == ids


def test_oci_archive_without_held_layers(tmp_path: Path) -> None:
    plan, ids = learn(_plan(tmp_path), lambda ids: False, lambda line: None)
    held = {ids[0], ids[2]}
    with _written(lambda sink: oci_load_archive.write_archive(plan, ids, held, sink)) as tar:
        names = set(tar.getnames())
        index = json.load(tar.extractfile("index.json"))  # type: ignore[arg-type]
        entry = index["manifests"][0]
        manifest = json.load(tar.extractfile("blobs/sha256/" + entry["digest"][7:]))  # type: ignore[arg-type]
        layer = tar.extractfile("blobs/sha256/" + ids[1][7:]).read()  # type: ignore[union-attr]
    assert entry["annotations"]["org.opencontainers.image.ref.name"] == "probe/app:1"
    assert [d["digest"] for d in manifest["layers"]] == ids and sha256(layer) == ids[1]
    assert "blobs/sha256/" + ids[0][7:] not in names and "blobs/sha256/" + ids[2][7:] not in names
    assert "oci-layout" in names and "blobs/sha256/" + manifest["config"]["digest"][7:] in names


def test_layers_of_mtime_now_are_not_hashed_ahead(tmp_path: Path) -> None:
    from dataclasses import replace

    plan = replace(_plan(tmp_path), mtime="now")
    learnt, ids = learn(plan, lambda ids: False, lambda line: None)
    assert ids == [] and learnt == plan


def test_podman_gets_the_whole_image_of_mtime_now(tmp_path: Path) -> None:
    from dataclasses import replace
    from stowage.engine import load

    plan = replace(_plan(tmp_path), mtime="now")
    request = load.Request(plan, "podman", "podman", None)
    assert load._oci_partial(request, inventory.Holdings(((A,),)), lambda line: None)[1] is None
