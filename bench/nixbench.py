"""What the Nix-driven benchmarks share: building and evaluating bench/closure.nix.

Every call passes ``--option substituters ''`` (there is no binary cache here).
Out-links go to bench/out/ (ignored by git) so that what a run builds survives
garbage collection until the next run replaces the link.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Optional

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
CLOSURE = os.path.join(BENCH, "closure.nix")
OUT = os.path.join(BENCH, "out")
STREAM = os.path.join(REPO, "python", "bin", "stream")

# Nix prints this line for every derivation it runs, also during evaluation
# (import from derivation), where it prints no "these N derivations" summary.
_BUILDING = re.compile(r"^building '(/[^']+\.drv)'", re.MULTILINE)


@dataclass(frozen=True)
class Closure:
    """The arguments of bench/closure.nix that choose the synthetic closure."""

    size_mb: int
    paths: int
    mix: str = "default"
    seed: int = 1
    app_mb: int = 10
    data: str = "random"  # or "text" (compressible), see make_store_path.py

    def args(self) -> list[str]:
        return [
            "--argstr", "mix", self.mix, "--arg", "sizeMb", str(self.size_mb),
            "--arg", "paths", str(self.paths), "--arg", "seed", str(self.seed),
            "--arg", "appMb", str(self.app_mb), "--argstr", "data", self.data,
        ]


@dataclass(frozen=True)
class Build:
    """A timed ``nix-build``: its output, wall time and how many derivations ran."""

    path: str
    seconds: float
    derivations: int


@dataclass
class Image:
    """One image of the closure: which application, builder and layer mtime."""

    closure: Closure
    app: int
    builder: str = "stream"  # or "layered" (buildLayeredImage)
    compressor: str = "none"
    mtime: str = "1970-01-01T00:00:01Z"
    tag: Optional[str] = None
    cached: bool = True  # cachedLayers
    extra: list[str] = field(default_factory=list)

    def args(self) -> list[str]:
        out = self.closure.args() + [
            "--arg", "app", str(self.app), "--argstr", "builder", self.builder,
            "--argstr", "compressor", self.compressor, "--argstr", "mtime", self.mtime,
            "--arg", "cachedLayers", "true" if self.cached else "false",
        ]
        if self.tag is not None:
            out += ["--argstr", "tag", self.tag]
        return out + self.extra


def fresh_mtime(offset: int = 0) -> str:
    """An RFC 3339 time no earlier run has used: new layer derivations, same store paths."""
    seconds = int(time.time()) + offset
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def nix_build(args: list[str], attr: str, link: str, *, jobs: str = "1") -> Build:
    """Build ``attr`` of closure.nix; return the output, wall time and derivations built."""
    os.makedirs(OUT, exist_ok=True)
    command = [
        "nix-build", "--option", "substituters", "", "--max-jobs", jobs,
        CLOSURE, "-A", attr, "--out-link", os.path.join(OUT, link), *args,
    ]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"bench: {' '.join(command)} failed:\n{done.stderr[-3000:]}")
    built = len(set(_BUILDING.findall(done.stderr)))
    return Build(done.stdout.strip().splitlines()[0], seconds, built)


def nix_eval(args: list[str], attr: str) -> Any:
    """Evaluate ``attr`` of closure.nix strictly; return it as JSON data."""
    command = [
        "nix-instantiate", "--option", "substituters", "", "--eval", "--strict", "--json",
        "--read-write-mode", CLOSURE, "-A", attr, *args,
    ]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"bench: {' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


def nar_sizes(paths: list[str]) -> dict[str, int]:
    """Return each store path's NAR size (what it takes in the store, before optimisation)."""
    command = ["nix", "--extra-experimental-features", "nix-command", "path-info", "--json", *paths]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return {info["path"]: int(info["narSize"]) for info in json.loads(done.stdout)}


def delete(paths: list[str], links: list[str]) -> None:
    """Remove out-links and then the store paths they held (frees big tarballs)."""
    for link in links:
        try:
            os.unlink(os.path.join(OUT, link))
        except FileNotFoundError:
            pass
    subprocess.run(["nix-store", "--delete", *paths], capture_output=True)


def pipeline(*commands: list[str], output: str = os.devnull) -> float:
    """Run ``commands`` as a shell pipeline into the file ``output``; return the wall time."""
    start = time.perf_counter()
    processes: list[subprocess.Popen[bytes]] = []
    with open(output, "wb") as sink:
        stdin: Optional[int] = None
        for index, command in enumerate(commands):
            last = index == len(commands) - 1
            process = subprocess.Popen(
                command, stdin=stdin, stdout=sink if last else subprocess.PIPE, stderr=subprocess.DEVNULL
            )
            if stdin is not None:
                os.close(stdin)
            if not last:
                assert process.stdout is not None
                stdin = os.dup(process.stdout.fileno())
                process.stdout.close()
            processes.append(process)
        for process in processes:
            if process.wait() != 0:
                raise SystemExit(f"bench: {process.args!r} exited with {process.returncode}")
    return time.perf_counter() - start
