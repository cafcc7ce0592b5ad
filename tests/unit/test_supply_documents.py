"""The SBOM inventory, referrers indexes and layer scanning, on values the tests write."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from stowage.contract.plan import BlobLayer, ImagePlan, Owner, StoreLayer
from stowage.errors import UserError
from stowage.store.closure import GraphNode
from stowage.supply import cyclonedx, inventory, layer_paths, referrers, spdx
from stowage.supply.referrers import Attachment

A = "/nix/store/" + "a" * 32 + "-lib-a-1.2"
B = "/nix/store/" + "b" * 32 + "-app-0.3"
OUTSIDE = "/nix/store/" + "c" * 32 + "-e2e-conf"
NAR = "sha256:" + "0" * 63 + "1"


def _tar(path: Path, names: list[str]) -> None:
    with tarfile.open(path, "w") as tar:
        for name in names:
            info = tarfile.TarInfo(name)
            tar.addfile(info, io.BytesIO(b""))


def _plan(custom: Path) -> ImagePlan:
    return ImagePlan(
        repo_tag="reg:5000/team/app:1", created="1970-01-01T00:00:01Z", mtime="1970-01-01T00:00:01Z",
        architecture="amd64", variant=None, config={}, owner=Owner(0, 0, "root", "root"), store_dir="/nix/store",
        base=None, store_layers=(StoreLayer((B,)),), customisation_layer=BlobLayer(str(custom), "sha256:" + "0" * 64, 0),
    )


def _graph() -> list[GraphNode]:
    return [GraphNode(A, NAR, 1, (A,)), GraphNode(B, NAR, 1, (A, OUTSIDE)), GraphNode(OUTSIDE, NAR, 1, ())]


def test_inventory_lists_the_layers_paths_and_the_customisation_layers(tmp_path: Path) -> None:
    custom = tmp_path / "layer.tar"
    _tar(custom, ["./nix/store/" + A.rsplit("/", 1)[1] + "/lib/x", "etc/passwd", "nix", "nix/store"])
    found = inventory.of_plan(_plan(custom), _graph(), "1970-01-01T00:00:01Z")
    assert [p.path for p in found.packages] == [A, B]
    assert [p.references for p in found.packages] == [(), (A,)]  # self and outside references dropped
    assert (found.image_name, found.image_tag) == ("reg:5000/team/app", "1")
    assert found.roots() == (B,)
    doc = json.loads(spdx.document(found))
    assert doc["documentNamespace"].startswith(spdx.NAMESPACE_ROOT + "reg:5000/team/app-")
    assert json.loads(cyclonedx.document(found))["serialNumber"].startswith("urn:uuid:")


def test_a_path_missing_from_the_graph_is_refused(tmp_path: Path) -> None:
    custom = tmp_path / "layer.tar"
    _tar(custom, [])
    with pytest.raises(UserError, match="lacks"):
        inventory.of_plan(_plan(custom), _graph()[:1], "1970-01-01T00:00:01Z")


def test_layer_paths_of_a_broken_tar(tmp_path: Path) -> None:
    broken = tmp_path / "broken.tar"
    broken.write_bytes(b"not a tar" * 100)
    with pytest.raises(UserError, match="cannot read the layer"):
        layer_paths.store_paths(str(broken), "/nix/store")


def test_referrers_index_keeps_what_it_had_and_adds_once() -> None:
    subject = {"mediaType": referrers.OCI_MANIFEST, "digest": "sha256:" + "1" * 64, "size": 10}
    attachment = Attachment("application/spdx+json", b"{}")
    manifest = referrers.artifact_manifest(attachment, subject, {})
    descriptor = referrers.referrer_descriptor(manifest, attachment, {})
    other = {"mediaType": referrers.OCI_MANIFEST, "digest": "sha256:" + "2" * 64, "size": 5}
    once = json.loads(referrers.merged_index({"manifests": [other]}, [descriptor]))
    twice = json.loads(referrers.merged_index(once, [descriptor]))
    assert once == twice and [m["digest"] for m in once["manifests"]] == [other["digest"], descriptor["digest"]]
    assert json.loads(manifest)["subject"] == subject
    assert referrers.tag_of(subject["digest"]) == "sha256-" + "1" * 64
    with pytest.raises(UserError, match="other than an image index"):
        referrers.merged_index({"layers": []}, [descriptor])


def test_attach_arguments(tmp_path: Path) -> None:
    from stowage.cli.copy_to_registry import _attachments

    document = tmp_path / "sbom.json"
    document.write_bytes(b"{}")
    found = _attachments([f"application/spdx+json={document}", f"2:application/vnd.in-toto+json={document}"],
                         frozenset())
    assert {n: [a.media_type for a in found[n]] for n in found} == {1: ["application/spdx+json"], 2: ["application/vnd.in-toto+json"]}
    assert _attachments([f"2:application/vnd.in-toto+json={document}"], frozenset({referrers.IN_TOTO})) == {}
    for bad in ("application/spdx+json", f"x:application/spdx+json={document}", f"=={document}"):
        with pytest.raises(UserError, match="--attach takes"):
            _attachments([bad], frozenset())
    with pytest.raises(UserError, match="cannot read the attached document"):
        _attachments([f"application/spdx+json={tmp_path / 'missing'}"], frozenset())
