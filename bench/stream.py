"""Benchmark of ``stream`` against ``tar`` over the same paths, with and without hashing.

    python3 bench/stream.py [--size-mb 1000] [--mix default|small|both]
                            [--entries 100000] [--repeat 3]

Builds synthetic closures (bench/closure.nix) as real store paths, plans a
streamLayeredImage of each, then measures, in one run and interleaved:

* stream: ``python3 -SB python/bin/stream --plan PLAN`` (this checkout's code)
  into a pipe read by ``cat > /dev/null``;
* tar:    ``tar -cf - PATHS | cat > /dev/null``: no hashing, like the stream of
  an image whose layers are all recorded (this plan's are: cached layers);
* floor:  ``tar -cf - PATHS`` into a separate Python process that sha256-hashes
  its stdin with hashlib: the least a tool that hashes must do (read every file,
  frame it, hash it, pass it through a pipe);

throughput in MB/s of file bytes (regular files' sizes, 10^6 bytes), the
stream's ratios to both, microseconds per tar entry, and the stream's peak
RSS. Each side is run
once untimed first (page cache warm; the stream's image digest is printed so a
change of output bytes shows), then ``--repeat`` times; the best run counts, or
with ``--median`` the median run. ``cpu`` is the CPU time (user + system) of
the stream and of ``tar``, and its ratio tar / stream: on a loaded machine it
moves less than the wall time. ``--baseline DIR`` also runs ``DIR``'s
``python/bin/stream`` (another checkout, e.g. ``git archive`` of an older
commit) on the same plans (less the layers' listings, which it may not read),
interleaved, as a row ``<case>-base``. ``--verify`` makes every stream hash
every layer (as a stream of layers without records does); ``--unlisted`` makes
this checkout's stream read the plan without listings too (it lists the store).
A last case streams one layer of ``--entries`` tiny files (maxLayers = 2) for
peak RSS and the per-entry cost.
"""

from __future__ import annotations

import argparse
import json
import os
import stat
import subprocess
import sys
import statistics
import time
from dataclasses import dataclass
from typing import Callable, Optional

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
STREAM = os.path.join(REPO, "python", "bin", "stream")
OUT = os.path.join(BENCH, "out")

# Reads stdin in 1 MiB chunks; prints the sha256 when asked to (argv[1] == "-p").
HASHER = """
import hashlib, sys
h = hashlib.sha256()
buf = bytearray(1 << 20)
view = memoryview(buf)
read = sys.stdin.buffer.raw.readinto
while n := read(buf):
    h.update(view[:n])
if sys.argv[1:] == ["-p"]:
    print(h.hexdigest())
"""


@dataclass(frozen=True)
class Case:
    label: str
    mix: str
    size_mb: int
    files: int
    paths: int
    max_layers: int


@dataclass(frozen=True)
class Closure:
    plan: str
    unlisted_plan: str  # the plan without the layers' listings, for a baseline older than them
    store_paths: list[str]
    file_bytes: int
    entries: int
    layers: int


@dataclass(frozen=True)
class Run:
    seconds: float
    max_rss_kb: int
    cpu: float = 0.0


def build(case: Case, seed: int) -> Closure:
    """Build the case's closure and image plan; return what the measures need."""
    os.makedirs(OUT, exist_ok=True)
    command = [
        "nix-build", "--option", "substituters", "",
        os.path.join(BENCH, "closure.nix"), "-A", "conf",
        "--out-link", os.path.join(OUT, f"conf-{case.label}"),
        "--argstr", "mix", case.mix,
        "--arg", "sizeMb", str(case.size_mb),
        "--arg", "files", str(case.files),
        "--arg", "paths", str(case.paths),
        "--arg", "maxLayers", str(case.max_layers),
        "--arg", "seed", str(seed),
    ]
    conf = subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()
    plan = os.path.join(conf, "plan.json")  # conf is a directory since layers are cached
    with open(plan, encoding="utf-8") as handle:
        layers = json.load(handle)["storeLayers"]
    store_paths = sorted(p for layer in layers for p in layer["paths"])
    file_bytes, entries = measure_tree(store_paths)
    return Closure(plan, unlisted(plan, case.label), store_paths, file_bytes, entries, len(layers))


