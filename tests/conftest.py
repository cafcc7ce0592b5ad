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

# The mode the end-to-end tests build in (tests/e2e/mode.nix): "host" (no nixpkgs,
# the sandbox off) or "nixpkgs" (the runnable stand-in of tests/nixpkgs-stand-in,
# the sandbox on). tests/run runs the end-to-end tests in both.
MODE = os.environ.get("STOWAGE_TEST_MODE") or "host"
if MODE not in ("host", "nixpkgs"):
    raise SystemExit(f"STOWAGE_TEST_MODE must be host or nixpkgs; got {MODE!r}")
os.environ["STOWAGE_TEST_MODE"] = MODE  # read by tests/e2e/mode.nix
SANDBOX = "true" if MODE == "nixpkgs" else "false"
NIX_OPTIONS = ["--option", "substituters", "", "--option", "sandbox", SANDBOX]
# The library and the packages of the mode, as Nix expressions.
LIB = f"(import {REPO}/tests/e2e/mode.nix {{ }}).stowage"
PACKAGES = f"(import {REPO}/tests/e2e/mode.nix {{ }}).packages"


def host_mode_only(reason: str) -> pytest.MarkDecorator:
    """Mark a test that is about host mode itself: it runs in the host-mode pass and
    is not collected in the nixpkgs-mode one (``reason`` says why), so no pass skips it."""
    return pytest.mark.only_mode("host", reason)


def nixpkgs_mode_only(reason: str) -> pytest.MarkDecorator:
    """Mark a test that is about nixpkgs mode: it runs in the nixpkgs-mode pass only."""
    return pytest.mark.only_mode("nixpkgs", reason)

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


def mode_expr(body: str) -> str:
    """A Nix expression with the test mode's `stowage`, `packages` and `script`
    (tests/e2e/mode.nix) in scope: what end-to-end tests build in both modes."""
    return f"let inherit (import {REPO}/tests/e2e/mode.nix {{ }}) stowage packages script;\nin {body}"


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
def gnu_tar() -> str:
    """GNU tar, which reads back what the tests write (missing: a failure in CI)."""
    require("tar")
    return "tar"


@pytest.fixture(scope="session")
def podman() -> str:
    require("podman", "runc")
    return "podman"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In nixpkgs mode only the end-to-end tests run (tests/e2e, tests/nixos): the
    others do not depend on the mode. A test marked for one mode runs in that mode's
    pass only; a test marked `deselected` (a case this machine cannot run) in none."""
    e2e = (REPO / "tests" / "e2e", REPO / "tests" / "nixos")

    def wanted(item: pytest.Item) -> bool:
        only = item.get_closest_marker("only_mode")
        if only is not None and only.args[0] != MODE:
            return False
        if item.get_closest_marker("deselected") is not None:
            return False
        return MODE == "host" or any(d in Path(str(item.path)).parents for d in e2e)

    kept = [item for item in items if wanted(item)]
    dropped = [item for item in items if item not in kept]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_report_header(config: pytest.Config) -> str:
    return f"stowage test mode: {MODE} (sandbox = {SANDBOX})"
