#!/usr/bin/env python3
"""Benchmark of the edit-to-run loop with Docker: after an application change,
``nix-build`` + load + ``docker run`` of a trivial command, through
``copyToDockerDaemon`` (which sends only the layers Docker lacks) against the
whole stream piped into ``docker load``, in the same run.

    python3 bench/edit-to-run.py [--sizes-mb 1000] [--paths 120] [--app-mb 10] [--rounds 1]

For each closure size: bench/closure.nix's closure (plus the examples' static
busybox, so that the image runs ``busybox true``) with applications 1, 2, …
built first, untimed; image 1 is loaded untimed (Docker then holds every layer
but the application's and the customisation layer). Then each round times:

* incremental: ``nix-build -A image.copyToDockerDaemon`` of the next
  application, running it, and ``docker run --rm IMAGE busybox true``;
* full: ``nix-build -A image`` of the next application, ``./result | docker
  load``, and the same ``docker run``.

Both builds are of new images over recorded layers (cachedLayers = true): only
the application's layer record is new. The images are removed at the end.
Targets: incremental <= 10% of full, and its time flat across closure sizes.

A last line, "fixed", times what every edit-to-run loop pays whatever it
loads: Nix building one new trivial derivation (``nix-build -E``, evaluation
and one build, no image) and the same ``docker run`` of an image Docker holds.
Its ratio to the full path is a floor no loading strategy can go under.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from nixbench import REPO, Closure, Image, nix_build  # noqa: E402

BUSYBOX = ["--arg", "extraContents", f"[ (import {REPO}/examples/packages.nix {{ }}).busybox ]"]


@dataclass(frozen=True)
class Fixed:
    build: float  # a trivial new derivation through nix-build
    run: float  # docker run of an image Docker holds


@dataclass(frozen=True)
class Round:
    size_mb: int
    incremental: tuple[float, float, float]  # build, load, run
    full: tuple[float, float, float]


def timed(command: list[str] | str, *, shell: bool = False) -> tuple[float, str]:
    """Run ``command``; return its wall time and stdout."""
    start = time.perf_counter()
    done = subprocess.run(command, shell=shell, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"bench: {command!r} failed:\n{done.stderr[-3000:]}")
    return seconds, done.stdout


def loaded_name(stdout: str) -> str:
    names = [line.split(": ", 1)[1] for line in stdout.splitlines() if line.startswith("Loaded image: ")]
    if not names:
        raise SystemExit(f"bench: no image loaded: {stdout!r}")
    return names[-1]


def image(closure: Closure, app: int) -> Image:
    return Image(closure, app, extra=BUSYBOX)


def incremental(closure: Closure, app: int, names: list[str]) -> tuple[float, float, float]:
    build = nix_build(image(closure, app).args(), "image.copyToDockerDaemon", "edit-incremental")
    load, out = timed([build.path, "--quiet"])
    names.append(loaded_name(out))
    run, _ = timed(["docker", "run", "--rm", "--network", "none", names[-1], "busybox", "true"])
    return build.seconds, load, run


def full(closure: Closure, app: int, names: list[str]) -> tuple[float, float, float]:
    build = nix_build(image(closure, app).args(), "image", "edit-full")
    load, out = timed(f"{build.path} --quiet | docker load", shell=True)
    names.append(loaded_name(out))
    run, _ = timed(["docker", "run", "--rm", "--network", "none", names[-1], "busybox", "true"])
    return build.seconds, load, run


def fixed(name: str) -> Fixed:
    """The loop's costs that no load avoids (see the module's docstring)."""
    stamp = time.time_ns()
    expression = (f'derivation {{ name = "edit-to-run-fixed-{stamp}"; system = builtins.currentSystem; '
                  'builder = "/bin/sh"; args = [ "-c" "echo > $out" ]; }')
    build, _ = timed(["nix-build", "--no-out-link", "--option", "substituters", "", "-E", expression])
    run, _ = timed(["docker", "run", "--rm", "--network", "none", name, "busybox", "true"])
    return Fixed(build, run)


def measure(size_mb: int, args: argparse.Namespace, names: list[str]) -> list[Round]:
    closure = Closure(size_mb, args.paths, app_mb=args.app_mb)
    # Application versions no earlier run built, so that every timed build is new.
    first = time.time_ns() // 1000 % 10**9 * 100
    apps = range(first + 1, first + 2 + 2 * args.rounds)
    print(f"bench: {size_mb} MB: building the closure and {len(apps)} applications (untimed) ...", file=sys.stderr)
    for app in apps:
        nix_build(image(closure, app).args(), "contents", f"edit-prepare-{app - first}")
    warm = nix_build(image(closure, apps[0]).args(), "image.copyToDockerDaemon", "edit-prepare-1")
    names.append(loaded_name(timed([warm.path, "--quiet", "--all-layers"])[1]))
    rounds = []
    for r in range(args.rounds):
        print(f"bench: {size_mb} MB: round {r + 1} ...", file=sys.stderr)
        rounds.append(Round(size_mb, incremental(closure, apps[1 + 2 * r], names),
                            full(closure, apps[2 + 2 * r], names)))
    return rounds


def table(rounds: list[Round], floor: Fixed) -> list[str]:
    rows = [f"{'closure MB':>10} {'path':<12} {'build s':>8} {'load s':>8} {'run s':>7} {'total s':>8} "
            f"{'ratio':>6} {'load ratio':>10}"]
    for r in rounds:
        totals = sum(r.incremental), sum(r.full)
        for label, parts, total in (("incremental", r.incremental, totals[0]), ("full", r.full, totals[1])):
            ratios = (f"{totals[0] / totals[1]:.3f}", f"{r.incremental[1] / r.full[1]:.3f}") \
                if label == "incremental" else ("", "")
            rows.append(f"{r.size_mb:>10} {label:<12} {parts[0]:>8.2f} {parts[1]:>8.2f} {parts[2]:>7.2f} "
                        f"{total:>8.2f} {ratios[0]:>6} {ratios[1]:>10}")
    last = sum(rounds[-1].full)
    rows.append(f"{'':>10} {'fixed':<12} {floor.build:>8.2f} {0:>8.2f} {floor.run:>7.2f} "
                f"{floor.build + floor.run:>8.2f} {(floor.build + floor.run) / last:>6.3f} {'':>10}")
    return rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes-mb", default="1000", help="closure sizes, comma-separated (default 1000)")
    parser.add_argument("--paths", type=int, default=120, help="store paths of the closure (default 120)")
    parser.add_argument("--app-mb", type=int, default=10, help="size of the application (default 10)")
    parser.add_argument("--rounds", type=int, default=1, help="rounds per size (default 1)")
    args = parser.parse_args(argv)
    names: list[str] = []
    try:
        rounds = [r for size in args.sizes_mb.split(",") for r in measure(int(size), args, names)]
        floor = fixed(names[-1])
    finally:
        subprocess.run(["docker", "rmi", *names], capture_output=True)
    print(f"edit-to-run after an application change ({args.app_mb} MB), {args.paths} paths, "
          "nix-build + load + docker run busybox true")
    print("\n".join(table(rounds, floor)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
