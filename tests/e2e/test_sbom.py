"""image.sbom (SPDX 2.3) and image.sbomCycloneDX (CycloneDX 1.5): read back by
spdx-tools and cyclonedx-python-lib, and compared with what the image's layers
hold and with what Nix says of each store path (NAR hash, references)."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest

import sbom_validators
from conftest import NIX_OPTIONS, REPO, mode_expr, nix_build, require, run

IMAGES = f"(import {REPO}/tests/e2e/images.nix {{ }})"


def _layer_store_paths(archive: Path, first_layer: int = 0) -> set[str]:
    """Store paths with a member in the docker-archive's layers (from ``first_layer``)."""
    found: set[str] = set()
    with tarfile.open(archive, "r:*") as outer:
        manifest = json.load(outer.extractfile("manifest.json"))
        for member in manifest[0]["Layers"][first_layer:]:
            with tarfile.open(fileobj=outer.extractfile(member), mode="r:*") as layer:
                for name in layer.getnames():
                    parts = name.removeprefix("./").split("/")
                    if parts[:2] == ["nix", "store"] and len(parts) > 2 and parts[2]:
                        found.add(f"/nix/store/{parts[2]}")
    return found


def _diff_ids(archive: Path) -> list[str]:
    with tarfile.open(archive, "r:*") as outer:
        manifest = json.load(outer.extractfile("manifest.json"))
        return json.load(outer.extractfile(manifest[0]["Config"]))["rootfs"]["diff_ids"]


def _nix_facts(paths: set[str]) -> dict[str, tuple[str, set[str]]]:
    """path -> (NAR SHA-256 in hex, references among ``paths``), as nix-store tells."""
    require("nix-store", "nix-hash")
    facts = {}
    for path in paths:
        nar = run(["nix-store", "-q", "--hash", path]).stdout.strip().removeprefix("sha256:")
        hexdigest = run(["nix-hash", "--type", "sha256", "--to-base16", nar]).stdout.strip()
        refs = set(run(["nix-store", "-q", "--references", path]).stdout.split()) & paths - {path}
        facts[path] = (hexdigest, refs)
    return facts


def _spdx_facts(doc: dict) -> dict[str, tuple[str, set[str]]]:
    by_id = {}
    for package in doc["packages"]:
        refs = [r["referenceLocator"] for r in package.get("externalRefs", []) if r["referenceType"] == "nix-store-path"]
        if refs:
            by_id[package["SPDXID"]] = (refs[0], package["checksums"][0]["checksumValue"])
    deps: dict[str, set[str]] = {path: set() for path, _ in by_id.values()}
    for r in doc["relationships"]:
        if r["relationshipType"] == "DEPENDS_ON":
            deps[by_id[r["spdxElementId"]][0]].add(by_id[r["relatedSpdxElement"]][0])
    return {path: (checksum, deps[path]) for path, checksum in by_id.values()}


def _cyclonedx_facts(doc: dict) -> dict[str, tuple[str, set[str]]]:
    deps = {d["ref"]: set(d["dependsOn"]) for d in doc["dependencies"]}
    facts = {}
    for component in doc["components"]:
        props = {p["name"]: p["value"] for p in component.get("properties", [])}
        if "nix:store_path" in props:
            path = props["nix:store_path"]
            assert component["bom-ref"] == path
            facts[path] = (component["hashes"][0]["content"], deps[path])
    return facts


def _check_image(image: str, first_layer: int = 0) -> tuple[dict, dict]:
    archive = nix_build(image)
    spdx_file = nix_build(f"({image}).sbom")
    cdx_file = nix_build(f"({image}).sbomCycloneDX")
    verdict = sbom_validators.spdx(spdx_file)
    assert verdict["problems"] == []
    assert sbom_validators.cyclonedx(cdx_file)["problems"] == []
    in_layers = _layer_store_paths(archive, first_layer)
    assert in_layers, "the test image should hold store paths"
    expected = _nix_facts(in_layers)
    spdx, cdx = json.loads(spdx_file.read_text()), json.loads(cdx_file.read_text())
    assert _spdx_facts(spdx) == expected
    assert _cyclonedx_facts(cdx) == expected
    return spdx, cdx


