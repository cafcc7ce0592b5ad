"""The modes under Nix's sandbox: host mode is refused by Nix itself under
`sandbox = true` and builds under `sandbox = relaxed`; the nixpkgs stand-in's
packages are real, self-contained programs that run in an image."""

from __future__ import annotations

import pytest

from conftest import REPO, host_mode_only, nixpkgs_mode_only, require, run

pytestmark = pytest.mark.e2e

HOST_IMAGE = f"import {REPO}/examples/hello.nix {{ }}"


def _nix_build(sandbox: str, expr: str, *extra: str, check: bool = True) -> str:
    require("nix-build")
    command = ["nix-build", "--no-out-link", "--option", "substituters", "", "--option", "sandbox", sandbox]
    result = run([*command, "-E", expr, *extra], check=check)
    return result.stdout.strip() if check else result.stderr


@host_mode_only("it is about host mode's derivations")
def test_host_mode_is_refused_by_a_strict_sandbox() -> None:
    # An image of its own, so that it is never built (and Nix has to try).
    never_built = f'(import {REPO} {{ }}).buildLayeredImage {{ name = "refused-by-the-sandbox"; }}'
    stderr = _nix_build("true", never_built, check=False)
    assert "has '__noChroot' set, but that's not allowed when 'sandbox' is 'true'" in stderr


@host_mode_only("it is about host mode's derivations")
def test_host_mode_builds_under_a_relaxed_sandbox() -> None:
    _nix_build("relaxed", HOST_IMAGE)
    _nix_build("relaxed", HOST_IMAGE, "--check")  # built again, under the relaxed sandbox


@nixpkgs_mode_only("it runs the stand-in's own packages")
def test_stand_in_hello_runs_from_its_store_path(docker: str) -> None:
    # Debian's GNU hello, its interpreter and libc pointed into the store.
    stand_in = f"import {REPO}/tests/nixpkgs-stand-in {{ }}"
    expr = f"let pkgs = {stand_in}; in import {REPO}/examples/hello.nix {{ stowage = import {REPO} {{ inherit pkgs; }}; packages = pkgs; }}"
    image = _nix_build("true", expr)
    loaded = run([docker, "load", "-i", image]).stdout.strip().rsplit("Loaded image: ", 1)[-1]
    assert run([docker, "run", "--rm", "--network", "none", loaded]).stdout == "Hello, world!\n"
    interpreter = run(["patchelf", "--print-interpreter", f"{_nix_build('true', f'({stand_in}).hello')}/bin/hello"])
    assert interpreter.stdout.startswith("/nix/store/") and "glibc" in interpreter.stdout
