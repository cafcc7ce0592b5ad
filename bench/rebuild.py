"""Benchmark of cached layers: full build vs rebuild after an application change,
and the store space an image takes beyond its closure.

    python3 bench/rebuild.py [--size-mb 1000] [--paths 120] [--app-mb 10]
                             [--builders stream,none,gz] [--jobs 1]
                             [--cached-layers both|true|false]

Builds (untimed) a synthetic closure (bench/closure.nix) with two versions of a
small "application" path on top, then, for each builder (streamLayeredImage,
buildLayeredImage with compressor "none", with "gz"):

* full: ``nix-build`` of the image with application 1, all of its layer
  derivations new (a layer mtime no earlier run used: new layer derivations
  over the same store paths, so building the closure is not counted);
* rebuild: ``nix-build`` of the same image with application 2 only.

Each builder runs with cachedLayers = true (a derivation per layer, recorded
digests) and false (the default: the image's derivation hashes every layer).
Both times include evaluation (with cachedLayers, its import from derivation:
the layer plan); "eval s" is one more evaluation of image B, everything built.
It reports their ratio, the layer derivations the rebuild ran, and the store
space of the two images beyond the closure: tarballs vs layer records, and the
estimate of keeping each layer's tar in its derivation (the sum of the sizes of
the distinct layers, as recorded).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from nixbench import CLOSURE, Build, Closure, Image, delete, nar_sizes, nix_build, nix_eval  # noqa: E402

LABELS = {"stream": "streamLayeredImage", "none": "buildLayeredImage none", "gz": "buildLayeredImage gz"}


@dataclass(frozen=True)
class Result:
    label: str
    full: Build
    rebuild: Build
    layers: int
    layers_rebuilt: int
    added: tuple[dict[str, int], dict[str, int]]  # NAR sizes of what each image adds
    layer_sizes: dict[str, int]  # record path -> layer tar size, both images
    records: tuple[list[str], list[str]]
    cached: bool
    eval_seconds: float  # one evaluation of image B, everything built


def unused_mtime() -> str:
    """A random second of 2000-2029: no earlier run's layer derivations match it."""
    seconds = 946684800 + random.SystemRandom().randrange(30 * 365 * 86400)
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def image_for(closure: Closure, flavour: str, app: int, mtime: str, cached: bool) -> Image:
    if flavour == "stream":
        return Image(closure, app, "stream", "none", mtime, cached=cached)
    return Image(closure, app, "layered", flavour, mtime, cached=cached)


def eval_seconds(image: Image) -> float:
    """Wall time of one ``nix-instantiate`` of the image (its inputs all built)."""
    command = ["nix-instantiate", "--option", "substituters", "", CLOSURE, "-A", "image", *image.args()]
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def layer_sizes(records: list[str]) -> dict[str, int]:
    sizes = {}
    for path in records:
        with open(path, encoding="utf-8") as handle:
            sizes[path] = int(json.load(handle)["size"])
    return sizes


def measure(closure: Closure, flavour: str, jobs: str, cached: bool) -> Result:
    """Full build with application 1, then the rebuild with application 2."""
    first = image_for(closure, flavour, 1, unused_mtime(), cached)
    second = replace(first, app=2)
    label = LABELS[flavour] + ("" if cached else ", uncached")
    links = [f"rebuild-{flavour}-{cached}-1", f"rebuild-{flavour}-{cached}-2"]
    print(f"bench: {label}: full build ...", file=sys.stderr)
    full = nix_build(first.args(), "image", links[0], jobs=jobs)
    print(f"bench: {label}: rebuild ...", file=sys.stderr)
    rebuild = nix_build(second.args(), "image", links[1], jobs=jobs)
    evaluation = min(eval_seconds(second) for _ in range(3))
    records = (nix_eval(first.args(), "layerRecords"), nix_eval(second.args(), "layerRecords"))
    added = tuple(nar_sizes(nix_eval(i.args(), "added")) for i in (first, second))
    result = Result(
        label, full, rebuild, len(records[1]), len(set(records[1]) - set(records[0])),
        (added[0], added[1]), layer_sizes(records[0] + records[1]), records, cached, evaluation,
    )
    if flavour != "stream":  # the tarballs are large: keep the store lean
        delete([full.path, rebuild.path], links)
    return result


