"""Images made by override and overrideAttrs, built and loaded in Docker: nixpkgs'
test-suite chain `layer.overrideAttrs (_: { fromImage = layer; })`, the stream's
script and conf, buildLayeredImage's stream, and debug's layer plan in the log."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import NIX_OPTIONS, REPO, nix_eval, require, run

pytestmark = pytest.mark.e2e

IMAGES = REPO / "tests" / "e2e" / "override-images.nix"


def build(attr: str) -> Path:
    require("nix-build")
    out = run(["nix-build", "--no-out-link", *NIX_OPTIONS, str(IMAGES), "-A", attr]).stdout
    return Path(out.strip().splitlines()[-1])


def load_file(docker: str, path: Path) -> str:
    with path.open("rb") as handle:
        loaded = run([docker, "load"], stdin=handle).stdout
    return loaded.strip().rsplit("Loaded image: ", 1)[-1].strip()


def load_stream(docker: str, command: list[str]) -> str:
    data = subprocess.run(command, capture_output=True, check=True).stdout
    loaded = run([docker, "load"], input=data).stdout
    return loaded.strip().rsplit("Loaded image: ", 1)[-1].strip()


def docker_run(docker: str, ref: str) -> str:
    return run([docker, "run", "--rm", "--network", "none", ref]).stdout


def test_image_on_itself_has_two_layers(docker: str) -> None:
    ref = load_file(docker, build("repeated"))
    tag = nix_eval(f"(import {IMAGES} {{ }}).repeated.imageTag")
    assert ref == f"ov-empty:{tag}"
    layers = json.loads(run([docker, "image", "inspect", "--format", "{{json .RootFS.Layers}}", ref]).stdout)
    assert len(layers) == 2 and layers[0] == layers[1]
    assert docker_run(docker, ref) == "on itself\n"


def test_override_keeps_override_attrs_changes(docker: str) -> None:
    ref = load_file(docker, build("layeredTwo"))
    assert ref == "ov-layered:2"
    assert docker_run(docker, ref) == "two\n"


def _layers(docker: str, ref: str) -> list[str]:
    out = run([docker, "image", "inspect", "--format", "{{json .RootFS.Layers}}", ref]).stdout
    return list(json.loads(out))


def test_stream_script_with_conf_and_an_overridden_stream(docker: str) -> None:
    script, conf = build("streamScript"), build("conf")
    assert docker_run(docker, load_stream(docker, [str(script), str(conf), "--quiet"])) == "stream\n"
    ref = load_stream(docker, [str(build("streamOnLayered")), "--quiet"])
    assert ref == "ov-stream:on-layered"
    base = _layers(docker, load_file(docker, build("layered")))
    assert _layers(docker, ref)[: len(base)] == base and len(_layers(docker, ref)) > len(base)


def test_layered_images_stream_is_the_same_image(docker: str) -> None:
    def image_id(ref: str) -> str:
        return run([docker, "image", "inspect", "--format", "{{.Id}}", ref]).stdout.strip()

    ref = load_stream(docker, [str(build("layeredStream")), "--quiet"])
    assert ref == "ov-layered:1" and docker_run(docker, ref) == "one\n"
    streamed = image_id(ref)
    run([docker, "rmi", ref])
    assert image_id(load_file(docker, build("layered"))) == streamed


def test_debug_prints_the_layer_plan() -> None:
    plan = build("debugged.layerPlan")
    drv = run(["nix-store", "--query", "--deriver", str(plan)]).stdout.strip()
    log = run(["nix-store", "--read-log", drv]).stdout
    assert "mk-config: store layer 1:" in log and "mk-config: the customisation layer" in log
    busybox = nix_eval(f"(import {REPO}/tests/e2e/mode.nix {{ }}).packages.busybox.name")
    assert "-hello-1.0" in log and f"-{busybox}" in log
    plain = run(["nix-store", "--read-log", run(["nix-store", "--query", "--deriver", str(build("layered.layerPlan"))]).stdout.strip()], check=False)
    assert "store layer" not in plain.stdout
