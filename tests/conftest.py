"""Shared helpers: running Nix, and requiring the real tools.

Under CI=true a missing tool fails the test instead of skipping it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, Optional

import pytest

REPO = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

NIX_OPTIONS = ["--option", "substituters", "", "--option", "sandbox", "false"]

PODMAN_RUN = [
    "podman", "--runtime", "runc", "run", "--rm", "--network", "none",
    "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
]


def require(*tools: str) -> None:
    """Skip (or, in CI, fail) unless every tool is on PATH."""
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        message = f"missing tools: {', '.join(missing)} (tests/run installs them)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


def run(cmd: list[str], *, check: bool = True, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run a command, capturing text output; on failure show what it printed.
    Bytes given as ``input`` are sent as they are."""
    if isinstance(kwargs.get("input"), bytes):
        result = subprocess.run(cmd, capture_output=True, **kwargs)
        result.stdout, result.stderr = result.stdout.decode(), result.stderr.decode()
    else:
        result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if check and result.returncode != 0:
        raise AssertionError(
            f"{cmd} exited {result.returncode}\nstdout:\n{result.stdout[-3000:]}\nstderr:\n{result.stderr[-3000:]}"
        )
    return result


def nix_expr(body: str, *, pkgs: str = "null", system: Optional[str] = None) -> str:
    """A Nix expression with `stowage` (host mode) and `packages` (examples/packages.nix) in scope."""
    sys_arg = f'system = "{system}";' if system else ""
    return (
        f"let stowage = import {REPO} {{ pkgs = {pkgs}; {sys_arg} }};\n"
        f"    packages = import {REPO}/examples/packages.nix {{ }};\n"
        f"in {body}"
    )


def nix_build(expr: str, *extra: str) -> Path:
    """Build ``expr`` (a Nix expression) and return its output path."""
    require("nix-build")
    out = run(["nix-build", "--no-out-link", *NIX_OPTIONS, "-E", expr, *extra]).stdout.strip()
    return Path(out.splitlines()[-1])


def nix_eval(expr: str) -> Any:
    """Evaluate ``expr`` strictly and return it as JSON data."""
    require("nix-instantiate")
    out = run(["nix-instantiate", "--eval", "--strict", "--json", *NIX_OPTIONS, "-E", expr]).stdout
    return json.loads(out)


def nix_instantiate_error(expr: str) -> str:
    """Instantiate ``expr``, which must fail; return the error text."""
    require("nix-instantiate")
    result = run(["nix-instantiate", *NIX_OPTIONS, "-E", expr], check=False)
    assert result.returncode != 0, f"expected an evaluation error, got {result.stdout}"
    return result.stderr


@pytest.fixture(scope="session")
def docker() -> str:
    require("docker")
    if run(["docker", "info"], check=False).returncode != 0:
        message = "no Docker daemon is reachable (tests/run starts one)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return "docker"


@pytest.fixture(scope="session")
def podman() -> str:
    require("podman", "runc")
    return "podman"
