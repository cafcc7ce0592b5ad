"""A nix-shell image's files (stowage.devshell.rcfile, stowage.cli.nix_shell_env):
the rcfile and buildDerivation run in bash, and the request is read strictly."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from stowage.cli import nix_shell_env
from stowage.devshell.rcfile import ShellImage, build_derivation, rcfile, static_path
from stowage.errors import UserError

BASH = shutil.which("bash") or "/bin/bash"


def request(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "version": 2, "builder": "streamNixShellImage", "shell": BASH, "drvBuilder": BASH, "args": ["-c", "echo built $0 \"$1\"", "it's", "a b"],
        "command": None, "run": None, "passAsFile": {},
    }
    doc.update(changes)
    return doc


def image(**changes: Any) -> ShellImage:
    return nix_shell_env.parse(request(**changes))[0]


def test_static_path_is_the_shells_directory_then_the_bin_directory() -> None:
    assert static_path("/nix/store/x-bash/bin/bash", "/nix/store/y/bin") == "/nix/store/x-bash/bin:/nix/store/y/bin"


def test_the_rcfile_runs_command_or_run_then_exits_and_only_then() -> None:
    assert rcfile(image(), "/b").splitlines()[-1] == "shopt -s execfail"
    assert rcfile(image(run="echo hi"), "/b").splitlines()[-2:] == ["echo hi", "exit"]
    assert rcfile(image(command="echo hi"), "/b").splitlines()[-2:] == ["echo hi", "exit"]


def test_build_derivation_runs_the_builder_with_its_arguments_quoted(tmp_path: Path) -> None:
    script = tmp_path / "buildDerivation"
    script.write_text(build_derivation(image()))
    script.chmod(0o555)
    assert subprocess.run([str(script)], capture_output=True, text=True, check=True).stdout == "built it's a b\n"


def _stdenv(tmp_path: Path) -> Path:
    """A stdenv whose setup puts an input on PATH and defines runHook."""
    stdenv = tmp_path / "stdenv"
    stdenv.mkdir()
    (stdenv / "setup").write_text(
        'PATH=/usr/bin:/bin\nrunHook() { eval "${!1-}"; }\n'
    )
    return stdenv


def test_the_rcfile_sources_the_setup_runs_the_hook_and_puts_its_path_first(tmp_path: Path) -> None:
    out = tmp_path / "out"
    nix_shell_env.write(*nix_shell_env.parse(request(run='echo "$PATH"; echo "$SHELL"; false; echo after', passAsFile={"str": "text"})), str(out))
    env = {"stdenv": str(_stdenv(tmp_path)), "shellHook": "echo hook", "PATH": "/nowhere"}
    result = subprocess.run([BASH, str(out / "rc")], capture_output=True, text=True, env=env, check=True)
    assert result.stdout.splitlines() == [
        "hook", f"{os.path.dirname(BASH)}:{out}/bin:/usr/bin:/bin", BASH, "after"]
    assert (out / "pass-as-file" / "str").read_text() == "text"
    assert os.access(out / "bin" / "buildDerivation", os.X_OK)


@pytest.mark.parametrize(
    "doc, words",
    [
        (request(version=1), "version 1"),
        (request(extra=1), "unknown key extra"),
        (request(args="-e"), "args must be a list of which each item is a string"),
        (request(passAsFile={"a/b": "x"}), "'a/b'"),
        (request(passAsFile=["str"]), "passAsFile must be a JSON object"),
        (request(passAsFile={"str": 1}), "passAsFile.str must be a string"),
        (request(command=3), "command must be a string or null"),
    ],
)
def test_a_malformed_request_is_a_user_error(tmp_path: Path, doc: dict[str, Any], words: str) -> None:
    with pytest.raises(UserError, match=None) as raised:
        nix_shell_env.write(*nix_shell_env.parse(doc), str(tmp_path / "out"))
    assert words in str(raised.value)
    assert not (tmp_path / "out").exists()
