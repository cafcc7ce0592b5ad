#!/usr/bin/env python3
"""Does an engine load only the layers it lacks? A check of one machine's
Docker or podman, without Nix: a small store of random files under a temporary
directory, three image plans that share their two lower layers, and
``load-image`` run on each (the first plan twice), and the images removed.

    bench/engine_probe.py docker|podman

Prints, per load, its time, the layers held (not sent) and any note (a fallback
to the whole image); exits 1 if a load failed. Used to learn
how Docker 20.10, 26 and 28 (with and without the containerd image store) and
podman behave: see bench/README.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOAD = os.path.join(REPO, "python", "bin", "load-image")
sys.path.insert(0, os.path.join(REPO, "python"))
from stowage.tar.headers import Stamp  # noqa: E402
from stowage.layers import tarball  # noqa: E402
from stowage.output.sink import HashingSink, fd_output  # noqa: E402


def _store_path(store: str, name: str, size: int) -> str:
    path = os.path.join(store, f"{uuid.uuid4().hex[:32]}-{name}")
    os.makedirs(os.path.join(path, "bin"))
    with open(os.path.join(path, "bin", name), "wb") as handle:
        handle.write(os.urandom(size))
    return path


def _custom_layer(directory: str, text: str) -> dict[str, object]:
    """A one-file customisation layer tar (``/version``) and its digest."""
    root = tempfile.mkdtemp(dir=directory)
    with open(os.path.join(root, "version"), "w") as handle:
        handle.write(text)
    tar = os.path.join(directory, f"custom-{uuid.uuid4().hex[:8]}.tar")
    entries = tarball.tree_entries(root)
    fd = os.open(tar, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with HashingSink(fd_output(fd)) as sink:
        sink.begin_digest()
        tarball.write(entries, Stamp(1, 0, 0, b"root", b"root"), sink)
        digest, size = sink.end_digest()
    os.close(fd)
    return {"tar": tar, "diffId": digest, "size": size}


def _plan(directory: str, store: str, layers: list[list[str]], version: str) -> str:
    doc = {
        "version": 2, "repoTag": f"engine-probe/app:{version}", "created": "1970-01-01T00:00:01Z",
        "mtime": "1970-01-01T00:00:01Z", "architecture": "amd64", "variant": None,
        "config": {"Cmd": ["/bin/sh", "-c", "cat /version"]},
        "owner": {"uid": 0, "gid": 0, "uname": "root", "gname": "root"}, "storeDir": store, "base": None,
        "storeLayers": [{"paths": paths, "diffId": None, "size": None} for paths in layers],
        "customisationLayer": _custom_layer(directory, version),
    }
    path = os.path.join(directory, f"plan-{version}.json")
    with open(path, "w") as handle:
        json.dump(doc, handle)
    return path


def _load(engine: str, plan: str) -> bool:
    start = time.monotonic()
    done = subprocess.run([sys.executable, LOAD, "--plan", plan, "--engine", engine], capture_output=True, text=True)
    took = time.monotonic() - start
    lines = done.stderr.splitlines()
    held = sum("held by the engine" in line for line in lines)
    notes = [line for line in lines if "sending every layer" in line]
    print(f"{os.path.basename(plan)}: status {done.returncode}, {took:.2f} s, {held} layers held; "
          f"notes: {notes or 'none'}; {done.stdout.strip()}")
    if done.returncode != 0:
        print(done.stderr)
    return done.returncode == 0


def main() -> int:
    engine = sys.argv[1] if len(sys.argv) > 1 else "docker"
    with tempfile.TemporaryDirectory() as directory:
        store = os.path.join(directory, "store")
        os.makedirs(store)
        lower = [[_store_path(store, "big", 32 << 20)], [_store_path(store, "mid", 8 << 20)]]
        versions = [uuid.uuid4().hex[:8] for _ in range(2)]
        plans = [_plan(directory, store, lower, v) for v in versions]
        loaded = [_load(engine, plan) for plan in [plans[0], plans[0], plans[1]]]
        subprocess.run([engine, "rmi", *(f"engine-probe/app:{v}" for v in versions)], capture_output=True)
    return 0 if all(loaded) else 1


if __name__ == "__main__":
    sys.exit(main())
