"""The image plan from mk-config's request (stowage.layers.planning): the default
tag, the closure grouped above the explicit layers, recorded layers checked
against the image's stamp, the layer budget, and the files of a known image."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from stowage.contract import schema
from stowage.contract.image_requests import ImageRequest
from stowage.contract.plan import Owner
from stowage.contract.records import RootLayerRecord, StoreLayerRecord, write_root_layer_record
from stowage.errors import UserError
from stowage.cli import mk_config
from stowage.layers import planning
from stowage.store.closure import GraphNode

ROOT = Owner(0, 0, "root", "root")
DIGEST = "sha256:" + "a" * 64


def node(name: str, *refs: str, size: int = 100) -> GraphNode:
    return GraphNode(f"/nix/store/{name}", "sha256-x", size, tuple(f"/nix/store/{r}" for r in refs))


def request(tmp_path: Path, **changes: object) -> ImageRequest:
    """A request whose config file and customisation layer exist under ``tmp_path``."""
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"Cmd": ["/bin/app"]}))
    custom = tmp_path / "custom"
    custom.mkdir(exist_ok=True)
    write_root_layer_record(str(custom), RootLayerRecord(DIGEST, 2048))
    base = ImageRequest(
        builder="buildLayeredImage", image_name="app", tag=None, created="1970-01-01T00:00:01Z",
        mtime="1970-01-01T00:00:01Z", architecture="amd64", variant=None, owner=ROOT, max_layers=100,
        from_image=None, from_image_tag=None, customisation_layer=str(custom), config_file=str(config),
        include_store_paths=True, store_dir="/nix/store", explicit_layers=(), layer_records=None,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


GRAPH = (node("h1-libc"), node("h2-app", "h1-libc"))


def record(tmp_path: Path, name: str, paths: tuple[str, ...], mtime: int = 1) -> str:
    directory = tmp_path / name
    directory.mkdir()
    doc = StoreLayerRecord(paths, DIGEST, 4096, mtime, ROOT, 2, DIGEST)
    (directory / StoreLayerRecord.FILE).write_text(json.dumps(schema.encode(doc)))
    return str(directory)


def test_the_plan_of_a_request(tmp_path: Path) -> None:
    plan = planning.make_plan(request(tmp_path), GRAPH, "0" * 32)
    assert plan.repo_tag == "app:" + "0" * 32
    assert plan.config == {"Cmd": ["/bin/app"]}
    assert [layer.paths for layer in plan.store_layers] == [("/nix/store/h1-libc",), ("/nix/store/h2-app",)]
    assert plan.customisation_layer.diff_id == DIGEST and plan.customisation_layer.size == 2048
    assert planning.make_plan(request(tmp_path, tag="v1"), GRAPH, "x").repo_tag == "app:v1"


def test_without_store_paths_only_the_customisation_layer(tmp_path: Path) -> None:
    assert planning.make_plan(request(tmp_path, include_store_paths=False), GRAPH, "t").store_layers == ()


def test_explicit_layers_come_first_and_leave_the_rest(tmp_path: Path) -> None:
    libc = record(tmp_path, "libc", ("/nix/store/h1-libc",))
    plan = planning.make_plan(request(tmp_path, explicit_layers=(libc,)), GRAPH, "t")
    assert [layer.paths for layer in plan.store_layers] == [("/nix/store/h1-libc",), ("/nix/store/h2-app",)]
    assert plan.store_layers[0].diff_id == DIGEST


def test_a_record_of_another_stamp_is_refused(tmp_path: Path) -> None:
    libc = record(tmp_path, "libc", ("/nix/store/h1-libc",), mtime=5)
    with pytest.raises(UserError, match="was made for mtime 5 .* not for this image's 1"):
        planning.make_plan(request(tmp_path, explicit_layers=(libc,)), GRAPH, "t")


def test_the_budget_counts_the_explicit_layers(tmp_path: Path) -> None:
    libc = record(tmp_path, "libc", ("/nix/store/h1-libc",))
    with pytest.raises(UserError, match="set maxLayers to at least 3 or list fewer layers"):
        planning.make_plan(request(tmp_path, explicit_layers=(libc, libc), max_layers=2), GRAPH, "t")


def test_a_pipeline_groups_without_max_layers(tmp_path: Path) -> None:
    piped = request(tmp_path, layering_pipeline=[["popularity_contest"], ["limit_layers", 1]], max_layers=2)
    assert len(planning.make_plan(piped, GRAPH, "t").store_layers) == 1


def test_a_config_that_is_no_object_is_refused(tmp_path: Path) -> None:
    r = request(tmp_path)
    Path(r.config_file).write_text("[]")
    with pytest.raises(UserError, match="must hold a JSON object; got list"):
        planning.make_plan(r, GRAPH, "t")


def test_a_known_image_gets_its_config_and_manifest(tmp_path: Path) -> None:
    libc = record(tmp_path, "libc", ("/nix/store/h1-libc",))
    app = record(tmp_path, "app", ("/nix/store/h2-app",))
    plan = planning.make_plan(request(tmp_path, explicit_layers=(libc,), layer_records=(app,)), GRAPH, "t")
    mk_config.write_outputs(plan, str(tmp_path / "out"))
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["config.json", "image-id", "manifest.json", "plan.json"]
    mk_config.write_outputs(replace(plan, created="now"), str(tmp_path / "now"))
    assert [p.name for p in (tmp_path / "now").iterdir()] == ["plan.json"]
    assert planning.describe_layers(plan)[0] == "0 base layers"
