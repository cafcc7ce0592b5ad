"""Running a docker-tools case (docker_tools_cases.py) on a machine with an engine.

The machine is the NixOS test driver's (`succeed`, `fail`, `wait_until_succeeds`)
or tests/nixos/test_docker_tools.py's stand-in for it on this host; the engine says
how docker or podman is driven there. Standard library only.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from typing import Mapping, Optional, Protocol

from docker_tools_steps import (
    Case,
    ConfigEnvUnique,
    EnvHas,
    Inspect,
    LayerCount,
    Load,
    NoStoreInExport,
    Remove,
    Run,
    Serve,
    SharedLayers,
    Shell,
)


class Machine(Protocol):
    """Where the commands run: the NixOS test driver's machine, or this host."""

    def succeed(self, command: str) -> str: ...

    def fail(self, command: str) -> str: ...

    def wait_until_succeeds(self, command: str) -> str: ...


@dataclass(frozen=True)
class Engine:
    """How one container engine is driven on one machine.

    `run`: the start of a `run` command line (`docker run --rm`, plus what the
    machine needs); `load`: a shell command with `{file}` that loads an archive;
    `publish`: whether `-p` reaches the machine (else HTTP is probed from inside
    the container's network namespace).
    """

    name: str
    run: str
    load: str
    publish: bool


_KEY = re.compile(r"\$\{([^}]+)\}")


