"""copyToDockerDaemon and copyToPodman send only the layers the engine lacks,
against the real Docker engine and podman: a new application version sends its
own layer, the others are named but not sent; an engine that cannot tell, or
that refuses the shortened archive, gets the whole image after a one-line note."""

from __future__ import annotations

import json
import os
import sys
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import PODMAN_RUN, REPO, nix_build, run  # noqa: E402

IMAGES = REPO / "tests" / "e2e" / "engine-images.nix"
NOTE = "sending every layer"


def build(version: str, attr: str) -> Path:
    return nix_build(f'(import {IMAGES} {{ version = "{version}"; }}).{attr}')


def fresh() -> str:
    """A version no engine holds yet."""
    return "v" + uuid.uuid4().hex[:12]


def held(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "held by the engine" in line]


@pytest.mark.parametrize("kind", ["recorded", "unrecorded"])
def test_docker_gets_only_the_new_layer(docker: str, kind: str) -> None:
    version = fresh()
    first = run([str(build(version, f"{kind}.copyToDockerDaemon"))])
    assert "Loaded image" in first.stdout and NOTE not in first.stderr
    again = run([str(build(version, f"{kind}.copyToDockerDaemon"))])
    assert len(held(again.stderr)) == 3, again.stderr  # busybox, the application, the customisation layer
    other = fresh()
    second = run([str(build(other, f"{kind}.copyToDockerDaemon"))])
    assert NOTE not in second.stderr
    assert [line.split(":")[1] for line in held(second.stderr)] == [" layer 1"], second.stderr
    output = run([docker, "run", "--rm", "--network", "none", f"engine-test/app:{other}"]).stdout
    assert output == f"app {other}\n"
    run([docker, "rmi", f"engine-test/app:{version}", f"engine-test/app:{other}"])


def test_podman_gets_only_the_new_layer(podman: str) -> None:
    version, other = fresh(), fresh()
    run([str(build(version, "recorded.copyToPodman"))])
    second = run([str(build(other, "recorded.copyToPodman")), "--repo-tag", f"engine-test/app:{other}"])
    assert NOTE not in second.stderr
    assert len(held(second.stderr)) == 2, second.stderr  # busybox, the customisation layer
    assert f"Loaded image: localhost/engine-test/app:{other}" in second.stdout
    assert run([*PODMAN_RUN, f"engine-test/app:{other}"]).stdout == f"app {other}\n"
    run([podman, "rmi", f"engine-test/app:{version}", f"engine-test/app:{other}"])


def _fake_engine(tmp_path: Path, script: str) -> dict[str, str]:
    """$STOWAGE_DOCKER: a wrapper of the real docker that answers questions with ``script``."""
    wrapper = tmp_path / "docker"
    wrapper.write_text(f'#!/bin/sh\ncase "$1" in image) {script} ;; *) exec docker "$@" ;; esac\n')
    wrapper.chmod(0o755)
    return {**os.environ, "STOWAGE_DOCKER": str(wrapper)}


def test_docker_that_cannot_tell_gets_every_layer(docker: str, tmp_path: Path) -> None:
    version = fresh()
    env = _fake_engine(tmp_path, 'echo "Cannot connect to the Docker daemon" >&2; exit 1')
    result = run([str(build(version, "recorded.copyToDockerDaemon"))], env=env)
    notes = [line for line in result.stderr.splitlines() if NOTE in line]
    assert len(notes) == 1 and "Cannot connect to the Docker daemon" in notes[0]
    assert not held(result.stderr) and "Loaded image" in result.stdout
    run([docker, "rmi", f"engine-test/app:{version}"])


def test_docker_that_refuses_gets_every_layer(docker: str, tmp_path: Path) -> None:
    """An engine that claims to hold every layer of a new image: the real
    ``docker load`` refuses the archive without them, then loads the whole one."""
    version = fresh()
    conf = build(version, "recorded.conf")
    layers = json.loads((conf / "config.json").read_text())["rootfs"]["diff_ids"]
    answer = tmp_path / "answer"
    answer.write_text(json.dumps(layers) + "\n")
    env = _fake_engine(tmp_path, f'case "$2" in ls) echo sha256:0 ;; *) cat {answer} ;; esac')
    result = run([str(build(version, "recorded.copyToDockerDaemon"))], env=env)
    notes = [line for line in result.stderr.splitlines() if NOTE in line]
    assert len(notes) == 1 and "refused" in notes[0], result.stderr
    assert run([docker, "run", "--rm", "--network", "none", f"engine-test/app:{version}"]).stdout == f"app {version}\n"
    run([docker, "rmi", f"engine-test/app:{version}"])


def test_stream_loads_only_the_new_layer(docker: str) -> None:
    """The stream's --load docker: as copyToDockerDaemon."""
    version, other = fresh(), fresh()
    run([str(build(version, "recorded")), "--load", "docker"])
    second = run([str(build(other, "recorded")), "--load", "docker"])
    assert [line.split(":")[1] for line in held(second.stderr)] == [" layer 1"], second.stderr
    assert "Loaded image" in second.stdout
    output = run([docker, "run", "--rm", "--network", "none", f"engine-test/app:{other}"]).stdout
    assert output == f"app {other}\n"
    run([docker, "rmi", f"engine-test/app:{version}", f"engine-test/app:{other}"])