def mb(size: float) -> str:
    return f"{size / 1e6:,.1f}"


def rebuild_table(results: list[Result]) -> list[str]:
    rows = [
        f"{'builder':<34} {'full s':>7} {'rebuild s':>9} {'ratio':>6} {'eval s':>6} "
        f"{'layer drvs rebuilt':>18} {'drvs run full / rebuild':>24}"
    ]
    for r in results:
        layers = f"{r.layers_rebuilt} of {r.layers}" if r.cached else "-"
        rows.append(
            f"{r.label:<34} {r.full.seconds:>7.2f} {r.rebuild.seconds:>9.2f} "
            f"{r.rebuild.seconds / r.full.seconds:>6.3f} {r.eval_seconds:>6.2f} "
            f"{layers:>18} "
            f"{f'{r.full.derivations} / {r.rebuild.derivations}':>24}"
        )
    return rows


def space_table(results: list[Result]) -> list[str]:
    """Store space beyond the closure, image A, image B, and both (shared paths once)."""
    rows = [f"{'what is stored (MB, NAR size)':<54} {'image A':>9} {'image B':>9} {'A and B':>9} {'A + B':>9}"]

    def row(label: str, a: float, b: float, both: float) -> None:
        rows.append(f"{label:<54} {mb(a):>9} {mb(b):>9} {mb(both):>9} {mb(a + b):>9}")

    for r in results:
        union = {**r.added[0], **r.added[1]}
        row(f"{r.label}: all outputs", sum(r.added[0].values()), sum(r.added[1].values()), sum(union.values()))
    stream = next((r for r in results if r.label == LABELS["stream"]), None)
    if stream is not None:
        # The alternative: each layer derivation keeps its tar too.
        tars = [sum(stream.layer_sizes[p] for p in recs) for recs in stream.records]
        distinct = sum(stream.layer_sizes[p] for p in set(stream.records[0]) | set(stream.records[1]))
        union = {**stream.added[0], **stream.added[1]}
        row(
            "  … if each layer drv kept its tar (estimate)",
            sum(stream.added[0].values()) + tars[0], sum(stream.added[1].values()) + tars[1],
            sum(union.values()) + distinct,
        )
    return rows


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=1000, help="file bytes of the closure (default 1000)")
    parser.add_argument("--paths", type=int, default=120, help="store paths of the closure (default 120)")
    parser.add_argument("--app-mb", type=int, default=10, help="size of the application (default 10)")
    parser.add_argument("--mix", choices=["default", "small"], default="default")
    parser.add_argument("--builders", default="stream,none,gz",
                        help="comma-separated, of stream, none, gz (default all three)")
    parser.add_argument("--jobs", default="1", help="nix-build --max-jobs (default 1, Nix's default)")
    parser.add_argument("--cached-layers", choices=["both", "true", "false"], default="both",
                        help="cachedLayers of the images (default both: each builder twice)")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    closure = Closure(args.size_mb, args.paths, args.mix, app_mb=args.app_mb)
    print("bench: building the closure and both applications (untimed) ...", file=sys.stderr)
    for app in (1, 2):
        nix_build(Image(closure, app).args(), "contents", f"rebuild-contents-{app}")
    modes = {"both": [True, False], "true": [True], "false": [False]}[args.cached_layers]
    results = [measure(closure, flavour, args.jobs, cached)
               for flavour in args.builders.split(",") for cached in modes]
    print(
        f"full build vs rebuild after changing only the application ({args.app_mb} MB) of a "
        f"{args.size_mb} MB closure ({args.mix} mix, {args.paths} paths + root + app), "
        f"nix-build --max-jobs {args.jobs}"
    )
    print("\n".join(rebuild_table(results)))
    print("\nstore space beyond the closure: image A (application 1), image B (application 2)")
    print("\n".join(space_table(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
