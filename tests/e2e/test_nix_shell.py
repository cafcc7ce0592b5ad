"""streamNixShellImage and buildNixShellImage: nixpkgs' docker-tools-nix-shell
test, in Docker (and podman), with the stand-in's stdenv under the sandbox. The
images are nix-shell-images.nix; host mode refuses both builders."""

from __future__ import annotations

import gzip
import json
import subprocess
import uuid
from functools import lru_cache
from pathlib import Path

import pytest

from conftest import (
    NIX_OPTIONS,
    PODMAN_RUN,
    REPO,
    host_mode_only,
    nix_eval,
    nix_instantiate_error,
    nixpkgs_mode_only,
    require,
    run,
)

pytestmark = pytest.mark.e2e
nixpkgs_only = nixpkgs_mode_only("nix-shell images need nixpkgs mode (host mode refuses them)")

IMAGES = REPO / "tests" / "e2e" / "nix-shell-images.nix"


@lru_cache(maxsize=None)
def build(attr: str) -> Path:
    require("nix-build")
    out = run(["nix-build", "--no-out-link", *NIX_OPTIONS, str(IMAGES), "-A", attr]).stdout
    return Path(out.strip().splitlines()[-1])


def _archive(attr: str) -> bytes:
    out = build(attr)
    if out.name.endswith((".tar", ".tar.gz")):
        data = out.read_bytes()
        return gzip.decompress(data) if out.name.endswith(".gz") else data
    return subprocess.run([str(out)], capture_output=True, check=True).stdout


@lru_cache(maxsize=None)
def load(engine: str, attr: str) -> str:
    loaded = run([engine, "load"], input=_archive(attr)).stdout
    return loaded.strip().rsplit("Loaded image: ", 1)[-1].strip()


def docker_run(docker: str, attr: str, *command: str, tty: bool = False) -> str:
    """The container's output; with ``tty``, a terminal (as `docker run -t`), whose
    line ends are made plain again. An interactive shell that does not exit (a
    failure) would wait on its terminal forever: after a while it is removed."""
    name = f"stowage-nix-shell-test-{uuid.uuid4().hex[:12]}"
    flags = ["--name", name, *(["-t"] if tty else [])]
    try:
        out = run([docker, "run", "--rm", "--network", "none", *flags, load(docker, attr), *command], timeout=120).stdout
    except subprocess.TimeoutExpired:
        run([docker, "rm", "-f", name], check=False)
        raise
    return out.replace("\r\n", "\n")


def _attr(expr: str) -> str:
    return f"(import {IMAGES} {{ }}).{expr}"


@nixpkgs_only
def test_basic_builds_the_derivation_in_the_container(docker: str) -> None:
    # nixpkgs: docker run nix-shell-basic bash -c 'buildDerivation && $out/bin/hello'
    out = docker_run(docker, "basic", "bash", "-c", "buildDerivation && $out/bin/hello")
    assert out.splitlines()[-1] == "Hello, world!"
    assert "stdenv: unpackPhase" in out and "stdenv: installPhase" in out


@nixpkgs_only
def test_the_shell_hook_runs(docker: str) -> None:
    assert docker_run(docker, "hook", tty=True) == "This is the shell hook!\n"


@nixpkgs_only
def test_stdenv_is_sourced_making_build_inputs_available(docker: str) -> None:
    assert docker_run(docker, "inputs", tty=True) == "Hello, world!\n"


@nixpkgs_only
def test_pass_as_file_gives_a_path_variable_instead(docker: str) -> None:
    assert docker_run(docker, "passAsFile", tty=True) == "this is a string\nstr is unset\n"


@nixpkgs_only
def test_run_is_not_interactive_and_command_is(docker: str) -> None:
    assert docker_run(docker, "run") == "This shell is not interactive\n"
    assert docker_run(docker, "run", tty=True) == "This shell is not interactive\n"
    assert docker_run(docker, "command", tty=True) == "This shell is interactive\n"


@nixpkgs_only
def test_the_home_directory_is_writable_by_default(docker: str) -> None:
    assert docker_run(docker, "writableHome") == "home directory is writable\n"


@nixpkgs_only
def test_the_home_directory_can_be_made_nonexistent(docker: str) -> None:
    assert docker_run(docker, "nonexistentHome") == "home directory does not exist\n"


@nixpkgs_only
def test_build_derivation_builds_the_same_output_as_nix(docker: str) -> None:
    out = docker_run(docker, "buildDerivation").splitlines()
    assert out[-2:] == ["Hello, world!", "installed"]
    # The same derivation built by Nix under the sandbox, by the same stdenv.
    hello = build("hello")
    assert run([str(hello / "bin" / "hello")]).stdout == "Hello, world!\n"
    assert (hello / "share" / "note").read_text() == "installed\n"
    where = docker_run(docker, "buildDerivation", "bash", "-c", 'buildDerivation > /dev/null && echo "$out"')
    assert where.strip() == str(hello)


