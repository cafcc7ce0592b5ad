"""The flake: its outputs evaluate offline, and a consumer flake builds an image."""

from __future__ import annotations

import json
import shutil
import tarfile
from pathlib import Path

import pytest

from conftest import NIX_OPTIONS, REPO, host_mode_only, require, run

pytestmark = pytest.mark.e2e

NIX = ["nix", "--extra-experimental-features", "nix-command flakes", *NIX_OPTIONS]


def _flake_ref(tmp_path: Path) -> str:
    """The checkout as a path: flake (a copy, so uncommitted files count too)."""
    copy = tmp_path / "stowage"
    shutil.copytree(REPO, copy, ignore=shutil.ignore_patterns(".git", "__pycache__", "result*", ".pytest_cache", "out"))
    return f"path:{copy}"

# The flake has no nixpkgs input: its packages and the consumer flake's image are host-mode builds.
HOST_BUILDS = "the flake's packages and the consumer flake's image are host-mode builds"


@host_mode_only(HOST_BUILDS)
def test_flake_outputs_evaluate_and_build(tmp_path: Path) -> None:
    require("nix")
    ref = _flake_ref(tmp_path)
    show = run([*NIX, "flake", "show", "--json", ref]).stdout
    outputs = json.loads(show)
    assert {"lib", "overlays", "packages", "checks"} <= outputs.keys()
    built = json.loads(run([*NIX, "build", "--no-link", "--json", f"{ref}#hello"]).stdout)
    image = Path(built[0]["outputs"]["out"])
    assert image.name.endswith("hello.tar.gz")


def test_flake_overlay_and_mk_docker_tools(tmp_path: Path) -> None:
    require("nix")
    ref = _flake_ref(tmp_path)
    expr = (
        f'let f = builtins.getFlake "{ref}"; '
        'pkgs = { stdenv.hostPlatform.system = "aarch64-linux"; stdenv.buildPlatform.system = "x86_64-linux"; }; '
        "in { overlay = builtins.attrNames (f.overlays.default pkgs pkgs); "
        'tag = (f.lib.mkDockerTools { system = "x86_64-linux"; }).streamLayeredImage { name = "x"; tag = "t"; }; }'
    )
    out = json.loads(run([*NIX, "eval", "--json", "--impure", "--expr", f"(({expr}).overlay)"]).stdout)
    assert out == ["stowage"]
    tag = json.loads(run([*NIX, "eval", "--json", "--impure", "--expr", f"(({expr}).tag.imageTag)"]).stdout)
    assert tag == "t"


@host_mode_only(HOST_BUILDS)
def test_consumer_flake_builds_an_image(tmp_path: Path) -> None:
    require("nix")
    ref = _flake_ref(tmp_path)
    consumer = tmp_path / "consumer"
    consumer.mkdir()
    shutil.copy(REPO / "tests" / "consumer-flake" / "flake.nix", consumer / "flake.nix")
    built = run([*NIX, "build", "--no-link", "--json", "--no-write-lock-file",
                 "--override-input", "stowage", ref, f"path:{consumer}"]).stdout
    image = Path(json.loads(built)[0]["outputs"]["out"])
    with tarfile.open(image) as archive:
        manifest = json.load(archive.extractfile("manifest.json"))  # type: ignore[arg-type]
        assert manifest[0]["RepoTags"] == ["consumer:latest"]
        top = tarfile.open(fileobj=archive.extractfile(manifest[0]["Layers"][-1]))
        with top:
            assert "etc/greeting" in top.getnames()
