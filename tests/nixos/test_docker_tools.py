"""nixpkgs' NixOS docker-tools test, run on this machine's Docker engine and podman.

The cases are nixos-tests/docker_tools_cases.py (the list the NixOS test runs);
the images are nixos-tests/examples.nix and test-images.nix, built in the test
mode (tests/nixos/images.nix) with one nix-build for every case collected. One
test per case and engine. Cases that need what this machine does not have are in
DESELECTED, with the reason; they are deselected, not skipped.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import NIX_OPTIONS, PODMAN_RUN, REPO, run

sys.path.insert(0, str(REPO / "nixos-tests"))
import docker_tools_cases as cases  # noqa: E402
import docker_tools_run as runner  # noqa: E402

pytestmark = pytest.mark.e2e

IMAGES_NIX = REPO / "tests" / "nixos" / "images.nix"

# Case number -> why this machine cannot run it.
DESELECTED = {
    8: "pullImage of nixos/nix from Docker Hub: no internet here",
    10: "its base image is pulled from Docker Hub: no internet here",
    28: "needs nixpkgs' pkgsCross (hello built for aarch64): no nixpkgs here",
    41: "needs nixpkgs' NixOS modules (etcActivationCommands): no nixpkgs here",
}

# Docker 20.10 and podman 4.3 cannot load zstd archives, podman 4.3 no gzip either:
# those are decompressed first (newer engines load both as they are).
DOCKER_LOAD = (
    "if [ \"$(head -c 4 {file} | od -An -tx1 | tr -d ' \\n')\" = 28b52ffd ]; "
    "then zstd -dc {file} | docker load; else docker load --input {file}; fi"
)
ENGINES = {
    "docker": runner.Engine("docker", "docker run --rm --network none", DOCKER_LOAD, publish=False),
    "podman": runner.Engine("podman", " ".join(PODMAN_RUN), "zstd -dcf {file} | podman load", publish=False),
}
COMMAND_TIMEOUT = 600


class HostMachine:
    """The NixOS test driver's machine interface (docker_tools_run.Machine), on this host (bash, pipefail)."""

    def _run(self, command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", "-euo", "pipefail", "-c", command], capture_output=True,
                              text=True, timeout=COMMAND_TIMEOUT)

    def succeed(self, command: str) -> str:
        result = self._run(command)
        if result.returncode != 0:
            raise AssertionError(f"command failed ({result.returncode}): {command}\n"
                                 f"stdout:\n{result.stdout[-3000:]}\nstderr:\n{result.stderr[-3000:]}")
        return result.stdout

    def fail(self, command: str) -> str:
        result = self._run(command)
        if result.returncode == 0:
            raise AssertionError(f"command succeeded, expected a failure: {command}\n{result.stdout[-3000:]}")
        return result.stdout

    def wait_until_succeeds(self, command: str) -> str:
        deadline = time.monotonic() + 60
        while True:
            result = self._run(command)
            if result.returncode == 0:
                return result.stdout
            if time.monotonic() > deadline:
                raise AssertionError(f"did not succeed in 60 s: {command}\n{result.stderr[-3000:]}")
            time.sleep(0.5)


def _param(case: cases.Case) -> Any:
    marks = [pytest.mark.deselected(DESELECTED[case.number])] if case.number in DESELECTED else []
    return pytest.param(case, id=f"{case.number:02d}-{case.name}", marks=marks)


def _collected_cases(session: pytest.Session) -> list[cases.Case]:
    found = {}
    for item in session.items:
        callspec = getattr(item, "callspec", None)
        if item.path == Path(__file__) and callspec is not None:
            case = callspec.params["case"]
            found[case.number] = case
    return [found[n] for n in sorted(found)]


@pytest.fixture(scope="module")
def values(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Build the images of every collected case in one nix-build; return the values."""
    wanted = sorted({key for case in _collected_cases(request.session) for key in case.images})
    arg = "[ " + " ".join(json.dumps(key) for key in wanted) + " ]"
    common = [str(IMAGES_NIX), "--arg", "wanted", arg, *NIX_OPTIONS]
    run(["nix-build", "--no-out-link", *common, "-A", "images"], timeout=3600)
    out = run(["nix-instantiate", "--eval", "--strict", "--json", *common, "-A", "values"]).stdout
    return dict(json.loads(out))


@pytest.fixture(params=sorted(ENGINES))
def engine(request: pytest.FixtureRequest) -> runner.Engine:
    request.getfixturevalue(request.param)  # conftest's docker / podman: the engine is there
    return ENGINES[request.param]


@pytest.mark.parametrize("case", [_param(case) for case in cases.CASES])
def test_docker_tools_case(case: cases.Case, engine: runner.Engine, values: dict[str, Any]) -> None:
    machine = HostMachine()
    try:
        runner.run_case(case, machine, engine, values)
    finally:
        for ref in runner.image_refs(case, values):
            subprocess.run([engine.name, "rmi", "--force", ref], capture_output=True, timeout=COMMAND_TIMEOUT)
