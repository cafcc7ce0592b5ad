"""toOCILayout and toOCIArchive of an image with annotations and SBOMs: the
manifest carries the annotations, the SBOMs are artifacts about it in blobs/,
reached from index.json's entry, and skopeo, umoci and podman 4.3 (which refuses
an index of two manifests) still read the image."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import LIB, PODMAN_RUN, nix_build, require, run  # noqa: E402
from test_supply_push import ANNOTATED, EXPECTED  # noqa: E402


def _blob(layout: Path, digest: str) -> bytes:
    return (layout / "blobs" / "sha256" / digest.removeprefix("sha256:")).read_bytes()


def test_layout_carries_annotations_and_sboms(tmp_path: Path) -> None:
    require("skopeo", "umoci")
    layout = nix_build(f"{LIB}.toOCILayout {ANNOTATED}")
    index = json.loads((layout / "index.json").read_text())
    assert len(index["manifests"]) == 1
    entry = index["manifests"][0]
    manifest = json.loads(run(["skopeo", "inspect", "--raw", f"oci:{layout}:1"]).stdout)
    assert manifest["annotations"] == EXPECTED
    referrers = json.loads(_blob(layout, entry["annotations"]["stowage.referrers"]))
    documents = {"application/spdx+json": nix_build(f"({ANNOTATED}).sbom").read_bytes(),
                 "application/vnd.cyclonedx+json": nix_build(f"({ANNOTATED}).sbomCycloneDX").read_bytes()}
    assert sorted(r["artifactType"] for r in referrers["manifests"]) == sorted(documents)
    for descriptor in referrers["manifests"]:
        artifact = json.loads(_blob(layout, descriptor["digest"]))
        assert artifact["subject"]["digest"] == entry["digest"]
        assert _blob(layout, artifact["layers"][0]["digest"]) == documents[artifact["artifactType"]]
    run(["umoci", "unpack", "--image", f"{layout}:1", str(tmp_path / "bundle")])
    assert (tmp_path / "bundle" / "rootfs" / "bin" / "sh").exists()
    copied = tmp_path / "copied"
    run(["skopeo", "copy", "-q", f"oci:{layout}:1", f"oci:{copied}:1"])
    assert json.loads(run(["skopeo", "inspect", "--raw", f"oci:{copied}:1"]).stdout)["annotations"] == EXPECTED


def test_archive_with_sboms_loads_in_podman(podman: str) -> None:
    archive = nix_build(f"{LIB}.toOCIArchive {ANNOTATED}")
    loaded = run([podman, "load", "-i", str(archive)]).stdout
    assert "supply/app:1" in loaded
    assert run([*PODMAN_RUN, "localhost/supply/app:1", "/bin/sh", "-c", "echo ok"]).stdout == "ok\n"
