"""Which layers an engine holds: the ``RootFS.Layers`` (diff_ids) of every image
it has, asked through its own command line (``docker`` or ``podman``), so that
its contexts, ``DOCKER_HOST`` and storage settings apply as they do to ``load``.

Two calls: ``image ls -a -q --no-trunc`` for the IDs (``-a``: intermediate
images hold layers too), then ``image inspect`` of them in batches; for Docker
a third, ``info``, tells whether it keeps images in containerd's store (Docker
26 and later can), which takes loads differently (see ``engine.load``). An
engine that cannot answer is ``Unknown``: the caller then loads the whole image.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from typing import Sequence

#: Images inspected per call (keeps the command line far below ARG_MAX).
BATCH = 200
#: Seconds an answer may take; the engine is local, so it is quick or broken.
TIMEOUT = 60


class Unknown(Exception):
    """The engine's holdings cannot be known; the message says why."""


@dataclass(frozen=True)
class Holdings:
    """The diff_ids of each image the engine has, bottom first."""

    images: tuple[tuple[str, ...], ...]
    containerd_store: bool = False  # Docker with containerd's image store

    def diff_ids(self) -> frozenset[str]:
        return frozenset(d for layers in self.images for d in layers)


#: What the engines say of an image removed since it was listed (Docker: "No such
#: image", podman: "image not known"); its layers are then not counted, which can
#: only make the load send more.
_GONE = re.compile(r"no such image|image not known", re.IGNORECASE)


def _vanished(stderr: bytes) -> bool:
    lines = [line for line in stderr.decode(errors="replace").splitlines() if line.strip()]
    return bool(lines) and all(_GONE.search(line) for line in lines)


def _call(program: str, args: Sequence[str], images: bool = False) -> str:
    """``program args``'s output; with ``images``, images gone meanwhile are skipped."""
    command = [program, *args]
    try:
        done = subprocess.run(command, capture_output=True, timeout=TIMEOUT, check=False)
    except OSError as error:
        raise Unknown(f"cannot run {program}: {error.strerror}") from None
    except subprocess.TimeoutExpired:
        raise Unknown(f"`{' '.join(command[:3])}` did not answer within {TIMEOUT} s") from None
    if done.returncode != 0 and not (images and _vanished(done.stderr)):
        said = done.stderr.decode(errors="replace").strip().splitlines()
        raise Unknown(f"`{' '.join(command[:3])}` failed: {said[-1] if said else f'status {done.returncode}'}")
    return done.stdout.decode(errors="replace")


def _layers(line: str) -> tuple[str, ...]:
    """One image's layer list, as ``{{json .RootFS.Layers}}`` prints it."""
    try:
        value = json.loads(line)
    except ValueError:
        raise Unknown(f"unexpected layer list from the engine: {line[:80]!r}") from None
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(d, str) and d.startswith("sha256:") for d in value):
        raise Unknown(f"unexpected layer list from the engine: {line[:80]!r}")
    return tuple(value)


def _containerd_store(program: str) -> bool:
    """Whether Docker keeps its images in containerd's store (its storage
    driver is then a containerd snapshotter)."""
    return "io.containerd.snapshotter" in _call(program, ["info", "--format", "{{json .DriverStatus}}"])


def holdings(program: str, engine: str) -> Holdings:
    """Ask ``engine`` (run by ``program``) for the layers of all its images."""
    ids = sorted(set(_call(program, ["image", "ls", "-a", "-q", "--no-trunc"]).split()))
    images: list[tuple[str, ...]] = []
    for start in range(0, len(ids), BATCH):
        out = _call(program, ["image", "inspect", "--format", "{{json .RootFS.Layers}}", *ids[start:start + BATCH]],
                    images=True)
        images.extend(_layers(line) for line in out.splitlines() if line.strip())
    return Holdings(tuple(images), engine == "docker" and _containerd_store(program))
