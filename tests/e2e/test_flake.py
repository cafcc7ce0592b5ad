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
# As Hydra and nixpkgs' CI evaluate: the defaults must not need it.
NO_IFD = ["--option", "allow-import-from-derivation", "false"]


def _check_all_systems() -> list[str]:
    """`nix flake check` for every system: Nix before 2.14 always evaluates every
    system and has no --all-systems; later versions need the flag."""
    help_text = run([*NIX, "flake", "check", "--help"], check=False).stdout
    return ["--all-systems"] if "--all-systems" in help_text else []


def _packages_of(show: dict) -> dict[str, set[str]]:
    return {system: set(names) for system, names in show["packages"].items()}


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
    show = run([*NIX, "flake", "show", "--json", *NO_IFD, ref]).stdout
    outputs = json.loads(show)
    assert {"lib", "overlays", "packages", "checks"} <= outputs.keys()
    systems = ("x86_64-linux", "aarch64-linux")
    assert _packages_of(outputs) == {s: {"hello", "hello-stream", "nix-prefetch-docker"} for s in systems}
    assert {s: set(apps) for s, apps in outputs["apps"].items()} == {s: {"nix-prefetch-docker"} for s in systems}
    run([*NIX, "flake", "check", *_check_all_systems(), *NO_IFD, ref])
    built = json.loads(run([*NIX, "build", "--no-link", "--json", f"{ref}#hello"]).stdout)
    image = Path(built[0]["outputs"]["out"])
    assert image.name.endswith("hello.tar.gz")
    usage = run([*NIX, "run", f"{ref}#nix-prefetch-docker", "--", "--json"], check=False)
    assert usage.returncode == 1 and usage.stderr.endswith("nix-prefetch-docker: error: no image given; "
                                                            "give IMAGE_NAME [TAG|DIGEST], e.g. nix-prefetch-docker nginx 1.27\n")


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
def test_consumer_flake_shows_checks_and_builds_an_image(tmp_path: Path) -> None:
    require("nix")
    ref = _flake_ref(tmp_path)
    consumer = tmp_path / "consumer"
    consumer.mkdir()
    shutil.copy(REPO / "tests" / "consumer-flake" / "flake.nix", consumer / "flake.nix")
    given = ["--no-write-lock-file", "--override-input", "stowage", ref]
    show = json.loads(run([*NIX, "flake", "show", "--json", *NO_IFD, *given, f"path:{consumer}"]).stdout)
    assert _packages_of(show) == {s: {"default", "stream", "base"} for s in ("x86_64-linux", "aarch64-linux")}
    run([*NIX, "flake", "check", *_check_all_systems(), *NO_IFD, *given, f"path:{consumer}"])
    built = run([*NIX, "build", "--no-link", "--json", *given, f"path:{consumer}"]).stdout
    image = Path(json.loads(built)[0]["outputs"]["out"])
    with tarfile.open(image) as archive:
        manifest = json.load(archive.extractfile("manifest.json"))  # type: ignore[arg-type]
        assert manifest[0]["RepoTags"] == ["consumer:latest"]
        top = tarfile.open(fileobj=archive.extractfile(manifest[0]["Layers"][-1]))
        with top:
            assert "etc/greeting" in top.getnames()
