"""copyToRegistry's ways of getting a blob there, against Debian's
docker-registry on 127.0.0.1 (its access log shows each request): a mount from
another repository (no bytes sent), chunked uploads (PATCH per chunk), blobs
checked and sent in parallel, and the errors of their settings."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Iterator

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import run  # noqa: E402
from registry_server import Registry, manifest_digest, serving  # noqa: E402
from test_push import Uploads, push  # noqa: E402


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Registry, Path]]:
    directory = tmp_path_factory.mktemp("registry-paths")
    with serving(directory, access_log=True) as registry:
        yield registry, directory / "registry.log"


def requests(log: Path, start: int, pattern: str) -> int:
    with open(log, "rb") as handle:
        handle.seek(start)
        return len(re.findall(pattern, handle.read().decode(errors="replace")))


def test_mount_from_another_repository(logged: tuple[Registry, Path]) -> None:
    registry, log = logged
    push("v1", f"{registry.host}/team/base:v1", "--tls-verify=false")
    uploads = Uploads(log)
    out, err, _ = push("v1", f"{registry.host}/team/app:v1", "--tls-verify=false", "--no-sbom",
                       "--mount-from", f"{registry.host}/team/base")
    assert uploads.count("team/app") == 0, err
    assert err.count("mounted from team/base") == 4, err
    assert out == f"{registry.host}/team/app@{manifest_digest(registry, 'team/app:v1')}"
    inspected = json.loads(run(["skopeo", "inspect", "--tls-verify=false", f"docker://{registry.host}/team/app:v1"]).stdout)
    assert len(inspected["Layers"]) == 3


def test_mount_from_a_repository_without_the_blobs_uploads(logged: tuple[Registry, Path]) -> None:
    registry, log = logged
    uploads = Uploads(log)
    _, err, _ = push("v2", f"{registry.host}/other/app:v2", "--tls-verify=false", "--no-sbom",
                     "--mount-from", f"{registry.host}/nothing/here")
    assert uploads.count("other/app") == 4 and "mounted" not in err, err


def test_mount_from_another_registry_is_refused(logged: tuple[Registry, Path]) -> None:
    registry, _ = logged
    _, err, status = push("v1", f"{registry.host}/team/x:1", "--tls-verify=false",
                          "--mount-from", "example.com/team/base", check=False)
    assert status == 1 and "--mount-from 'example.com/team/base' is on registry example.com" in err


def test_chunked_upload(logged: tuple[Registry, Path]) -> None:
    """With 256 KiB chunks busybox's layer (about 1 MB gzipped) goes up in several PATCHes."""
    registry, log = logged
    start = log.stat().st_size
    out, err, _ = push("v1", f"{registry.host}/chunked/app:v1", "--tls-verify=false",
                       env={"STOWAGE_REGISTRY_CHUNK_SIZE": str(256 << 10)})
    assert requests(log, start, r'"PATCH /v2/chunked/app/blobs/uploads/') >= 3, err
    assert out.endswith(manifest_digest(registry, "chunked/app:v1"))
    run(["skopeo", "copy", "-q", "--src-tls-verify=false", f"docker://{registry.host}/chunked/app:v1",
         f"dir:{log.parent / 'chunked-copy'}"])  # skopeo checks every blob's digest


def test_bad_chunk_size(logged: tuple[Registry, Path]) -> None:
    registry, _ = logged
    _, err, status = push("v1", f"{registry.host}/chunked/app:bad", "--tls-verify=false",
                          env={"STOWAGE_REGISTRY_CHUNK_SIZE": "12k"}, check=False)
    assert status == 1 and "STOWAGE_REGISTRY_CHUNK_SIZE must be a number of bytes" in err and "'12k'" in err