def expand(text: str, values: Mapping[str, object], engine: Engine) -> str:
    """Return ``text`` with each `${key}` replaced by its value and `{engine}` by the engine."""

    def value(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values or values[key] is None:
            raise KeyError(f"docker_tools_cases: no value {key!r}; add it to nixos-tests/values.nix")
        return str(values[key])

    return _KEY.sub(value, text).replace("{engine}", engine.name)


def check(output: str, *, contains: Optional[str], equals: Optional[str], what: str) -> None:
    """Fail unless ``output`` contains ``contains`` and, stripped, is ``equals``."""
    if contains is not None and contains not in output:
        raise AssertionError(f"{what}: expected {contains!r} in {output!r}")
    if equals is not None and output.strip() != equals:
        raise AssertionError(f"{what}: expected {equals!r}, got {output.strip()!r}")


def _inspect(machine: Machine, engine: Engine, ref: str) -> object:
    data: object = json.loads(machine.succeed(f"{engine.name} image inspect {shlex.quote(ref)}"))
    return data[0] if isinstance(data, list) else data


def _field(document: object, path: str) -> object:
    for key in path.split("."):
        if not isinstance(document, dict):
            raise AssertionError(f"inspect: no {path!r}")
        document = document.get(key)
    return document


def _layers(machine: Machine, engine: Engine, ref: str) -> list[str]:
    layers = _field(_inspect(machine, engine, ref), "RootFS.Layers")
    assert isinstance(layers, list), f"inspect {ref}: RootFS.Layers is {layers!r}"
    return [str(layer) for layer in layers]


def _load(step: Load, machine: Machine, engine: Engine, x: "_Expander") -> None:
    path = x(step.image)
    if step.stream:
        machine.succeed(f"{shlex.quote(path)} | {engine.name} load")
    else:
        machine.succeed(engine.load.replace("{file}", shlex.quote(path)))


def _run(step: Run, machine: Machine, engine: Engine, x: "_Expander") -> None:
    line = f"{engine.run} {x(step.options)} {shlex.quote(x(step.ref))} {x(step.command)}"
    if step.fails:
        machine.fail(line)
        return
    check(machine.succeed(line), contains=_opt(x, step.contains), equals=_opt(x, step.equals), what=line)


def _shell(step: Shell, machine: Machine, engine: Engine, x: "_Expander") -> None:
    line = x(step.command)
    if step.fails:
        machine.fail(line)
        return
    check(machine.succeed(line), contains=_opt(x, step.contains), equals=_opt(x, step.equals), what=line)


def _inspect_step(step: Inspect, machine: Machine, engine: Engine, x: "_Expander") -> None:
    value = str(_field(_inspect(machine, engine, x(step.ref)), step.field))
    what = f"{engine.name} image inspect {x(step.ref)}: {step.field}"
    check(value, contains=step.contains, equals=step.equals, what=what)
    if step.absent is not None and step.absent in value:
        raise AssertionError(f"{what}: {step.absent!r} should not be in {value!r}")


def _env_has(step: EnvHas, machine: Machine, engine: Engine, x: "_Expander") -> None:
    lines = machine.succeed(f"{engine.run} {shlex.quote(x(step.ref))} env").splitlines()
    missing = [line for line in step.lines if line not in lines]
    assert not missing, f"env of {x(step.ref)}: {missing} missing from {lines}"


def _config_env_unique(step: ConfigEnvUnique, machine: Machine, engine: Engine, x: "_Expander") -> None:
    archive = shlex.quote(x(step.image))
    manifest = json.loads(machine.succeed(f"tar -xOf {archive} manifest.json"))
    config = json.loads(machine.succeed(f"tar -xOf {archive} {shlex.quote(manifest[0]['Config'])}"))
    entries = [e for e in config["config"]["Env"] if e.startswith(step.prefix)]
    assert len(entries) == 1, f"config Env of {archive}: {entries}, expected one {step.prefix} entry"


def _shared_layers(step: SharedLayers, machine: Machine, engine: Engine, x: "_Expander") -> None:
    first, second = (set(_layers(machine, engine, x(ref))) for ref in (step.first, step.second))
    assert first & second, f"{x(step.first)} and {x(step.second)} share no layer"


def _layer_count(step: LayerCount, machine: Machine, engine: Engine, x: "_Expander") -> None:
    layers = set(_layers(machine, engine, x(step.ref)))
    assert len(layers) == step.count, f"{x(step.ref)} has {len(layers)} layers, expected {step.count}"


def _serve(step: Serve, machine: Machine, engine: Engine, x: "_Expander") -> None:
    name = "docker-tools-serve"
    publish = f"-p 8000:{step.port}" if engine.publish else ""
    machine.succeed(f"{engine.run} -d --name {name} {publish} {shlex.quote(x(step.ref))}")
    try:
        if engine.publish:
            probe = "curl -fsS http://localhost:8000/"
        else:
            pid = f"$({engine.name} inspect --format '{{{{.State.Pid}}}}' {name})"
            probe = f"nsenter --target {pid} --net curl -fsS http://127.0.0.1:{step.port}/"
        check(machine.wait_until_succeeds(probe), contains=step.contains, equals=None, what=probe)
    finally:
        machine.succeed(f"{engine.name} rm --force {name}")


def _no_store_in_export(step: NoStoreInExport, machine: Machine, engine: Engine, x: "_Expander") -> None:
    name = "docker-tools-export"
    machine.succeed(f"{engine.name} create --name {name} {shlex.quote(x(step.ref))}")
    try:
        names = machine.succeed(f"{engine.name} export {name} | tar -t").splitlines()
    finally:
        machine.succeed(f"{engine.name} rm --force {name}")
    stored = [n for n in names if "nix/store/" in n]
    assert names and not stored, f"{x(step.ref)}: the container's file system has {stored[:5]}"


def _remove(step: Remove, machine: Machine, engine: Engine, x: "_Expander") -> None:
    machine.succeed(f"{engine.name} rmi {shlex.quote(x(step.ref))}")


class _Expander(Protocol):
    def __call__(self, text: str) -> str: ...


def _opt(x: _Expander, text: Optional[str]) -> Optional[str]:
    return None if text is None else x(text)


_RUNNERS = {
    Load: _load, Run: _run, Shell: _shell, Inspect: _inspect_step, EnvHas: _env_has,
    ConfigEnvUnique: _config_env_unique, SharedLayers: _shared_layers, LayerCount: _layer_count,
    Serve: _serve, NoStoreInExport: _no_store_in_export, Remove: _remove,
}


def run_case(case: Case, machine: Machine, engine: Engine, values: Mapping[str, object]) -> None:
    """Run every step of ``case`` on ``machine`` with ``engine``; raise on the first failure."""

    def x(text: str) -> str:
        return expand(text, values, engine)

    for step in case.steps:
        _RUNNERS[type(step)](step, machine, engine, x)  # type: ignore[operator]


def image_refs(case: Case, values: Mapping[str, object]) -> list[str]:
    """The name:tag of every image of ``case`` that has one (to remove after it)."""
    refs = []
    for key in case.images:
        name, tag = values.get(f"{key}.imageName"), values.get(f"{key}.imageTag")
        if name is not None and tag is not None:
            refs.append(f"{name}:{tag}")
    return refs