@nixpkgs_only
def test_uid_and_gid_name_the_build_user_who_owns_the_store_and_build_directory(docker: str) -> None:
    out = docker_run(docker, "ids").split()
    assert out == ["nixbld", "1234:5678", "1234:5678", "1234:5678", "1777", "/build", "sh", "works"]


def _config(docker: str, attr: str) -> dict:
    inspected = json.loads(run([docker, "image", "inspect", load(docker, attr)]).stdout)
    return inspected[0]["Config"]


def _derivation_env(drv_expr: str) -> dict[str, str]:
    """The derivation's environment as Nix records it in its .drv file."""
    drv_path = nix_eval(f"({drv_expr}).drvPath")
    for command in (["nix", "derivation", "show"], ["nix", "show-derivation"]):
        result = run([*command, *NIX_OPTIONS, drv_path], check=False)
        if result.returncode == 0:
            shown = json.loads(result.stdout)
            # {drv: {...}}; newer Nix puts that under "derivations", with a "version".
            return next(iter(shown.get("derivations", shown).values()))["env"]
    raise AssertionError(f"nix cannot show {drv_path}: {result.stderr}")


@nixpkgs_only
def test_the_environment_is_the_derivations_as_nix_sets_it(docker: str) -> None:
    config = _config(docker, "basic")
    env = dict(item.split("=", 1) for item in config["Env"])
    for name, value in _derivation_env(_attr("hello")).items():
        assert env[name] == value, name
    sandbox = {n: "/build" for n in ("NIX_BUILD_TOP", "TMPDIR", "TEMPDIR", "TMP", "TEMP", "PWD", "HOME")}
    assert {n: env[n] for n in sandbox} == sandbox
    assert (env["NIX_STORE"], env["NIX_BUILD_CORES"], env["TERM"]) == ("/nix/store", "1", "xterm-256color")
    assert env["SSL_CERT_FILE"] == env["NIX_SSL_CERT_FILE"] and env["SSL_CERT_FILE"].endswith("/ca-bundle.crt")
    assert "args" not in env
    assert (config["User"], config["WorkingDir"]) == ("1000:1000", "/build")
    shell, flag, rcfile = config["Cmd"]
    assert shell.endswith("/bin/bash") and flag == "--rcfile" and rcfile.endswith("/rc")
    script = _config(docker, "run")["Cmd"]  # with run: bash <rc>, a script
    assert len(script) == 2 and script[1].endswith("/rc")
    passed = dict(item.split("=", 1) for item in _config(docker, "passAsFile")["Env"])
    assert "str" not in passed and passed["strPath"].endswith("/pass-as-file/str")


@nixpkgs_only
def test_build_nix_shell_image_is_an_archive_of_the_same_shell(docker: str) -> None:
    image = build("built")
    assert image.name.endswith("-hello-1.0-env.tar.gz")
    assert docker_run(docker, "built") == "Hello, world!\n"
    passthru = nix_eval(f"{{ inherit ({_attr('built')}) imageName imageTag; s = {_attr('built')}.stream.imageTag; }}")
    assert passthru == {"imageName": "nix-shell-image-built", "imageTag": "latest", "s": "latest"}
    assert build("builtUncompressed").name.endswith("-hello-1.0-env.tar")


@nixpkgs_only
def test_podman_runs_the_shell(podman: str) -> None:
    ref = load(podman, "builtUncompressed")
    assert run([*PODMAN_RUN, ref], timeout=300).stdout == "Hello, world!\n"
    interactive = load(podman, "command")
    name = f"stowage-nix-shell-test-{uuid.uuid4().hex[:12]}"
    try:
        out = run([*PODMAN_RUN, "--name", name, "-t", interactive], timeout=120).stdout
    except subprocess.TimeoutExpired:
        run([podman, "rm", "-f", name], check=False)
        raise
    assert out.replace("\r\n", "\n") == "This shell is interactive\n"


@host_mode_only("host mode's refusal")
@pytest.mark.parametrize("builder", ["streamNixShellImage", "buildNixShellImage"])
def test_host_mode_refuses_nix_shell_images(builder: str) -> None:
    drv = 'derivation { name = "x"; system = "x86_64-linux"; builder = "/bin/sh"; }'
    message = nix_instantiate_error(f"(import {REPO} {{ }}).{builder} {{ drv = {drv}; }}")
    assert f"{builder}: pkgs must be a nixpkgs package set" in message
    assert "got null (host mode)" in message and "import ./stowage { pkgs = " in message
