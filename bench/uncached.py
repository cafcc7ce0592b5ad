"""Benchmark of what cachedLayers = false (the default) costs after the build: the
stream hashes every layer while it writes, and a push plan compresses every layer.

    python3 bench/uncached.py [--size-mb 1000] [--paths 120] [--repeat 2]

On the closure of rebuild.py, for cachedLayers true and false, with application 1
built first (untimed, push plan included), then application 2:

* stream: ``$(nix-build -A image) --quiet > /dev/null`` of application 2's
  streamLayeredImage, best of ``--repeat`` (page cache warm): recorded layers are
  written without hashing, unrecorded ones are hashed as they go;
* push plan: ``nix-build -A image.pushPlan`` of application 2 after application 1's:
  with records only the changed layers are compressed (by their own derivations);
  without, the push plan compresses every layer again (pgzip, every core);
* eval: one ``nix-instantiate`` of application 2's image and its push plan, built.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from nixbench import CLOSURE, Closure, Image, nix_build  # noqa: E402


def stream_seconds(script: str, repeat: int) -> float:
    """Best wall time of running the stream script into /dev/null, after one
    untimed run (page cache warm)."""
    times = []
    for _ in range(repeat + 1):
        start = time.perf_counter()
        with open(os.devnull, "wb") as sink:
            subprocess.run([script, "--quiet"], stdout=sink, check=True)
        times.append(time.perf_counter() - start)
    return min(times[1:] or times)


def eval_seconds(image: Image) -> float:
    command = ["nix-instantiate", "--option", "substituters", "", CLOSURE, "-A", "image", "-A", "image.pushPlan",
               *image.args()]
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def measure(closure: Closure, cached: bool, repeat: int) -> tuple[float, float, float, int]:
    """(stream s, push plan rebuild s, eval s, derivations the push plan rebuild ran)."""
    first, second = Image(closure, 1, cached=cached), Image(closure, 2, cached=cached)
    label = "cached" if cached else "uncached"
    print(f"bench: {label}: application 1, image and push plan (untimed) ...", file=sys.stderr)
    nix_build(first.args(), "image.pushPlan", f"uncached-{label}-push-1")
    script = nix_build(second.args(), "image", f"uncached-{label}-2").path
    print(f"bench: {label}: push plan of application 2 ...", file=sys.stderr)
    push = nix_build(second.args(), "image.pushPlan", f"uncached-{label}-push-2")
    print(f"bench: {label}: stream ...", file=sys.stderr)
    stream = stream_seconds(script, repeat)
    evaluation = min(eval_seconds(second) for _ in range(3))
    return stream, push.seconds, evaluation, push.derivations


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=1000)
    parser.add_argument("--paths", type=int, default=120)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    closure = Closure(args.size_mb, args.paths)
    rows = {cached: measure(closure, cached, args.repeat) for cached in (True, False)}
    print(f"cachedLayers true vs false after an application change: {args.size_mb} MB closure "
          f"({args.paths} paths + root + 10 MB app), streamLayeredImage, 2 cores")
    print(f"{'cachedLayers':<14} {'stream s':>9} {'stream MB/s':>12} {'push plan s':>12} {'drvs run':>9} {'eval s':>7}")
    for cached, (stream, push, evaluation, drvs) in rows.items():
        print(f"{str(cached).lower():<14} {stream:>9.2f} {args.size_mb / stream:>12,.0f} {push:>12.2f} "
              f"{drvs:>9} {evaluation:>7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
