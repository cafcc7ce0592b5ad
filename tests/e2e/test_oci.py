"""toOCILayout and toOCIArchive, read back by tools we did not write: skopeo
(oci: and oci-archive:), umoci, podman, Docker (after skopeo's conversion)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import LIB, NIX_OPTIONS, PODMAN_RUN, REPO, nix_build, require, run

IMAGES = f"(import {REPO}/tests/e2e/images.nix {{ }})"


def test_layout_is_read_by_skopeo_and_umoci(tmp_path: Path, docker: str) -> None:
    require("skopeo", "umoci")
    layout = nix_build(f"{LIB}.toOCILayout {IMAGES}.dag")
    assert json.loads((layout / "oci-layout").read_text()) == {"imageLayoutVersion": "1.0.0"}
    index = json.loads((layout / "index.json").read_text())
    assert index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"] == "latest"
    inspect = json.loads(run(["skopeo", "inspect", f"oci:{layout}:latest"]).stdout)
    assert inspect["Architecture"] == "amd64" and len(inspect["Layers"]) >= 2
    run(["umoci", "unpack", "--image", f"{layout}:latest", str(tmp_path / "bundle")])
    assert (tmp_path / "bundle" / "rootfs" / "bin" / "sh").exists()
    # Every layer is stored uncompressed, its digest its diff_id.
    manifest = json.loads((layout / "blobs" / "sha256" / index["manifests"][0]["digest"][7:]).read_text())
    config = json.loads((layout / "blobs" / "sha256" / manifest["config"]["digest"][7:]).read_text())
    assert [layer["digest"] for layer in manifest["layers"]] == config["rootfs"]["diff_ids"]
    assert {layer["mediaType"] for layer in manifest["layers"]} == {"application/vnd.oci.image.layer.v1.tar"}
    archive = tmp_path / "back.tar"
    run(["skopeo", "copy", "-q", f"oci:{layout}:latest", f"docker-archive:{archive}:oci-back/dag:1"])
    run([docker, "load", "-i", str(archive)])
    assert run([docker, "run", "--rm", "--network", "none", "oci-back/dag:1", "/bin/sh", "-c", "echo ok"]).stdout == "ok\n"


def test_archive_loads_in_podman_and_runs(podman: str) -> None:
    archive = nix_build(f"{LIB}.toOCIArchive {IMAGES}.helloLayered")  # a gzipped docker-archive
    tag = json.loads(run(["nix-instantiate", "--eval", "--json", *NIX_OPTIONS, "-E", f"{IMAGES}.helloLayered.imageTag"]).stdout)
    loaded = run([podman, "load", "-i", str(archive)]).stdout
    assert f"stowage-e2e/hello:{tag}" in loaded
    assert "Hello" in run([*PODMAN_RUN, f"localhost/stowage-e2e/hello:{tag}"]).stdout
    inspect = json.loads(run(["skopeo", "inspect", f"oci-archive:{archive}"]).stdout)
    assert inspect["Architecture"] == "amd64"


def test_archive_is_reproducible_and_ordered() -> None:
    expr = f"{LIB}.toOCIArchive {IMAGES}.dag"
    archive = nix_build(expr)
    nix_build(expr, "--check")
    import tarfile
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        assert names[:4] == ["oci-layout", "index.json", "blobs", "blobs/sha256"]
        assert names[4:] == sorted(names[4:])
        assert {m.mtime for m in tar.getmembers()} == {1} and {m.uid for m in tar.getmembers()} == {0}


def test_a_path_works_too(tmp_path: Path) -> None:
    plain = nix_build(f"{IMAGES}.dag")
    layout = nix_build(f"{LIB}.toOCILayout {plain}")
    assert layout.name.endswith("-e2e-dag-oci")
    assert (layout / "index.json").exists()