def unlisted(plan: str, label: str) -> str:
    """A copy of ``plan`` without the layers' listings: what a baseline from before
    listings reads (its strict parser refuses the key; it streams the same bytes)."""
    with open(plan, encoding="utf-8") as handle:
        doc = json.load(handle)
    for layer in doc["storeLayers"]:
        layer.pop("listing", None)
    path = os.path.join(OUT, f"plan-{label}-unlisted.json")
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(doc, handle)
    return path


def measure_tree(paths: list[str]) -> tuple[int, int]:
    """Return (bytes of regular files, tar entries) below ``paths``."""
    total, entries = 0, 0
    for top in paths:
        entries += 1
        for root, dirs, files in os.walk(top):
            entries += len(dirs) + len(files)
            for name in files:
                st = os.lstat(os.path.join(root, name))
                total += st.st_size if stat.S_ISREG(st.st_mode) else 0
    return total, entries


def _wait(process: subprocess.Popen[bytes]) -> Run:
    """Wait for ``process``; return its peak RSS (the time is the caller's)."""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"bench: {process.args!r} exited with {process.returncode}")
    return Run(0.0, usage.ru_maxrss, usage.ru_utime + usage.ru_stime)


def pipeline(producer: list[str], consumer: list[str], *, output: Optional[int] = None) -> Run:
    """Run ``producer | consumer``; return the wall time, the producer's peak RSS and CPU time."""
    start = time.perf_counter()
    left = subprocess.Popen(producer, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert left.stdout is not None
    right = subprocess.Popen(consumer, stdin=left.stdout, stdout=output or subprocess.DEVNULL)
    left.stdout.close()
    done = _wait(left)
    _wait(right)
    return Run(time.perf_counter() - start, done.max_rss_kb, done.cpu)


@dataclass(frozen=True)
class How:
    """How the streams run: hashing every layer (``--verify``); from the plan
    without listings (the baseline always is)."""

    verify: bool = False
    unlisted: bool = False


def stream_command(closure: Closure, stream: str = STREAM, how: How = How()) -> list[str]:
    plan = closure.plan if stream == STREAM and not how.unlisted else closure.unlisted_plan
    return [sys.executable, "-SB", stream, "--plan", plan, "--quiet", *(["--verify"] if how.verify else [])]


def floor_command(closure: Closure) -> list[str]:
    return ["tar", "-cf", "-", "-C", "/", *(p.lstrip("/") for p in closure.store_paths)]


def hasher(*flags: str) -> list[str]:
    return [sys.executable, "-SB", "-c", HASHER, *flags]


def image_digest(closure: Closure, stream: str = STREAM, how: How = How()) -> str:
    """Stream the image once (warming the cache) and return its sha256."""
    read, write = os.pipe()
    pipeline(stream_command(closure, stream, how), hasher("-p"), output=write)
    os.close(write)
    with os.fdopen(read, "r") as handle:
        return handle.read().strip()


def best(runs: list[Run]) -> Run:
    return Run(min(r.seconds for r in runs), max(r.max_rss_kb for r in runs), min(r.cpu for r in runs))


def median(runs: list[Run]) -> Run:
    return Run(
        statistics.median(r.seconds for r in runs), max(r.max_rss_kb for r in runs),
        statistics.median(r.cpu for r in runs),
    )


def measure(closure: Closure, repeat: int, streams: list[str],
            pick: Callable[[list[Run]], Run], how: How = How()) -> tuple[list[Run], Run, Run, list[str]]:
    """Return the picked run of each stream, of tar | cat and of the floor, and
    each stream's image digest."""
    digests = [image_digest(closure, stream, how) for stream in streams]
    pipeline(floor_command(closure), hasher())
    runs: list[list[Run]] = [[] for _ in streams]
    tars, floors = [], []
    for _ in range(repeat):
        for stream, mine in zip(streams, runs, strict=True):
            mine.append(pipeline(stream_command(closure, stream, how), ["cat"]))
        tars.append(pipeline(floor_command(closure), ["cat"]))
        floors.append(pipeline(floor_command(closure), hasher()))
    return [pick(mine) for mine in runs], pick(tars), pick(floors), digests


def report_row(label: str, closure: Closure, stream: Run, tar: Run, floor: Run) -> str:
    mb = closure.file_bytes / 1e6
    return (
        f"{label:<13} {mb:>5.0f} {closure.entries:>8} {closure.layers:>6} "
        f"{mb / stream.seconds:>8.0f} {mb / tar.seconds:>8.0f} {tar.seconds / stream.seconds:>6.2f} "
        f"{mb / floor.seconds:>8.0f} {floor.seconds / stream.seconds:>6.2f} "
        f"{stream.seconds / closure.entries * 1e6:>7.1f} {tar.seconds / closure.entries * 1e6:>7.1f} "
        f"{stream.max_rss_kb / 1024:>7.1f} {stream.cpu:>6.2f} {tar.cpu:>6.2f} {tar.cpu / stream.cpu:>6.2f}"
    )


HEADER = (
    f"{'case':<13} {'MB':>5} {'entries':>8} {'layers':>6} "
    f"{'stream':>8} {'tar|cat':>8} {'ratio':>6} {'floor':>8} {'ratio':>6} "
    f"{'us/ent':>7} {'us/ent':>7} {'RSS MB':>7} {'cpu s':>6} {'cpu s':>6} {'cpu':>6}\n"
    f"{'':<13} {'files':>5} {'':>8} {'':>6} {'MB/s':>8} {'MB/s':>8} {'':>6} {'MB/s':>8} {'':>6} "
    f"{'stream':>7} {'tar':>7} {'stream':>7} {'stream':>6} {'tar':>6} {'ratio':>6}"
)


def cases(args: argparse.Namespace) -> list[Case]:
    mixes = ["default", "small"] if args.mix == "both" else [args.mix]
    out = [Case(m, m, args.size_mb, 0, args.paths, 100) for m in mixes]
    if args.entries:
        # ~1.3 % of the entries are directories and symlinks: ask for fewer files.
        out.append(Case("entries", "tiny", 0, args.entries * 100 // 102, 10, 2))
    return out


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=1000, help="file bytes per closure (default 1000)")
    parser.add_argument("--mix", choices=["default", "small", "both"], default="both")
    parser.add_argument("--entries", type=int, default=100000,
                        help="entries of the one-layer case (0: skip it; default 100000)")
    parser.add_argument("--paths", type=int, default=40, help="store paths per closure (default 40)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per side (default 3)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--median", action="store_true", help="the median run counts, not the best")
    parser.add_argument("--verify", action="store_true",
                        help="the stream hashes every layer as it writes it (stream --verify), as without records")
    parser.add_argument("--unlisted", action="store_true",
                        help="every stream reads the plan without the layers' listings (the store is listed)")
    parser.add_argument("--baseline", metavar="DIR",
                        help="another checkout whose stream also runs on the same plans (row <case>-base; "
                             "without the layers' listings)")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    rows, digests = [], []
    for case in cases(args):
        print(f"bench: building {case.label} ...", file=sys.stderr)
        closure = build(case, args.seed)
        print(f"bench: measuring {case.label} ({closure.entries} entries) ...", file=sys.stderr)
        streams = [STREAM] + ([os.path.join(args.baseline, "python", "bin", "stream")] if args.baseline else [])
        how = How(args.verify, args.unlisted)
        runs, tar, floor, sums = measure(closure, args.repeat, streams, median if args.median else best, how)
        for label, stream, digest in zip([case.label, f"{case.label}-base"], runs, sums, strict=False):
            digests.append(f"{label:<13} sha256:{digest}  {closure.plan}")
            rows.append(report_row(label, closure, stream, tar, floor))
    hashing = "stream --verify: every layer hashed" if args.verify else "recorded layers: no hashing"
    hashing += "; listings not read" if args.unlisted else ""
    print(
        f"stream ({hashing}) vs tar | cat and vs tar | python sha256 (floor), "
        f"{'median' if args.median else 'best'} of {args.repeat}; ratio = stream throughput / the other's"
    )
    print(HEADER)
    print("\n".join(rows))
    print("\nimage digests (compare before and after a change to the writer):")
    print("\n".join(digests))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
