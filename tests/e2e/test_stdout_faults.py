"""Faults on standard output, with the real executables from nix-build: a full
disk (/dev/full), a closed stdout, a reader that goes away. Each ends in one
line on stderr and a non-zero status, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_layered import build  # noqa: E402

pytestmark = pytest.mark.e2e

FULL = "No space left on device"


def _to_full(program: Path, *args: str) -> subprocess.CompletedProcess[str]:
    with open("/dev/full", "wb") as full:
        return subprocess.run([str(program), *args], stdout=full, stderr=subprocess.PIPE, text=True)


def _stdout_closed(program: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``program`` as `program >&-` does: with descriptor 1 closed."""
    return subprocess.run(
        ["/bin/sh", "-c", 'exec "$@" >&-', "sh", str(program), *args],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )


def _one_line(result: subprocess.CompletedProcess[str], program: str, *fragments: str) -> None:
    """One error line from the program (besides its progress and an engine's), the last it says."""
    assert result.returncode != 0, result
    assert "Traceback" not in result.stderr, result.stderr
    own = [line for line in result.stderr.splitlines() if line.startswith(f"{program}: ")]
    lines = [line for line in own if "error" in line]
    assert len(lines) == 1 and lines[0].startswith(f"{program}: error: ") and own[-1] == lines[0], result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.mark.parametrize("attr", ["helloStream", "busyboxStream"])
def test_stream_to_a_full_disk(attr: str) -> None:
    result = _to_full(build(attr))
    _one_line(result, "stream", f"cannot write the image to standard output: {FULL}")


def test_stream_to_a_closed_stdout() -> None:
    _one_line(_stdout_closed(build("helloStream")), "stream", "standard output is closed")


def test_stream_to_a_reader_that_goes_away() -> None:
    process = subprocess.Popen([str(build("busyboxStream"))], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    assert len(process.stdout.read(10)) == 10
    process.stdout.close()
    stderr = process.stderr.read().decode()
    process.stderr.close()
    assert process.wait() != 0
    assert "Traceback" not in stderr and "error" not in stderr, stderr


@pytest.mark.parametrize("engine", ["copyToDockerDaemon", "copyToPodman"])
def test_load_launchers_to_a_full_disk_and_a_closed_stdout(engine: str, request: pytest.FixtureRequest) -> None:
    request.getfixturevalue("docker" if engine == "copyToDockerDaemon" else "podman")
    launcher = build(f"helloLayered.{engine}")
    _one_line(_to_full(launcher, "-q"), "load-image", f"cannot write to standard output: {FULL}")
    _one_line(_stdout_closed(launcher, "-q"), "load-image", "standard output is closed")


def test_copy_to_registry_to_a_full_disk_and_a_closed_stdout(tmp_path: Path) -> None:
    """The pushed reference goes to stdout: a full disk there is one line, after the push."""
    from conftest import REPO, nix_build
    from registry_server import start_registry  # noqa: E402

    registry = start_registry(tmp_path / "registry", secure=False)
    try:
        launcher = nix_build(f"(import {REPO}/tests/e2e/push-images.nix {{ }}).v1.copyToRegistry")
        destination = f"{registry.host}/faults:v1"
        closed = _stdout_closed(launcher, "--tls-verify=false", destination)
        _one_line(closed, "copy-to-registry", "standard output is closed")
        full = _to_full(launcher, "--tls-verify=false", destination)
        _one_line(full, "copy-to-registry", f"cannot write to standard output: {FULL}")
    finally:
        registry.stop()
