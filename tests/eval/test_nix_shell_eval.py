"""streamNixShellImage and buildNixShellImage at evaluation time, with the
evaluation-only stand-in pkgs (never built): the derivation's environment as the
image's Env, the command, names, and no import from derivation."""

from __future__ import annotations

from pathlib import Path

from conftest import NIX_OPTIONS, REPO, nix_eval, require, run

HERE = Path(__file__).resolve().parent
PKGS = f'import {HERE}/stand-in-pkgs.nix {{ hostSystem = "x86_64-linux"; }}'
LIB = f"(import {REPO} {{ pkgs = {PKGS}; }})"
DRV = (
    'derivation { name = "app-1.0"; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" "true" ]; '
    'flag = true; off = false; none = null; n = 3; list = [ "a" 1 [ "b" ] ]; str = "text"; passAsFile = [ "str" "absent" ]; '
    f'outputs = [ "out" "dev" ]; src = {HERE}/stand-in-pkgs.nix; }}'
)


def _env(image: str) -> dict[str, str]:
    items = nix_eval(f"({image}).configFile.drvAttrs.stowage.config.Env")
    return dict(item.split("=", 1) for item in items)


def test_the_environment_is_the_derivations_as_nix_sets_it() -> None:
    image = f"{LIB}.streamNixShellImage {{ drv = {DRV}; }}"
    env = _env(image)
    assert (env["flag"], env["off"], env["none"], env["n"], env["list"]) == ("1", "", "", "3", "a 1 b")
    assert env["src"].startswith("/nix/store/") and env["src"].endswith("-stand-in-pkgs.nix")
    outputs = nix_eval(f"let d = {DRV}; in {{ inherit (d) out dev; }}")
    assert (env["out"], env["dev"]) == (outputs["out"], outputs["dev"])
    assert "args" not in env and "str" not in env and "absentPath" not in env
    assert env["strPath"].endswith("-app-1.0-env-nix-shell-files/pass-as-file/str")
    assert env["passAsFile"] == "str absent" and env["HOME"] == "/build" and env["PWD"] == "/build"
    # passAsFile as a string: Nix splits it at white space.
    spaced_drv = DRV.replace('[ "str" "absent" ]', '" str  absent\\n"')
    spaced = _env(f"{LIB}.streamNixShellImage {{ drv = {spaced_drv}; }}")
    assert "str" not in spaced and spaced["strPath"] == env["strPath"]
    request = nix_eval(f"({image}).customisationLayer.drvAttrs.stowage.fakeRootCommands")
    assert "chown -R 1000:1000 ./nix ./etc/nix ./build" in request


def test_the_shell_files_request_and_the_command() -> None:
    image = f'{LIB}.streamNixShellImage {{ drv = {DRV}; run = "make"; uid = 7; gid = 8; }}'
    config = nix_eval(f"({image}).configFile.drvAttrs.stowage.config")
    assert config["User"] == "7:8" and config["WorkingDir"] == "/build"
    assert config["Cmd"][0].endswith("-bash-interactive-5.2/bin/bash") and config["Cmd"][1].endswith("/rc")
    assert nix_eval(f"({image}).imageName") == "app-1.0-env"


def test_both_builders_instantiate_without_import_from_derivation() -> None:
    require("nix-instantiate")
    for call in (f"{LIB}.streamNixShellImage {{ drv = {DRV}; }}", f'{LIB}.buildNixShellImage {{ drv = {DRV}; compressor = "zstd"; }}'):
        run(["nix-instantiate", *NIX_OPTIONS, "--option", "allow-import-from-derivation", "false", "-E", call])
    assert nix_eval(f'({LIB}.buildNixShellImage {{ drv = {DRV}; compressor = "zstd"; }}).name') == "app-1.0-env.tar.zst"
