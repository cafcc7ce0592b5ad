"""Faults on standard output, with the real executables from nix-build: a full
disk (/dev/full), a closed stdout, a reader that goes away. Each ends in one
line on stderr and a non-zero status, never a traceback."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from test_layered import build

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
    """The program's own lines (an engine may print its progress too) end in one error."""
    assert result.returncode != 0, result
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith(f"{program}: ") and ": layer " not in line]
    assert len(lines) == 1 and lines[0].startswith(f"{program}: error: "), result.stderr
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
