"""pullImage's registry record and what it is for: an image built fromImage a
pulled base pushes the base layers by reference. Against real registries (Debian's
docker-registry on 127.0.0.1, with an access log that counts blob uploads): the base
is pushed with skopeo and pulled by digest with nix-build; the child is pushed with
copyToRegistry to another repository of the same registry (the base layers are
mounted, not sent), to another registry (copied from the origin, verified), and
with the origin gone (one error line); what was pushed is pulled and run by Docker.
A copy the origin cuts short is refused and not kept. The pulled archive itself
still loads in Docker and podman, and registryRecord = false gives the archive
without the record."""

from __future__ import annotations

import json
import re
import sys
import tarfile
from pathlib import Path
from typing import Any, Iterator

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import LIB, REPO, nix_build, run  # noqa: E402
import registry_server  # noqa: E402
from registry_server import Registry, manifest, serving, start_registry  # noqa: E402

IMAGES = REPO / "tests" / "e2e" / "registry-images.nix"
PREFETCH = REPO / "python" / "bin" / "prefetch-image"
RECORD = "stowage-registry.json"
OCI_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Registry, Path]]:
    """The registry the base is pulled from (and pushed to again), and its access log."""
    directory = tmp_path_factory.mktemp("registry-origin")
    with serving(directory, access_log=True) as registry:
        yield registry, directory / "registry.log"


