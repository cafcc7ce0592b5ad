"""pushCompression against docker-registry, skopeo and podman: zstd layers
(…tar+zstd, the same bytes whether recorded by their own derivations or by the
push plan), kept blobs, sent as they are (the same manifest as compressing
again), and gzip layers whose incompressible bytes are stored deflate blocks and
whose small random files are deflated with the run-length strategy (read by
skopeo, umoci, podman and Docker, as the gzipped archive is)."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import sys
import tarfile
from pathlib import Path
from typing import Iterator

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import PODMAN_RUN, REPO, nix_build, require, run  # noqa: E402
from registry_server import Registry, manifest_digest, serving  # noqa: E402
from test_push import push  # noqa: E402

from stowage.output import stored  # noqa: E402
from stowage.output.pgzip import BLOCK_SIZE  # noqa: E402

IMAGES = REPO / "tests" / "e2e" / "compression-images.nix"
ZSTD_LAYER = "application/vnd.oci.image.layer.v1.tar+zstd"


def copy(attr: str, destination: str) -> tuple[str, str]:
    executable = nix_build(f"(import {IMAGES} {{ }}).{attr}.copyToRegistry")
    result = run([str(executable), "--tls-verify=false", destination])
    return result.stdout.strip(), result.stderr


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    with serving(tmp_path_factory.mktemp("registry-compression")) as server:
        yield server


def test_zstd_layers(registry: Registry, podman: str) -> None:
    out, _ = copy("zstd", f"{registry.host}/zstd/app:v1")
    raw = json.loads(run(["skopeo", "inspect", "--raw", "--tls-verify=false",
                          f"docker://{registry.host}/zstd/app:v1"]).stdout)
    assert [layer["mediaType"] for layer in raw["layers"]] == [ZSTD_LAYER] * 3
    assert out.endswith(manifest_digest(registry, "zstd/app:v1"))
    unrecorded, _ = copy("zstdUncached", f"{registry.host}/zstd/app:uncached")
    assert unrecorded == out  # the push plan compresses to the recorded bytes
    run([podman, "pull", "-q", "--tls-verify=false", f"{registry.host}/zstd/app:v1"])
    assert run([*PODMAN_RUN, f"{registry.host}/zstd/app:v1"]).stdout == "app v1\n"


def test_kept_blobs_are_sent_as_they_are(registry: Registry) -> None:
    plan = nix_build(f"(import {IMAGES} {{ }}).kept.pushPlan")
    layers = json.loads((plan / "push.json").read_text())["layers"]
    assert all(layer["file"] and Path(layer["file"]).stat().st_size == layer["size"] for layer in layers)
    out, _ = copy("kept", f"{registry.host}/kept/app:v1")
    again, _, _ = push("v1", f"{registry.host}/kept/app:compressed", "--tls-verify=false")
    assert out == again  # the same manifest as compressing at push time
    uncached, _ = copy("keptUncached", f"{registry.host}/kept/app:uncached")
    assert uncached == out
    plan = nix_build(f"(import {IMAGES} {{ }}).keptUncached.pushPlan")
    assert all(layer["file"] for layer in json.loads((plan / "push.json").read_text())["layers"])


def test_incompressible_bytes_are_stored_and_read_by_every_reader(registry: Registry, podman: str, docker: str,
                                                                   tmp_path: Path) -> None:
    require("skopeo", "umoci")
    path = nix_build(f"(import {IMAGES} {{ }}).incompressible") / "data.gz"
    data = path.read_bytes()
    expected = f"{hashlib.sha256(data).hexdigest()}  {path}\n"
    reference = f"{registry.host}/stored/app:v1"
    out, _ = copy("stored", reference)
    assert out.endswith(manifest_digest(registry, "stored/app:v1"))
    oci = tmp_path / "oci"
    run(["skopeo", "copy", "--src-tls-verify=false", f"docker://{reference}", f"oci:{oci}:v1"])
    index = json.loads((oci / "index.json").read_text())
    manifest = json.loads((oci / "blobs" / "sha256" / index["manifests"][0]["digest"][7:]).read_text())
    blobs = [(oci / "blobs" / "sha256" / layer["digest"][7:]).read_bytes() for layer in manifest["layers"]]
    biggest = max(blobs, key=len)
    assert len(biggest) > len(data) and data in gzip.decompress(biggest)
    assert biggest.count(data[100_000:100_100]) == 1  # the incompressible bytes as they are
    small = next(gzip.decompress(blob) for blob in blobs if b"-push-small-files/part-aaa" in gzip.decompress(blob))
    blocks = [small[start : start + BLOCK_SIZE] for start in range(0, len(small), BLOCK_SIZE)]
    assert any(part.kind is stored.Kind.RUNS for block in blocks for part in stored.segments(block))
    run(["umoci", "unpack", "--image", f"{oci}:v1", str(tmp_path / "bundle")])
    store = tmp_path / "bundle" / "rootfs" / "nix" / "store"
    assert (next(store.glob("*-push-incompressible")) / "data.gz").read_bytes() == data
    with tarfile.open(fileobj=io.BytesIO(small)) as layer:
        files = {member.name.rsplit("/", 1)[1]: layer.extractfile(member) for member in layer if member.isfile()}
        expected_parts = {name: handle.read() for name, handle in files.items() if handle}
    parts = {part.name: part.read_bytes() for part in next(store.glob("*-push-small-files")).iterdir()}
    assert len(parts) == 355 and parts == expected_parts
    run([podman, "pull", "-q", "--tls-verify=false", reference])
    assert run([*PODMAN_RUN, reference]).stdout == expected
    archive = nix_build(f"(import {IMAGES} {{ }}).stored")
    with archive.open("rb") as handle:
        run([docker, "load"], stdin=handle)
    assert run([docker, "run", "--rm", "--network", "none", "push-test/stored:v1"]).stdout == expected
