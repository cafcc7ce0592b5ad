"""Benchmark of buildLayeredImage's gzip (every core) against single-threaded gzip
of the same uncompressed stream.

    python3 bench/compress.py [--size-mb 1000] [--paths 120] [--repeat 1]

Builds (untimed) the synthetic closure of bench/rebuild.py and its image's
layer records, then measures, in one run, each side writing a file in a
temporary directory next to the store (page cache warm: the image is streamed
once first):

* stream:      ``stream --plan PLAN > file`` (no compression: the floor);
* gzip -6:     ``stream --plan PLAN | gzip -6 > file`` (GNU gzip, one thread);
* zlib 6:      ``stream --plan PLAN | python3 <zlib level 6, gzip wrapper>``
               (Python's zlib, one thread, 1 MiB reads);
* ours:        buildLayeredImage's builder alone (this checkout's code, run
               outside Nix on the same plan): stowage.output.pgzip on every core;
* nix-build:   the whole ``nix-build`` of the buildLayeredImage (layers already
               recorded; a new tag makes only the plan, conf and image derivations
               run), including evaluation and Nix hashing the output.

The ratio is each time over gzip -6's. The closure's file bytes are random
(incompressible); headers, padding and the metadata compress.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import uuid
from typing import Callable

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from nixbench import REPO, STREAM, Closure, Image, delete, nix_build, pipeline  # noqa: E402

# Python's zlib at level 6 with a gzip wrapper (wbits 31), one thread.
ZLIB = """
import sys, zlib
c = zlib.compressobj(6, zlib.DEFLATED, 31)
read, write = sys.stdin.buffer.raw.read, sys.stdout.buffer.write
while data := read(1 << 20):
    write(c.compress(data))
write(c.flush())
"""

# buildLayeredImage's builder on a plan, outside Nix: argv = plan, compressor, out
# (gz at nix/compressors.nix's level).
BUILDER = """
import sys
sys.path.insert(0, sys.argv[1])
from stowage.cli.build_layered import build
from stowage.cli.common import Step
from stowage.contract.image_requests import BuildRequest
from stowage.output.compression import Compression
build(Step(BuildRequest("buildLayeredImage", sys.argv[2], Compression(sys.argv[3], None, 6)), sys.argv[4], ()))
"""


def builder(plan: str, compressor: str, out: str) -> list[str]:
    return [sys.executable, "-SB", "-c", BUILDER, os.path.join(REPO, "python"), plan, compressor, out]


def timed_builder(plan: str, compressor: str, out: str) -> float:
    if os.path.exists(out):
        os.unlink(out)
    return pipeline(builder(plan, compressor, out))


def measure(plan: str, image: Image, scratch: str, repeat: int) -> dict[str, tuple[float, int]]:
    """Return, per side, the best wall time and the size of what it wrote."""
    stream = [sys.executable, "-SB", STREAM, "--plan", plan, "--quiet"]
    out = {name: os.path.join(scratch, name) for name in ("stream", "gzip", "zlib", "ours")}
    sides: dict[str, tuple[Callable[[], float], str]] = {
        "stream (no compression)": (lambda: pipeline(stream, output=out["stream"]), out["stream"]),
        "gzip -6 (one thread)": (lambda: pipeline(stream, ["gzip", "-6", "-n"], output=out["gzip"]), out["gzip"]),
        "zlib 6 (one thread)": (
            lambda: pipeline(stream, [sys.executable, "-SB", "-c", ZLIB], output=out["zlib"]), out["zlib"]
        ),
        "ours: pgzip builder": (lambda: timed_builder(plan, "gz", out["ours"]), out["ours"]),
    }
    pipeline(stream)  # page cache warm
    times: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(repeat):
        for name, (run, _path) in sides.items():
            print(f"bench: {name} ...", file=sys.stderr)
            times[name].append(run())
    result = {name: (min(times[name]), os.path.getsize(path)) for name, (_run, path) in sides.items()}
    nix_times, size = [], 0
    for _ in range(repeat):
        print("bench: nix-build of buildLayeredImage gz ...", file=sys.stderr)
        build = nix_build(Image(image.closure, 1, "layered", "gz", tag=uuid.uuid4().hex[:12]).args(),
                          "image", "compress-gz")
        nix_times.append(build.seconds)
        size = os.path.getsize(build.path)
        delete([build.path], ["compress-gz"])  # about as large as the closure
    result["ours: nix-build, whole"] = (min(nix_times), size)
    return result


def table(result: dict[str, tuple[float, int]], raw: int) -> list[str]:
    base = result["gzip -6 (one thread)"][0]
    rows = [f"{'side':<26} {'seconds':>8} {'MB/s in':>8} {'ratio':>6} {'out MB':>9} {'out/in':>7}"]
    for name, (seconds, size) in result.items():
        rows.append(
            f"{name:<26} {seconds:>8.2f} {raw / 1e6 / seconds:>8.0f} {seconds / base:>6.2f} "
            f"{size / 1e6:>9.1f} {size / raw:>7.4f}"
        )
    return rows


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=1000, help="file bytes of the closure (default 1000)")
    parser.add_argument("--paths", type=int, default=120, help="store paths of the closure (default 120)")
    parser.add_argument("--mix", choices=["default", "small"], default="default")
    parser.add_argument("--repeat", type=int, default=1, help="timed runs per side (default 1)")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    image = Image(Closure(args.size_mb, args.paths, args.mix), 1, "layered", "gz")
    print("bench: building the closure and the layer records (untimed) ...", file=sys.stderr)
    conf = nix_build(image.args(), "conf", "compress-conf")
    plan = os.path.join(conf.path, "plan.json")
    scratch = tempfile.mkdtemp(prefix="stowage-bench-", dir=os.environ.get("TMPDIR", "/tmp"))
    try:
        start = time.perf_counter()
        result = measure(plan, image, scratch, args.repeat)
        raw = result["stream (no compression)"][1]
    finally:
        shutil.rmtree(scratch)
    print(
        f"buildLayeredImage gz vs single-threaded gzip of the same stream: {raw / 1e6:,.0f} MB image "
        f"({args.size_mb} MB closure, {args.mix} mix), {os.cpu_count()} cores, best of {args.repeat}; "
        f"ratio = time / gzip -6's ({time.perf_counter() - start:.0f} s in all)"
    )
    print("\n".join(table(result, raw)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
