"""The steps of the docker-tools cases (docker_tools_cases.py): what to load, run and check.

A value of each class is one step; `${key}` in its strings names a value of
nixos-tests/values.nix, `{engine}` the engine's program. docker_tools_run.py runs
them. Standard library only: the NixOS test driver imports this file as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Union


@dataclass(frozen=True)
class Load:
    """Load an image: an archive (`docker load`), or a stream's output (`stream=True`)."""

    image: str
    stream: bool = False


@dataclass(frozen=True)
class Run:
    """`{engine} run --rm OPTIONS REF COMMAND`; its output must contain `contains`,
    be `equals` (stripped), or the run must fail."""

    ref: str
    command: str = ""
    options: str = ""
    contains: Optional[str] = None
    equals: Optional[str] = None
    fails: bool = False


@dataclass(frozen=True)
class Shell:
    """A shell command on the machine (`{engine}` for the engine), checked like Run."""

    command: str
    contains: Optional[str] = None
    equals: Optional[str] = None
    fails: bool = False


@dataclass(frozen=True)
class Inspect:
    """A field of `{engine} image inspect REF` (dots for nested keys)."""

    ref: str
    field: str
    equals: Optional[str] = None
    contains: Optional[str] = None
    absent: Optional[str] = None


@dataclass(frozen=True)
class EnvHas:
    """`env` in a container of REF prints each of `lines` as a line."""

    ref: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class ConfigEnvUnique:
    """The config in the archive IMAGE has exactly one Env entry starting with `prefix`."""

    image: str
    prefix: str


@dataclass(frozen=True)
class SharedLayers:
    """The two images have at least one layer in common."""

    first: str
    second: str


@dataclass(frozen=True)
class LayerCount:
    ref: str
    count: int


@dataclass(frozen=True)
class Serve:
    """REF runs detached and answers HTTP on `port` with a body containing `contains`."""

    ref: str
    port: int
    contains: str


@dataclass(frozen=True)
class NoStoreInExport:
    """The file system of a container of REF (`{engine} export`) has no nix/store/."""

    ref: str


@dataclass(frozen=True)
class Remove:
    ref: str


Step = Union[Load, Run, Shell, Inspect, EnvHas, ConfigEnvUnique, SharedLayers, LayerCount, Serve, NoStoreInExport, Remove]


@dataclass(frozen=True)
class Case:
    number: int  # the subtest's place in nixpkgs' test
    name: str
    images: tuple[str, ...]  # the values.nix keys of the images it builds
    steps: tuple[Step, ...]
