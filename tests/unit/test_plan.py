"""The image plan document (stowage.contract.plan): round trip and strict parsing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from stowage.contract import plan
from stowage.errors import UserError
from stowage.contract.plan import Base, BlobLayer, ImagePlan, Owner, StoreLayer

PLAN = ImagePlan(
    repo_tag="registry.example.com/app:1.0",
    created="1970-01-01T00:00:01Z",
    mtime="now",
    architecture="arm64",
    variant="v8",
    config={"Cmd": ["/bin/app"], "Env": ["A=é"], "Labels": {"b": "2", "a": "1"}},
    owner=Owner(1000, 100, "alice", "users"),
    store_dir="/nix/store",
    base=Base(
        "/nix/store/aaa-base.tar.gz",
        (BlobLayer("blobs/sha256/11", "sha256:" + "1" * 64, 2048),),
        ({"created": "2020-01-01T00:00:00Z", "created_by": "ADD"}, {"empty_layer": True}),
    ),
    store_layers=(
        StoreLayer(("/nix/store/bbb-glibc", "/nix/store/ccc-zlib")),
        StoreLayer(("/nix/store/ddd-app",), "sha256:" + "d" * 64, 10240),
    ),
    customisation_layer=BlobLayer("/nix/store/eee-custom/layer.tar", "sha256:" + "2" * 64, 10240),
)


def document() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(PLAN.to_json())
    return doc


def test_round_trip() -> None:
    assert plan.parse(json.loads(PLAN.to_json())) == PLAN


def test_round_trip_without_base_or_variant() -> None:
    simple = ImagePlan(**{**PLAN.__dict__, "base": None, "variant": None, "store_layers": ()})
    assert plan.parse(json.loads(simple.to_json())) == simple


def test_a_layer_says_why_its_paths_are_together_when_it_was_grouped() -> None:
    reasoned = StoreLayer(("/nix/store/bbb-glibc",), reason="own layer: 12.9 MiB used by 52 paths")
    with_reason = ImagePlan(**{**PLAN.__dict__, "store_layers": (reasoned,)})
    doc = json.loads(with_reason.to_json())
    assert doc["storeLayers"][0]["reason"] == "own layer: 12.9 MiB used by 52 paths"
    assert plan.parse(doc) == with_reason


def test_the_document_is_canonical_and_versioned() -> None:
    data = PLAN.to_json()
    assert data == json.dumps(document(), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert document()["version"] == plan.VERSION == 2
    assert document()["storeLayers"] == [
        {"paths": ["/nix/store/bbb-glibc", "/nix/store/ccc-zlib"], "diffId": None, "size": None},
        {"paths": ["/nix/store/ddd-app"], "diffId": "sha256:" + "d" * 64, "size": 10240},
    ]
    assert document()["customisationLayer"] == {
        "tar": "/nix/store/eee-custom/layer.tar", "diffId": "sha256:" + "2" * 64, "size": 10240,
    }


@pytest.mark.parametrize("version", [0, 1, "2", None])
def test_another_version_is_refused(version: object) -> None:
    doc = document()
    doc["version"] = version
    shown = json.dumps(version)
    with pytest.raises(UserError, match=f"^the image plan \\(plan.json\\) has version {shown}, but this program reads version 2"):
        plan.parse(doc)


def test_an_unknown_key_is_refused() -> None:
    doc = document()
    doc["maxLayers"] = 100
    with pytest.raises(UserError, match=r"^the image plan \(plan.json\) has the unknown key maxLayers; got 100\."):
        plan.parse(doc)


def test_a_missing_key_is_refused() -> None:
    doc = document()
    del doc["storeDir"]
    with pytest.raises(UserError, match=r"^the image plan \(plan.json\) has no storeDir \(a string\)"):
        plan.parse(doc)


def test_errors_name_the_reader_when_given() -> None:
    doc = document()
    del doc["storeDir"]
    with pytest.raises(UserError, match=r"^stream: the image plan \(plan.json\) has no storeDir"):
        plan.parse(doc, "stream")


@pytest.mark.parametrize("where", ["owner", "base", "customisationLayer"])
def test_nested_objects_are_strict_too(where: str) -> None:
    doc = document()
    doc[where]["extra"] = 1
    with pytest.raises(UserError, match=f"has the unknown key {where}.extra; got 1"):
        plan.parse(doc)


def test_a_base_layer_with_a_wrong_key_is_refused() -> None:
    doc = document()
    doc["base"]["layers"][0]["tar"] = doc["base"]["layers"][0].pop("member")
    with pytest.raises(UserError, match=r"has the unknown key base\.layers\[0\]\.tar"):
        plan.parse(doc)


def test_a_document_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(UserError, match=r"^the image plan \(plan.json\) must be a JSON object; got \["):
        plan.parse([document()])


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda d: d.__setitem__("storeLayers", "abc"), 'storeLayers must be a list of which each item is an object with the keys paths, diffId, size, reason, listing; got "abc"'),
        (lambda d: d["storeLayers"][1].__setitem__("size", "12"), r'storeLayers\[1\]\.size must be an integer or null; got "12"'),
        (lambda d: d["owner"].__setitem__("uname", 0), "owner.uname must be a string; got 0"),
        (lambda d: d["owner"].__setitem__("uid", True), "owner.uid must be an integer; got true"),
        (lambda d: d["storeLayers"][0].__setitem__("paths", [1]), r"storeLayers\[0\]\.paths\[0\] must be a string; got 1"),
        (lambda d: d["storeLayers"][0].__setitem__("reason", 3), r"storeLayers\[0\]\.reason must be a string or null; got 3"),
        (lambda d: d.__setitem__("config", []), "config must be a JSON object; got"),
    ],
)
def test_values_of_the_wrong_type_are_refused(edit: Any, message: str) -> None:
    doc = document()
    edit(doc)
    with pytest.raises(UserError, match=message):
        plan.parse(doc)
