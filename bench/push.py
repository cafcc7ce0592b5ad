"""Benchmark of copyToRegistry against ``skopeo copy`` of the same image, in one run.

    python3 bench/push.py [--size-mb 500] [--paths 40] [--repeat 3] [--variants gzip1,gzip6,zstd3,gzip1-kept,zstd3-kept]
                          [--data random|text] [--cold 1] [--from-pulled]

Builds two images of the synthetic closure (bench/closure.nix, buildLayeredImage,
uncompressed archives): application version 1 and version 2 (only the 10 MB
application path differs, so its layer and the customisation layer, whose root
links point at it, change), of ``--data``: random bytes (the default, which
deflate cannot shrink, like the compressed files of a real closure) or
compressible "text" (text-like and binary-like files, about 40 % of their
size under gzip -6). Starts Debian's ``docker-registry`` on 127.0.0.1 with
its storage in a temporary directory, then measures, wall time and bytes sent:

* skopeo, cold: ``skopeo copy --dest-tls-verify=false docker-archive:A docker://…``
  into an empty repository, with an empty blob-info cache (a fresh HOME, and
  ``_CONTAINERS_ROOTLESS_UID`` so that skopeo, run as root, keeps its cache there
  instead of in /var/lib/containers);
* skopeo, again (fresh runner): the same copy again, with another empty cache,
  as a fresh CI runner would push;
* skopeo, again (warm cache): the same copy again with the cold run's cache;
* skopeo, version 2: the archive of version 2 to the same repository, empty cache;
* ours, cold: ``$(nix-build -A image.copyToRegistry)`` into an empty repository,
  for each ``--variants`` pushCompression: gzip level 1 (the default), gzip
  level 6, zstd level 3, and gzip 1 and zstd 3 with ``keepBlobs`` (the blobs
  kept in the store by the compressed-layer derivations, sent as they are);
* ours, no-op: the default variant's push again (best of ``--repeat``);
* with ``--cold N``, skopeo's cold push and each variant's are taken N times,
  in turn (skopeo, then each variant, then skopeo again…), each into a new
  repository, and their medians reported, so that a loaded machine slows both
  sides alike;
* ours, version 2: version 2's copyToRegistry to the same repository;
* with ``--from-pulled``: skopeo's cold push pulled back with pullImage (through
  prefetch-image, which adds it to the store), a child ``buildLayeredImage`` of it
  (one small customisation layer), and the child's copyToRegistry to another
  repository of the registry: with the registry record (base layers mounted) and
  with ``registryRecord = false`` (base layers compressed again at build time and
  sent); the build of each copyToRegistry (the base's compressed-layer record
  included) is timed too.

Bytes sent: for skopeo, the ``wchar`` of its process (Go writes sockets with
write(2); the count also holds its cache's writes, a few kB), read from
``/proc/<shell>/io`` of a shell that waited for it; for copyToRegistry, the blob
bytes its summary line reports (Python sends with send(2), which ``wchar`` does
not count). The build of the compressed-layer records (once per layer, then
cached) is timed separately.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nixbench import REPO, Build, Closure, Image, nix_build  # noqa: E402

PREFETCH = os.path.join(REPO, "python", "bin", "prefetch-image")

#: Runs a command, then prints the shell's I/O counters, which by then include the
#: command's (a reaped child's counts are added to its parent's).
_COUNTED = '"$@" >/dev/null 2>"$STOWAGE_BENCH_ERR"; s=$?; grep wchar /proc/$$/io; exit $s'
_SUMMARY = re.compile(r"blobs sent \((\d+) bytes\)")


@dataclass(frozen=True)
class Measure:
    label: str
    seconds: float
    bytes_sent: int


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_registry(directory: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    config = {
        "version": 0.1,
        "log": {"level": "error", "accesslog": {"disabled": True}},
        "storage": {"filesystem": {"rootdirectory": os.path.join(directory, "data")}},
        "http": {"addr": f"127.0.0.1:{port}", "secret": "bench"},
    }
    path = os.path.join(directory, "config.yml")
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(config, handle)
    log = open(os.path.join(directory, "registry.log"), "wb")
    process = subprocess.Popen(["docker-registry", "serve", path], stdout=log, stderr=log)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, f"127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    raise SystemExit("bench: docker-registry did not start")


def counted(label: str, command: list[str], env: Optional[dict[str, str]] = None) -> tuple[Measure, str]:
    """Run ``command``; return its wall time and the bytes it wrote, and its stderr."""
    with tempfile.NamedTemporaryFile(prefix="push-bench-") as err:
        start = time.perf_counter()
        done = subprocess.run(["sh", "-c", _COUNTED, "sh", *command], capture_output=True, text=True,
                              env={**os.environ, **(env or {}), "STOWAGE_BENCH_ERR": err.name})
        seconds = time.perf_counter() - start
        stderr = open(err.name, encoding="utf-8").read()
        if done.returncode != 0:
            raise SystemExit(f"bench: {command} failed:\n{stderr[-3000:]}")
    return Measure(label, seconds, int(done.stdout.split()[-1])), stderr


def skopeo(label: str, archive: str, destination: str, home: Optional[str] = None) -> Measure:
    """skopeo copy with the blob-info cache in ``home`` (a new, empty one by default)."""
    fresh = home is None
    home = home or tempfile.mkdtemp(prefix="push-bench-home-")
    try:
        command = ["skopeo", "copy", "-q", "--dest-tls-verify=false", f"docker-archive:{archive}", f"docker://{destination}"]
        return counted(label, command, {"HOME": home, "_CONTAINERS_ROOTLESS_UID": "1000"})[0]
    finally:
        if fresh:
            shutil.rmtree(home)


def ours(label: str, push: str, destination: str) -> Measure:
    measure, stderr = counted(label, [push, "--tls-verify=false", f"docker://{destination}"])
    match = _SUMMARY.search(stderr)
    if match is None:
        raise SystemExit(f"bench: no summary line from {push}:\n{stderr[-3000:]}")
    return Measure(label, measure.seconds, int(match.group(1)))


#: The image's own pushCompression (the default), then the others measured.
DEFAULT = "gzip1"
VARIANTS = {
    DEFAULT: "{ }",
    "gzip6": "{ level = 6; }",
    "zstd3": '{ format = "zstd"; level = 3; }',
    "gzip1-kept": "{ keepBlobs = true; }",
    "zstd3-kept": '{ format = "zstd"; level = 3; keepBlobs = true; }',
}


def variant_pushes(closure: Closure, names: list[str]) -> list[tuple[str, str]]:
    """(variant, copyToRegistry) of application 1 for the other pushCompression variants."""
    pushes = []
    for name in names:
        image = Image(closure, 1, builder="layered", extra=["--arg", "pushCompression", VARIANTS[name]])
        build = nix_build(image.args(), "image.copyToRegistry", f"push-variant-{name}")
        print(f"copyToRegistry, {name}: built in {build.seconds:.1f} s ({build.derivations} derivations)")
        pushes.append((name, build.path))
    return pushes


def _build_expr(expr: str) -> Build:
    start = time.perf_counter()
    done = subprocess.run(["nix-build", "--no-out-link", "--option", "substituters", "", "-E", expr],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"bench: nix-build failed:\n{done.stderr[-3000:]}")
    return Build(done.stdout.strip().splitlines()[-1], time.perf_counter() - start, 0)


def from_pulled(host: str) -> list[Measure]:
    """A child of the pulled ``skopeo-0:1`` pushed to other repositories, with and without the record."""
    results = []
    for record in (True, False):
        flags = [] if record else ["--no-registry-record"]
        done = subprocess.run([sys.executable, PREFETCH, "--json", "--quiet", "--tls-verify=false", *flags,
                               f"{host}/skopeo-0:1"], capture_output=True, text=True, check=True)
        call = json.loads(done.stdout)
        body = " ".join(f"{k} = {json.dumps(v)};" for k, v in call.items() if v is not None)
        lib = f"(import {REPO} {{ }})"
        child = (f'{lib}.buildLayeredImage {{ name = "child"; tag = "1"; fromImage = {lib}.pullImage {{ {body} }};'
                 ' extraCommands = "echo child > child"; }')
        label = "with the record" if record else "registryRecord = false"
        build = _build_expr(f"({child}).copyToRegistry")
        print(f"child of the pulled base ({label}): copyToRegistry built in {build.seconds:.1f} s")
        where = f"{host}/child-{'record' if record else 'plain'}:1"
        results.append(ours(f"child of pulled base, {label}", build.path, where))
    return results


def median(label: str, measures: list[Measure]) -> Measure:
    """The median run of ``measures`` (by time), under ``label``; prints them all."""
    ordered = sorted(measures, key=lambda m: m.seconds)
    print(f"{label}: " + ", ".join(f"{m.seconds:.2f}" for m in measures) + " s")
    return Measure(label, ordered[len(ordered) // 2].seconds, ordered[len(ordered) // 2].bytes_sent)


def cold_pushes(count: int, archive: str, pushes: list[tuple[str, str]], host: str, cache: str) -> list[Measure]:
    """skopeo's and each variant's cold push, ``count`` times in turn, each
    into a repository of its own; their medians, skopeo's first. The first
    skopeo run keeps its blob-info cache in ``cache`` (for the warm-cache run)."""
    runs: dict[str, list[Measure]] = {"skopeo": []}
    for round_ in range(count):
        runs["skopeo"].append(skopeo("skopeo, cold", archive, f"{host}/skopeo-{round_}:1", cache if round_ == 0 else None))
        for name, push in pushes:
            runs.setdefault(name, []).append(ours(name, push, f"{host}/ours-{name}-{round_}:1"))
    suffix = f" (median of {count})" if count > 1 else ""
    labels = {"skopeo": "skopeo, cold", DEFAULT: "copyToRegistry, cold"}
    return [median(labels.get(name, f"copyToRegistry, cold, {name}") + suffix, measures) for name, measures in runs.items()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=500)
    parser.add_argument("--paths", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--variants", default=",".join(VARIANTS), help="pushCompression variants of the cold push")
    parser.add_argument("--data", choices=["random", "text"], default="random", help="the file bytes (closure.nix)")
    parser.add_argument("--cold", type=int, default=1, help="cold pushes of each kind, taken in turn (median)")
    parser.add_argument("--from-pulled", action="store_true", help="also push a child of the pulled base")
    options = parser.parse_args()
    closure = Closure(options.size_mb, options.paths, data=options.data)
    v1, v2 = (Image(closure, app, builder="layered") for app in (1, 2))
    archives = [nix_build(image.args(), "image", f"push-archive-{image.app}").path for image in (v1, v2)]
    records = [nix_build(image.args(), "image.copyToRegistry", f"push-{image.app}") for image in (v1, v2)]
    for image, build in zip((v1, v2), records, strict=True):
        print(f"copyToRegistry of app {image.app} built in {build.seconds:.1f} s "
              f"({build.derivations} derivations: compressed-layer records, push plan, launcher)")
    pushes = [build.path for build in records]
    others = variant_pushes(closure, [v for v in options.variants.split(",") if v != DEFAULT])
    directory = tempfile.mkdtemp(prefix="push-bench-registry-")
    cache = tempfile.mkdtemp(prefix="push-bench-home-")
    process, host = start_registry(directory)
    try:
        cold = cold_pushes(options.cold, archives[0], [(DEFAULT, pushes[0]), *others], host, cache)
        results = [
            cold[0],
            skopeo("skopeo, again (fresh runner)", archives[0], f"{host}/skopeo-0:again"),
            skopeo("skopeo, again (warm cache)", archives[0], f"{host}/skopeo-0:warm", cache),
            skopeo("skopeo, app version 2", archives[1], f"{host}/skopeo-0:2"),
            cold[1],
        ]
        again = [ours("copyToRegistry, no-op", pushes[0], f"{host}/ours-{DEFAULT}-0:again") for _ in range(options.repeat)]
        results.append(min(again, key=lambda m: m.seconds))
        results.append(ours("copyToRegistry, app version 2", pushes[1], f"{host}/ours-{DEFAULT}-0:2"))
        results += cold[2:]
        if options.from_pulled:
            results += from_pulled(host)
    finally:
        os.kill(process.pid, signal.SIGTERM)
        process.wait()
        shutil.rmtree(directory)
        shutil.rmtree(cache, ignore_errors=True)
    print(f"\n{'':40} {'seconds':>8} {'MB sent':>9} {'/ skopeo cold':>13}")
    for m in results:
        print(f"{m.label:40} {m.seconds:8.2f} {m.bytes_sent / 1e6:9.2f} {m.seconds / results[0].seconds:13.2f}")
    noop = results[5]
    print(f"\nno-op push / skopeo cold: {noop.seconds / results[0].seconds:.1%}; "
          f"/ skopeo again (fresh runner): {noop.seconds / results[1].seconds:.1%}; "
          f"/ skopeo again (warm cache): {noop.seconds / results[2].seconds:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
