"""override and overrideAttrs on every builder's result, as nixpkgs users call them,
and the attributes nixpkgs' results carry (stream, streamScript, conf), at
evaluation time: what each override changes is read back from the requests
the derivations carry."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import REPO, nix_eval

LIB = f"(import {REPO} {{ }})"
DIGEST = "sha256:" + "0" * 64
FAKE = "sha256-" + "A" * 43 + "="
BASE = f'{LIB}.buildImage {{ name = "base"; tag = "b"; }}'

# builder -> (call, an argument to change, its new value, how to read it back)
BUILDERS: dict[str, tuple[str, str, str, str]] = {
    "buildImage": (f'{LIB}.buildImage {{ name = "a"; tag = "t"; }}', "tag", '"x"', "r.imageTag"),
    "buildImageWithNixDb": (f'{LIB}.buildImageWithNixDb {{ name = "a"; tag = "t"; }}', "tag", '"x"', "r.imageTag"),
    "buildLayeredImage": (f'{LIB}.buildLayeredImage {{ name = "a"; tag = "t"; }}', "tag", '"x"', "r.imageTag"),
    "buildLayeredImageWithNixDb": (f'{LIB}.buildLayeredImageWithNixDb {{ name = "a"; tag = "t"; }}', "tag", '"x"', "r.imageTag"),
    "streamLayeredImage": (f'{LIB}.streamLayeredImage {{ name = "a"; tag = "t"; }}', "tag", '"x"', "r.imageTag"),
    "exportImage": (f"{LIB}.exportImage {{ fromImage = {BASE}; }}", "name", '"x.tar"', "r.name"),
    "pullImage": (
        f'{LIB}.pullImage {{ imageName = "a"; imageDigest = "{DIGEST}"; hash = "{FAKE}"; }}',
        "finalImageTag", '"x"', "r.imageTag",
    ),
}


def _eval(call: str, body: str) -> Any:
    return nix_eval(f"let r = {call}; in {body}")


@pytest.mark.parametrize("builder", BUILDERS)
def test_override_changes_an_argument(builder: str) -> None:
    call, arg, value, read = BUILDERS[builder]
    got = _eval(f"({call}).override {{ {arg} = {value}; }}", read)
    assert got == nix_eval(value) and got != _eval(call, read)


@pytest.mark.parametrize("builder", BUILDERS)
def test_override_takes_a_function_of_the_old_arguments(builder: str) -> None:
    call, arg, value, read = BUILDERS[builder]
    assert _eval(f"({call}).override (old: {{ {arg} = {value}; }})", read) == nix_eval(value)


@pytest.mark.parametrize("builder", BUILDERS)
@pytest.mark.parametrize("form", ["old: ", "final: prev: "])
def test_override_attrs_sets_an_argument(builder: str, form: str) -> None:
    call, arg, value, read = BUILDERS[builder]
    assert _eval(f"({call}).overrideAttrs ({form}{{ {arg} = {value}; }})", read) == nix_eval(value)


@pytest.mark.parametrize("builder", BUILDERS)
def test_overrides_keep_each_others_changes_and_passthru(builder: str) -> None:
    call, arg, value, read = BUILDERS[builder]
    chained = (
        f"(({call}).overrideAttrs (old: {{ passthru = old.passthru // {{ extra = 1; }}; meta.x = 2; }}))"
        f".override {{ {arg} = {value}; }}"
    )
    assert _eval(chained, f"[ ({read}) r.extra r.passthru.extra r.meta.x ]") == [nix_eval(value), 1, 1, 2]
    again = f"(({call}).override {{ {arg} = {value}; }}).overrideAttrs (_: {{ passthru.y = 3; }})"
    assert _eval(again, f"[ ({read}) r.y ]") == [nix_eval(value), 3]


def test_override_attrs_final_sees_the_final_attributes() -> None:
    call = f'{LIB}.streamLayeredImage {{ name = "a"; tag = "t"; }}'
    got = _eval(f'({call}).overrideAttrs (final: prev: {{ tag = "v"; passthru.seen = final.tag + prev.tag; }})', "r.seen")
    assert got == "vt"


def test_the_nixpkgs_test_suites_repeated_layer_chain() -> None:
    """`layer.overrideAttrs (_: { fromImage = layer; })` puts the image on itself."""
    expr = f'let layer = {LIB}.buildImage {{ name = "empty"; }}; in layer.overrideAttrs (_: {{ fromImage = layer; }})'
    request = nix_eval(f"({expr}).layerPlan.drvAttrs.stowage")
    assert request["fromImage"] == nix_eval(f'"${{{LIB}.buildImage {{ name = "empty"; }}}}"')


def test_with_nix_db_survives_an_override() -> None:
    for builder in ("buildImageWithNixDb", "buildLayeredImageWithNixDb"):
        call = f'({LIB}.{builder} {{ name = "a"; }}).override {{ tag = "x"; }}'
        assert _eval(call, "r.customisationLayer.drvAttrs.stowage.nixDb") is True


def test_merge_images_override_takes_the_list() -> None:
    merged = f"{LIB}.mergeImages [ ({BASE}) ]"
    two = f'({merged}).override (old: old ++ [ ({LIB}.buildImage {{ name = "c"; }}) ])'
    assert len(_eval(two, "r.drvAttrs.stowage.images")) == 2
    assert len(_eval(f"({merged}).overrideAttrs (old: {{ images = old.images ++ old.images; }})",
                     "r.drvAttrs.stowage.images")) == 2
    assert _eval(f"({merged}).overrideAttrs (_: {{ passthru.p = 1; }})", "r.p") == 1


def test_pull_image_output_hash_through_override_attrs() -> None:
    call = BUILDERS["pullImage"][0]
    got = _eval(f'({call}).overrideAttrs (_: {{ hash = null; outputHash = "{"0" * 52}"; outputHashAlgo = "sha256"; }})',
                "{ inherit (r.drvAttrs) outputHash outputHashAlgo; }")
    assert got == {"outputHash": "0" * 52, "outputHashAlgo": "sha256"}
    sri = _eval(f'{LIB}.pullImage {{ imageName = "a"; imageDigest = "{DIGEST}"; outputHash = "{FAKE}"; }}',
                "[ r.drvAttrs.outputHash (r.drvAttrs.outputHashAlgo or null) ]")
    assert sri == [FAKE, None]


def test_stream_attributes_as_nixpkgs() -> None:
    layered = f'{LIB}.buildLayeredImage {{ name = "a"; compressor = "zstd"; }}'
    got = _eval(layered, "[ (r.stream.imageTag == r.imageTag) (r.stream.conf == r.conf) r.stream.isExe ]")
    assert got == [True, True, True]
    stream = f'{LIB}.streamLayeredImage {{ name = "a"; }}'
    got = _eval(stream, "[ (r.conf.imageTag == r.imageTag) (r.conf.passthru.imageTag == r.imageTag) "
                        "r.streamScript.drvAttrs.stowage.args r.passthru.streamScript.name ]")
    assert got == [True, True, [], "stream"]


@pytest.mark.parametrize("pick", ['fromImageName = null; fromImageTag = "latest";', 'fromImageName = "base";'])
def test_half_a_pick_takes_the_first_image(pick: str) -> None:
    image = f"{LIB}.buildImage {{ name = \"a\"; fromImage = {BASE}; {pick} }}"
    assert _eval(image, "r.layerPlan.drvAttrs.stowage.fromImageTag") is None
    exported = f"{LIB}.exportImage {{ fromImage = {BASE}; {pick} }}"
    assert _eval(exported, "r.drvAttrs.stowage.fromImageTag") is None
    both = f'{LIB}.exportImage {{ fromImage = {BASE}; fromImageName = "base"; fromImageTag = "b"; }}'
    assert _eval(both, "r.drvAttrs.stowage.fromImageTag") == "base:b"


def test_debug_reaches_the_plan_only_when_set() -> None:
    for builder in ("buildLayeredImage", "streamLayeredImage"):
        plain = f'{LIB}.{builder} {{ name = "a"; }}'
        assert _eval(plain, 'r.layerPlan.drvAttrs.stowage ? debug') is False
        assert _eval(f"({plain}).override {{ debug = true; }}", "r.layerPlan.drvAttrs.stowage.debug") is True
        assert _eval(f"({plain}).override {{ debug = false; }}", "r.layerPlan.drvPath") == _eval(plain, "r.layerPlan.drvPath")
