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
    with pytest.raises(UserError, match=f"the image plan has version {version!r}, but this program reads version 2"):
        plan.parse(doc)


def test_an_unknown_key_is_refused() -> None:
    doc = document()
    doc["maxLayers"] = 100
    with pytest.raises(UserError, match=r"the image plan does not match its schema: missing \[\], unknown \['maxLayers'\]"):
        plan.parse(doc)


def test_a_missing_key_is_refused() -> None:
    doc = document()
    del doc["storeDir"]
    with pytest.raises(UserError, match=r"missing \['storeDir'\], unknown \[\]"):
        plan.parse(doc)


@pytest.mark.parametrize(
    ("where", "what"),
    [
        (("owner",), "the plan's owner"),
        (("base",), "the plan's base"),
        (("customisationLayer",), "a layer of the image plan"),
    ],
)
def test_nested_objects_are_strict_too(where: tuple[str, ...], what: str) -> None:
    doc = document()
    doc[where[0]]["extra"] = 1
    with pytest.raises(UserError, match=f"{what} does not match its schema: .*unknown \\['extra'\\]"):
        plan.parse(doc)


def test_a_base_layer_with_a_wrong_key_is_refused() -> None:
    doc = document()
    doc["base"]["layers"][0]["tar"] = doc["base"]["layers"][0].pop("member")
    with pytest.raises(UserError, match=r"a layer of the image plan does not match its schema: missing \['member'\], unknown \['tar'\]"):
        plan.parse(doc)


def test_a_document_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(UserError, match="the image plan has version"):
        plan.parse([document()])



@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda d: d.__setitem__("storeLayers", "abc"), "storeLayers of the image plan must be a list"),
        (lambda d: d["storeLayers"][1].__setitem__("size", "12"), "size of a store layer of the image plan must be an integer"),
        (lambda d: d["owner"].__setitem__("uname", 0), "the plan's uname must be a string"),
        (lambda d: d["owner"].__setitem__("uid", True), "the plan's uid must be an integer"),
        (lambda d: d["storeLayers"][0].__setitem__("paths", [1]), "an item of paths of a store layer"),
        (lambda d: d["storeLayers"][0].__setitem__("reason", 3), "reason of a store layer of the image plan must be a string"),
    ],
)
def test_values_of_the_wrong_type_are_refused(edit: Any, message: str) -> None:
    doc = document()
    edit(doc)
    with pytest.raises(UserError, match=message):
        plan.parse(doc)