@pytest.fixture(scope="module")
def other(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    with serving(tmp_path_factory.mktemp("registry-other")) as registry:
        yield registry


def _base_archive() -> Path:
    return nix_build(f"(import {IMAGES} {{ }}).amd64")


def _pull_call(registry: Registry, repository: str, *flags: str) -> dict[str, Any]:
    """pullImage's arguments, as prefetch-image prints them, for the image just pushed."""
    digest = registry.push(_base_archive(), f"{repository}:1")
    out = run([sys.executable, str(PREFETCH), "--json", "--no-add", "--quiet", "--tls-verify=false", *flags,
               f"{registry.host}/{repository}@{digest}"]).stdout
    call: dict[str, Any] = json.loads(out)
    return call


def _pull_expr(call: dict[str, Any]) -> str:
    body = " ".join(f"{k} = {json.dumps(v)};" for k, v in call.items() if v is not None)
    return f"{LIB}.pullImage {{ {body} }}"


def _child_expr(call: dict[str, Any], builder: str = "buildLayeredImage") -> str:
    return (f"{LIB}.{builder} {{ name = \"child\"; tag = \"1\"; fromImage = {_pull_expr(call)};"
            " extraCommands = \"mkdir -p etc; echo child > etc/child\";"
            " config.Cmd = [ \"/bin/sh\" \"-c\" \"cat /etc/marker /etc/child\" ]; }")


def _copy(call: dict[str, Any], destination: str, check: bool = True,
          builder: str = "buildLayeredImage") -> tuple[str, str, int]:
    tool = nix_build(f"({_child_expr(call, builder)}).copyToRegistry")
    result = run([str(tool), "--tls-verify=false", "--no-sbom", destination], check=check)
    return result.stdout.strip(), result.stderr, result.returncode


def _uploads(log: Path, start: int, repository: str) -> int:
    with open(log, "rb") as handle:
        handle.seek(start)
        text = handle.read().decode(errors="replace")
    return len(re.findall(rf'"PUT /v2/{re.escape(repository)}/blobs/uploads/[^ ]*digest=sha256', text))


def _layers(registry: Registry, reference: str) -> list[dict[str, Any]]:
    layers: list[dict[str, Any]] = json.loads(manifest(registry, reference)[0])["layers"]
    return layers


def _runs(registry: Registry, reference: str, docker: str) -> str:
    local = f"pushed-{reference.replace(':', '-').replace('/', '-')}:1"
    run(["skopeo", "copy", "-q", "--src-tls-verify=false", f"docker://{registry.host}/{reference}",
         f"docker-daemon:{local}"])
    return run([docker, "run", "--rm", "--network", "none", local]).stdout


@pytest.fixture(scope="module")
def pulled(origin: tuple[Registry, Path]) -> dict[str, Any]:
    return _pull_call(origin[0], "base")


def test_the_archive_records_the_registry_blobs(origin: tuple[Registry, Path], pulled: dict[str, Any]) -> None:
    registry, _ = origin
    archive = nix_build(_pull_expr(pulled))
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        record = json.load(tar.extractfile(RECORD))  # type: ignore[arg-type]
    assert names[-2:] == [RECORD, "manifest.json"]
    layers = _layers(registry, "base:1")
    assert [(r["mediaType"], r["digest"], r["size"]) for r in record["layers"]] == \
        [(m["mediaType"], m["digest"], m["size"]) for m in layers]
    assert (record["registry"], record["repository"], record["imageDigest"]) == \
        (registry.host, "base", pulled["imageDigest"])


def test_the_archive_loads_in_docker_podman_and_skopeo(pulled: dict[str, Any], docker: str, podman: str) -> None:
    archive = nix_build(_pull_expr(pulled))
    run([docker, "load", "-i", str(archive)])
    assert "Loaded image" in run([podman, "load", "-i", str(archive)]).stdout
    inspected = json.loads(run(["skopeo", "inspect", f"docker-archive:{archive}"]).stdout)
    with tarfile.open(archive) as tar:
        record = json.load(tar.extractfile(RECORD))  # type: ignore[arg-type]
    assert len(inspected["Layers"]) == len(record["layers"]) and inspected["Architecture"] == "amd64"


@pytest.mark.parametrize("builder", ["buildLayeredImage", "buildImage", "streamLayeredImage"])
def test_push_to_another_repository_mounts_the_base_layers(origin: tuple[Registry, Path], pulled: dict[str, Any],
                                                           docker: str, builder: str) -> None:
    registry, log = origin
    start = log.stat().st_size
    base = _layers(registry, "base:1")
    repository = f"child-{builder.lower()}"
    out, err, _ = _copy(pulled, f"{registry.host}/{repository}:1", builder=builder)
    assert err.count(": mounted from base") == len(base)
    assert _uploads(log, start, repository) == 2  # the customisation layer and the configuration
    assert "2 blobs sent" in err and f"{len(base)} mounted" in err
    pushed = _layers(registry, f"{repository}:1")
    assert [(m["digest"], m["size"]) for m in pushed[: len(base)]] == [(m["digest"], m["size"]) for m in base]
    assert {m["mediaType"] for m in pushed} == {OCI_GZIP}
    assert out == f"{registry.host}/{repository}@" + out.rpartition("@")[2]
    assert _runs(registry, f"{repository}:1", docker) == "pulled amd64\nchild\n"


def test_push_to_another_registry_copies_from_the_origin(origin: tuple[Registry, Path], other: Registry,
                                                         pulled: dict[str, Any], docker: str) -> None:
    registry, _ = origin
    base = _layers(registry, "base:1")
    out, err, _ = _copy(pulled, f"{other.host}/child:1")
    assert f"{len(base) + 2} blobs sent" in err
    assert [m["digest"] for m in _layers(other, "child:1")[: len(base)]] == [m["digest"] for m in base]
    assert _runs(other, "child:1", docker) == "pulled amd64\nchild\n"
    again, err, _ = _copy(pulled, f"{other.host}/child:2")
    assert "0 blobs sent" in err and out.rpartition("@")[2] == again.rpartition("@")[2]


def test_an_unreachable_origin_is_one_line(other: Registry, tmp_path: Path) -> None:
    gone = start_registry(tmp_path / "gone", secure=False)
    try:
        call = _pull_call(gone, "base")
        nix_build(_child_expr(call))
        nix_build(f"({_child_expr(call)}).copyToRegistry")
    finally:
        gone.stop()
    _, err, status = _copy(call, f"{other.host}/orphan:1", check=False)
    assert status == 1
    lines = [line for line in err.splitlines() if "error:" in line]
    assert len(lines) == 1 and lines[0].startswith("copy-to-registry: error: cannot push to")
    assert f"cannot be copied from its origin {gone.host}/base" in lines[0] and "layer 1/" in lines[0]


def test_without_the_record(origin: tuple[Registry, Path], pulled: dict[str, Any]) -> None:
    """registryRecord = false: the archive without the member, everything else the same;
    prefetch-image --no-registry-record prints its hash."""
    registry, _ = origin
    plain_call = _pull_call(registry, "base", "--no-registry-record")
    assert plain_call["registryRecord"] is False and plain_call["hash"] != pulled["hash"]
    plain, recorded = nix_build(_pull_expr(plain_call)), nix_build(_pull_expr(pulled))
    with tarfile.open(plain) as without, tarfile.open(recorded) as with_record:
        names = without.getnames()
        assert names == [n for n in with_record.getnames() if n != RECORD]
        for name in names:
            assert without.extractfile(name).read() == with_record.extractfile(name).read()  # type: ignore[union-attr]


def test_a_copy_the_origin_cuts_short_is_refused(origin: tuple[Registry, Path], other: Registry, tmp_path: Path,
                                                 pulled: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """The origin's address, once the base is pulled, answers through a proxy that
    sends half of every blob: the copy is checked as it passes, the push fails on
    one line and the destination does not keep the blob."""
    gone = start_registry(tmp_path / "cut", secure=False)
    try:
        call = _pull_call(gone, "base")
        nix_build(f"({_child_expr(call)}).copyToRegistry")
    finally:
        gone.stop()
    port = int(gone.host.rpartition(":")[2])
    monkeypatch.setattr(registry_server, "free_port", lambda: port)
    proxy = registry_server.TruncatingProxy(origin[0].host)  # the same blobs, cut short
    try:
        _, err, status = _copy(call, f"{other.host}/cut:1", check=False)
    finally:
        proxy.stop()
    lines = [line for line in err.splitlines() if "error:" in line]
    assert status == 1 and len(lines) == 1, err
    assert f"cannot be copied from its origin {gone.host}/base" in lines[0] and "Traceback" not in err
    first = _layers(origin[0], "base:1")[0]["digest"]
    assert run(["skopeo", "inspect", "--tls-verify=false", f"docker://{other.host}/cut:1"], check=False).returncode != 0
    assert not registry_server.has_blob(other, "cut", first)
