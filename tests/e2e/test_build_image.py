"""buildImage end to end: chains in both directions, layer order, closures."""

from __future__ import annotations

import tarfile

import pytest

from conftest import NIX_OPTIONS, run
from test_layered import IMAGES, archive_bytes, docker_load, read_archive

pytestmark = pytest.mark.e2e


def _run(docker: str, ref: str, *cmd: str) -> str:
    return run([docker, "run", "--rm", "--network", "none", ref, *cmd]).stdout


def test_chain_keeps_parent_layers_and_top_wins(docker: str) -> None:
    m1, c1, _ = read_archive(archive_bytes("biChain1"))
    m2, c2, _ = read_archive(archive_bytes("biChain2"))
    m3, c3, _ = read_archive(archive_bytes("biChain3"))
    assert c2["rootfs"]["diff_ids"][:-1] == c1["rootfs"]["diff_ids"]
    assert c3["rootfs"]["diff_ids"][:-1] == c2["rootfs"]["diff_ids"]
    for manifest, config in ((m1, c1), (m2, c2), (m3, c3)):
        assert len(manifest["Layers"]) == len(config["rootfs"]["diff_ids"]) == len(config["history"])
    ref = docker_load(docker, "biChain3")
    assert _run(docker, ref).strip() == "three"
    assert "CHAIN=1" in _run(docker, ref, "/bin/env")
    assert _run(docker, docker_load(docker, "biChain1"), "/bin/cat", "/tmp/layer").strip() == "one"
    ref2 = docker_load(docker, "biChain2")
    assert _run(docker, ref2, "/bin/cat", "/tmp/layer").strip() == "two"
    assert "Hello from a stowage image" in _run(docker, ref2, "/bin/hello")


def test_layered_image_on_a_build_image(docker: str) -> None:
    ref = docker_load(docker, "layeredOnBi")
    assert "Hello from a stowage image" in _run(docker, ref)
    assert _run(docker, ref, "/bin/cat", "/tmp/layer").strip() == "one"


def _top_layer_store_names(attr: str) -> tuple[list[str], set[str]]:
    manifest, _, tar = read_archive(archive_bytes(attr))
    with tarfile.open(fileobj=tar.extractfile(manifest["Layers"][-1])) as layer:
        names = layer.getnames()
    return names, {n.split("/")[2].split("-", 1)[1] for n in names if n.count("/") == 2 and n.startswith("nix/store/")}


def test_copy_to_root_adds_what_the_copies_refer_to() -> None:
    names, stored = _top_layer_store_names("biClosureAlone")
    assert "share/app" in names  # copied into the root
    # Its references are stored; app itself is not (nothing refers to it): no duplicate.
    assert stored == {"lib-a", "lib-b"}


def test_copy_to_root_skips_store_paths_the_parent_has() -> None:
    names, stored = _top_layer_store_names("biClosure")
    assert "share/app" in names and stored == set()  # lib-a and lib-b are in e2e-dag's layers
    _, config, _ = read_archive(archive_bytes("biClosure"))
    base_manifest, base_config, _ = read_archive(archive_bytes("dag"))
    assert config["rootfs"]["diff_ids"][:-1] == base_config["rootfs"]["diff_ids"]


def test_from_image_pick_by_name_and_tag() -> None:
    manifest, config, _ = read_archive(archive_bytes("biPick"))
    base_manifest, base_config, _ = read_archive(archive_bytes("base"))
    assert config["rootfs"]["diff_ids"][:-1] == base_config["rootfs"]["diff_ids"]
    assert config["config"]["WorkingDir"] == "/srv"


def test_from_image_pick_missing_lists_the_tags() -> None:
    result = run(["nix-build", "--no-out-link", *NIX_OPTIONS, str(IMAGES), "-A", "biPickMissing"], check=False)
    assert result.returncode != 0
    assert "has no image tagged e2e-base:2; it has ['e2e-base:1', 'e2e-dag:latest']" in result.stderr


def test_build_image_check_rebuilds_bit_for_bit() -> None:
    run(["nix-build", "--no-out-link", *NIX_OPTIONS, str(IMAGES), "-A", "biChain3"])
    run(["nix-build", "--no-out-link", *NIX_OPTIONS, str(IMAGES), "-A", "biChain3", "--check"])
    run(["nix-build", "--no-out-link", *NIX_OPTIONS, str(IMAGES), "-A", "biChain3.layer", "--check"])
