"""mergeImages and exportImage end to end."""

from __future__ import annotations

import json
import subprocess
import tarfile

import pytest

from conftest import LIB, PACKAGES, REPO, nix_build, nix_eval, nix_instantiate_error, require, run
from test_layered import attr_value, build

pytestmark = pytest.mark.e2e


def test_merged_archive_loads_every_image(docker: str) -> None:
    merged = build("merged")
    with tarfile.open(merged) as archive:
        manifest = json.load(archive.extractfile("manifest.json"))  # type: ignore[arg-type]
        blobs = [n for n in archive.getnames() if n.endswith("/layer.tar")]
    assert len(blobs) == len(set(blobs))
    hello_tag = attr_value("helloLayered.imageTag")
    tags = [t for entry in manifest for t in entry["RepoTags"]]
    assert tags == [f"stowage-e2e/hello:{hello_tag}", "e2e-dag:latest", "e2e-base:1"]
    # busybox is in both e2e-dag and e2e-base: stored once.
    all_layers = [layer for entry in manifest for layer in entry["Layers"]]
    assert len(set(all_layers)) < len(all_layers)
    with merged.open("rb") as handle:
        loaded = run([docker, "load"], stdin=handle).stdout
    for tag in tags:
        assert tag in loaded
    out = run([docker, "run", "--rm", "--network", "none", f"stowage-e2e/hello:{hello_tag}"]).stdout
    assert "Hello from a stowage image" in out
    out = run([docker, "run", "--rm", "--network", "none", "e2e-base:1"]).stdout
    assert out.strip() == "base"


def test_export_image_is_the_flattened_root() -> None:
    require("tar")
    exported = build("exportedChild")
    listing = run(["tar", "-tvf", str(exported)]).stdout.splitlines()
    names = [line.split()[5] for line in listing]
    assert names[0] == "./"  # as nixpkgs' exportImage (tar -C root -cf out .)
    assert names == sorted(names, key=lambda n: n.rstrip("/").split("/"))
    assert "./bin/hello" in names and "./etc/layer-owner" in names
    busybox = nix_eval(f"{PACKAGES}.busybox.name")
    assert any(n.endswith(f"-{busybox}/bin/busybox") for n in names)
    assert any(n.endswith("-app/share/app") for n in names)
    content = run(["tar", "-xOf", str(exported), "./etc/layer-owner"]).stdout
    assert content == "base\n"


def test_export_image_picks_by_name_and_tag() -> None:
    exported = build("exportedPick")
    with tarfile.open(exported) as archive:
        names = archive.getnames()
    assert "./srv" in names and not any(n.endswith("-app") for n in names)


def test_export_image_half_a_pick_takes_the_first_image() -> None:
    """As nixpkgs (its manual sets fromImageName = null; fromImageTag = "latest";):
    the archive's first image, helloLayered's, not base's (tagged 1)."""
    expr = (
        f"let e = import {REPO}/tests/e2e/images.nix {{ }}; s = {LIB}; in s.exportImage "
        "{ fromImage = e.merged; fromImageName = null; fromImageTag = \"1\"; }"
    )
    with tarfile.open(nix_build(expr)) as archive:
        names = archive.getnames()
    assert "./bin/hello" in names and "./srv" not in names


def test_merge_images_needs_a_list() -> None:
    message = nix_instantiate_error(f"{LIB}.mergeImages {{ }}")
    assert "mergeImages: expects a non-empty list of images" in message


def test_gzip_output_passes_gzip_t() -> None:
    require("gzip")
    run(["gzip", "-t", str(build("helloLayered"))])


def test_zstd_images_load_after_decompression(docker: str) -> None:
    require("zstd")
    for attr, ref in (("helloZstd", "stowage-e2e/hello:zstd"), ("biZstd", "e2e-bi-zstd:latest")):
        data = run_bytes(["zstd", "-dc", str(build(attr))])
        loaded = run([docker, "load"], input=data).stdout
        assert ref in loaded


def test_merge_images_with_mixed_compressors(docker: str) -> None:
    merged = build("mergedMixed")
    with merged.open("rb") as handle:
        loaded = run([docker, "load"], stdin=handle).stdout
    for tag in ("stowage-e2e/hello:zstd", "e2e-dag:latest", "e2e-base:1"):
        assert tag in loaded
    out = run([docker, "run", "--rm", "--network", "none", "stowage-e2e/hello:zstd"]).stdout
    assert "Hello from a stowage image" in out


def run_bytes(cmd: list[str]) -> bytes:
    return subprocess.run(cmd, capture_output=True, check=True).stdout
