"""Annotations and attached SBOMs, read back by tools we did not write: skopeo
(`inspect --raw`) and Debian's docker-registry (distribution 2.8, which has no
referrers API: the attachments are found through the referrers tag schema)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Iterator

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import NIX_OPTIONS, REPO, nix_build, require, run  # noqa: E402
from registry_server import Registry, _request, serving  # noqa: E402
import sbom_validators  # noqa: E402

ANNOTATED = f"(import {REPO}/tests/e2e/supply-images.nix {{ }}).annotated"
EXPECTED = {
    "org.opencontainers.image.created": "1970-01-01T00:00:01Z",
    "org.opencontainers.image.source": "https://example.org/app",
    "org.opencontainers.image.revision": "0123abc",
    "org.opencontainers.image.version": "1.0",
}


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    with serving(tmp_path_factory.mktemp("registry-supply")) as server:
        yield server


def _raw(reference: str) -> dict:
    require("skopeo")
    return json.loads(run(["skopeo", "inspect", "--raw", "--tls-verify=false", f"docker://{reference}"]).stdout)


def _push(registry: Registry, destination: str, *flags: str) -> str:
    """Push the annotated image; return the manifest digest it printed."""
    out = run([str(nix_build(f"({ANNOTATED}).copyToRegistry")), "--tls-verify=false", *flags,
               f"{registry.host}/{destination}"]).stdout.strip()
    return out.rpartition("@")[2]


def test_annotations_are_in_the_pushed_manifest(registry: Registry) -> None:
    digest = _push(registry, "supply/app:1", "--no-sbom")
    manifest = _raw(f"{registry.host}/supply/app:1")
    assert manifest["annotations"] == EXPECTED
    config = json.loads(run(["skopeo", "inspect", "--config", "--tls-verify=false",
                             f"docker://{registry.host}/supply/app@{digest}"]).stdout)
    assert config["config"]["Labels"] == {"owner": "team"}  # labels stay the user's


def test_sboms_are_found_through_the_referrers_tag(registry: Registry) -> None:
    digest = _push(registry, "supply/attached:1")
    _push(registry, "supply/attached:1")  # again: no attachment listed twice
    index = _raw(f"{registry.host}/supply/attached:{digest.replace(':', '-')}")
    assert index["mediaType"] == "application/vnd.oci.image.index.v1+json"
    kinds = sorted(m["artifactType"] for m in index["manifests"])
    assert kinds == ["application/spdx+json", "application/vnd.cyclonedx+json", "application/vnd.in-toto+json"]
    documents = {"application/spdx+json": nix_build(f"({ANNOTATED}).sbom"),
                 "application/vnd.cyclonedx+json": nix_build(f"({ANNOTATED}).sbomCycloneDX"),
                 "application/vnd.in-toto+json": nix_build(f"({ANNOTATED}).provenance")}
    for entry in index["manifests"]:
        artifact = _raw(f"{registry.host}/supply/attached@{entry['digest']}")
        assert artifact["subject"]["digest"] == digest
        assert artifact["artifactType"] == entry["artifactType"]
        assert artifact["config"]["mediaType"] == "application/vnd.oci.empty.v1+json"
        layer = artifact["layers"][0]
        body, _ = _request(registry, "GET", f"/v2/supply/attached/blobs/{layer['digest']}")
        assert body == documents[entry["artifactType"]].read_bytes()


def test_no_provenance_attaches_the_sboms_only(registry: Registry) -> None:
    digest = _push(registry, "supply/sboms-only:1", "--no-provenance")
    index = _raw(f"{registry.host}/supply/sboms-only:{digest.replace(':', '-')}")
    assert sorted(m["artifactType"] for m in index["manifests"]) == ["application/spdx+json", "application/vnd.cyclonedx+json"]


def test_no_sbom_pushes_the_image_alone(registry: Registry) -> None:
    digest = _push(registry, "supply/bare:1", "--no-sbom")
    result = run(["skopeo", "inspect", "--raw", "--tls-verify=false",
                  f"docker://{registry.host}/supply/bare:{digest.replace(':', '-')}"], check=False)
    assert result.returncode != 0 and "manifest unknown" in result.stderr


def test_provenance_is_about_the_pushed_manifest(registry: Registry) -> None:
    digest = _push(registry, "supply/provenance:1")
    document = nix_build(f"({ANNOTATED}).provenance")
    assert sbom_validators.provenance(document)["problems"] == []
    statement = json.loads(document.read_text())
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["predicateType"] == "https://slsa.dev/provenance/v1"
    assert statement["subject"] == [{"name": "supply/app", "digest": {"sha256": digest.removeprefix("sha256:")}}]
    definition = statement["predicate"]["buildDefinition"]
    drv = json.loads(run(["nix-instantiate", "--eval", "--json", *NIX_OPTIONS, "-E", f"({ANNOTATED}).drvPath"]).stdout)
    assert definition["externalParameters"]["derivation"] == drv
    source, *paths = definition["resolvedDependencies"]
    assert source == {"uri": "https://example.org/app", "name": "source", "annotations": {"revision": "0123abc"}}
    sbom = json.loads(nix_build(f"({ANNOTATED}).sbom").read_text())
    listed = {r["referenceLocator"] for p in sbom["packages"] for r in p.get("externalRefs", [])}
    assert {p["uri"] for p in paths} == listed and listed


def test_multi_arch_images_have_their_own_attachments(registry: Registry) -> None:
    launcher = nix_build(f"(import {REPO}/tests/e2e/push-images.nix {{ }}).multi.copyToRegistry")
    run([str(launcher), "--tls-verify=false", "--no-provenance", f"{registry.host}/supply/multi:1"])
    index = _raw(f"{registry.host}/supply/multi:1")
    assert len(index["manifests"]) == 2
    subjects = set()
    for entry in index["manifests"]:
        listed = _raw(f"{registry.host}/supply/multi:{entry['digest'].replace(':', '-')}")
        assert sorted(m["artifactType"] for m in listed["manifests"]) == ["application/spdx+json", "application/vnd.cyclonedx+json"]
        for artifact in listed["manifests"]:
            subjects.add(_raw(f"{registry.host}/supply/multi@{artifact['digest']}")["subject"]["digest"])
    assert subjects == {entry["digest"] for entry in index["manifests"]}


def test_the_provenance_validator_refuses_a_broken_statement(tmp_path: Path) -> None:
    statement = json.loads(nix_build(f"({ANNOTATED}).provenance").read_text())
    statement["predicate"]["buildDefinition"]["resolvedDependency"] = []  # a field SLSA does not have
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(statement))
    assert sbom_validators.provenance(broken)["problems"]
    del statement["predicate"]["buildDefinition"]["resolvedDependency"]
    statement["subject"][0]["digest"] = {}
    broken.write_text(json.dumps(statement))
    assert sbom_validators.provenance(broken)["problems"]


def test_multi_arch_index_annotations(registry: Registry) -> None:
    multi = (f"(import {REPO}/tests/e2e/mode.nix {{ }}).stowage.buildMultiArchImage {{ name = \"supply/annotated-multi\"; "
             f"images = (import {REPO}/tests/e2e/push-images.nix {{ }}).multi.images; "
             'annotations."org.opencontainers.image.source" = "https://example.org/multi"; }')
    run([str(nix_build(f"({multi}).copyToRegistry")), "--tls-verify=false", "--no-sbom",
         f"{registry.host}/supply/annotated-multi:1"])
    index = _raw(f"{registry.host}/supply/annotated-multi:1")
    assert index["annotations"] == {"org.opencontainers.image.source": "https://example.org/multi"}
    for entry in index["manifests"]:  # each image's own manifest keeps its own annotations
        image = _raw(f"{registry.host}/supply/annotated-multi@{entry['digest']}")
        assert image["annotations"]["org.opencontainers.image.created"] == "1970-01-01T00:00:01Z"