def test_documents_validate_and_list_exactly_the_layers_store_paths() -> None:
    spdx, cdx = _check_image(f"{IMAGES}.dag")
    tag = run(["nix-instantiate", "--eval", "--json", *NIX_OPTIONS, "-E", f"{IMAGES}.dag.imageTag"]).stdout
    assert spdx["name"] == f"e2e-dag:{json.loads(tag)}"
    assert spdx["creationInfo"]["created"] == cdx["metadata"]["timestamp"] == "1970-01-01T00:00:01Z"
    names = {(p["name"], p.get("versionInfo")) for p in spdx["packages"]}
    assert ("lib-a", None) in names and ("e2e-dag", json.loads(tag)) in names


@pytest.mark.parametrize("attr", ["dagCached", "explicitLayers", "helloLayered"])
def test_recorded_and_explicit_layers_are_listed_too(attr: str) -> None:
    """Layers built by their own derivations (cachedLayers, layers) are in the plan
    as records: their paths are listed like grouped ones."""
    _check_image(f"{IMAGES}.{attr}")


def test_a_base_image_is_described_by_its_layers() -> None:
    """buildImage on fromImage: its own layer's store paths as packages (what its copied
    item refers to, less what the base holds), the base's layers
    (with their diff_ids) as the base's configuration lists them."""
    base_layers = _diff_ids(nix_build(f"{IMAGES}.dag"))
    image = mode_expr(
        f"let images = {IMAGES}; dep = script \"dep-lib-3.1\" \"mkdir -p $out; echo ${{images.libA}} > $out/a\";\n"
        "  extra = script \"extra-tool-2.0\" \"mkdir -p $out; echo ${dep} > $out/x\";\n"
        'in stowage.buildImage { name = "e2e-sbom-bi"; tag = "1"; compressor = "none"; '
        "fromImage = images.dag; copyToRoot = [ extra ]; }"
    )
    spdx, cdx = _check_image(image, first_layer=len(base_layers))
    assert {(p["name"], p.get("versionInfo")) for p in spdx["packages"]} >= {("dep-lib", "3.1")}
    described = [p["checksums"][0]["checksumValue"] for p in spdx["packages"] if p["SPDXID"].startswith("SPDXRef-BaseLayer-")]
    assert described == [d.removeprefix("sha256:") for d in base_layers]
    components = [c["hashes"][0]["content"] for c in cdx["components"] if c["bom-ref"].startswith("base-layer-")]
    assert components == described


def test_documents_are_reproducible() -> None:
    for attr in ("sbom", "sbomCycloneDX"):
        expr = f"{IMAGES}.dag.{attr}"
        first = nix_build(expr).read_bytes()
        nix_build(expr, "--check")  # built again: the same bytes, or Nix fails
        assert nix_build(expr).read_bytes() == first


def test_the_validators_refuse_a_broken_document(tmp_path: Path) -> None:
    """The validators are seen failing: a document without its checksums' algorithm."""
    spdx = json.loads(nix_build(f"{IMAGES}.dag.sbom").read_text())
    spdx["packages"][1]["checksums"][0]["algorithm"] = "NAR"
    spdx["relationships"][0]["relationshipType"] = "IS_SOMETHING"
    broken = tmp_path / "broken.spdx.json"
    broken.write_text(json.dumps(spdx))
    try:
        verdict = sbom_validators.spdx(broken)
    except AssertionError:
        verdict = {"problems": ["refused while parsing"]}
    assert verdict["problems"]
    cdx = json.loads(nix_build(f"{IMAGES}.dag.sbomCycloneDX").read_text())
    cdx["components"][0]["hashes"][0]["alg"] = "NAR"
    broken = tmp_path / "broken.cdx.json"
    broken.write_text(json.dumps(cdx))
    try:
        verdict = sbom_validators.cyclonedx(broken)
    except AssertionError:
        verdict = {"problems": ["refused while parsing"]}
    assert verdict["problems"]
