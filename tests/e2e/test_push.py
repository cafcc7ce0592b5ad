"""copyToRegistry, buildMultiArchImage, copyToDockerDaemon and copyToPodman
against real tools: Debian's docker-registry on 127.0.0.1 (plain HTTP with an
access log that counts blob uploads, and TLS with htpasswd basic auth), skopeo,
podman, Docker and pullImage reading back what was pushed."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Callable, Iterator, Optional

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import LIB, PODMAN_RUN, REPO, nix_build, run  # noqa: E402
from registry_server import (  # noqa: E402
    PASSWORD, Registry, free_port, has_manifest, manifest_digest, serving, start_registry,
)

IMAGES = REPO / "tests" / "e2e" / "push-images.nix"
PREFETCH = REPO / "python" / "bin" / "prefetch-image"


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Registry, Path]]:
    """A plain registry and its access log."""
    directory = tmp_path_factory.mktemp("registry-push")
    with serving(directory, access_log=True) as registry:
        yield registry, directory / "registry.log"


@pytest.fixture(scope="module")
def secure() -> Iterator[Registry]:
    directory = Path(tempfile.mkdtemp(prefix="stowage-push-registry-"))
    try:
        registry = start_registry(directory, secure=True)
        try:
            yield registry
        finally:
            registry.stop()
    finally:
        shutil.rmtree(directory)


def executable(attr: str) -> Path:
    return nix_build(f"(import {IMAGES} {{ }}).{attr}")


def push(attr: str, destination: Optional[str], *flags: str, env: Optional[dict[str, str]] = None,
         check: bool = True) -> tuple[str, str, int]:
    """Run ``attr.copyToRegistry``; return (stdout, stderr, exit status)."""
    command = [str(executable(f"{attr}.copyToRegistry")), *flags, *([destination] if destination else [])]
    result = run(command, env={**os.environ, **(env or {})}, check=check)
    return result.stdout.strip(), result.stderr, result.returncode


class Uploads:
    """Blob uploads (the PUT that completes one) the registry logged since it was made."""

    def __init__(self, log: Path) -> None:
        self.log = log
        self.start = log.stat().st_size

    def _since(self) -> str:
        with open(self.log, "rb") as handle:
            handle.seek(self.start)
            return handle.read().decode(errors="replace")

    def count(self, repository: str) -> int:
        return len(re.findall(rf'"PUT /v2/{re.escape(repository)}/blobs/uploads/[^ ]*digest=sha256', self._since()))

    def blob_checks(self, repository: str) -> int:
        """HEAD requests of the repository's blobs."""
        return len(re.findall(rf'"HEAD /v2/{re.escape(repository)}/blobs/sha256:', self._since()))


def test_push_again_uploads_nothing_then_one_layer(logged: tuple[Registry, Path], podman: str) -> None:
    registry, log = logged
    uploads = Uploads(log)
    # The image alone (its attached SBOMs are tested in test_supply_push.py).
    out, err, _ = push("v1", f"docker://{registry.host}/app:v1", "--tls-verify=false", "--no-sbom")
    # busybox, the application, the customisation layer, and the configuration.
    assert uploads.count("app") == 4, err
    assert out == f"{registry.host}/app@{manifest_digest(registry, 'app:v1')}"
    assert err.count("bytes sent") == 4
    again = Uploads(log)
    out2, err2, _ = push("v1", f"{registry.host}/app:again", "--tls-verify=false", "--no-sbom")
    assert again.count("app") == 0 and err2.count(": exists") == 4, err2
    assert again.blob_checks("app") == 0  # the registry has the manifest: no HEAD per blob
    assert out2 == out
    checked = Uploads(log)
    push("v1", f"{registry.host}/app:checked", "--tls-verify=false", "--no-sbom", "--check-blobs")
    assert checked.blob_checks("app") == 4 and checked.count("app") == 0
    changed = Uploads(log)
    _, err3, _ = push("v2", f"{registry.host}/app:v2", "--tls-verify=false", "--no-sbom")
    assert changed.count("app") == 2, err3  # the application's layer and the configuration
    assert err3.count(": exists") == 2
    # Read back by tools we did not write.
    inspected = json.loads(run(["skopeo", "inspect", "--tls-verify=false", f"docker://{registry.host}/app:v2"]).stdout)
    assert inspected["Architecture"] == "amd64" and len(inspected["Layers"]) == 3
    run([podman, "pull", "-q", "--tls-verify=false", f"{registry.host}/app:v2"])
    assert run([*PODMAN_RUN, f"{registry.host}/app:v2"]).stdout == "app v2\n"


def test_uncached_image_pushes_the_same_manifest(logged: tuple[Registry, Path]) -> None:
    """Layers without records are compressed by the image's push plan, to the same bytes."""
    registry, log = logged
    uploads = Uploads(log)
    out, _, _ = push("uncached", f"{registry.host}/app:uncached", "--tls-verify=false", "--no-sbom")
    assert uploads.count("app") == 0
    assert out.endswith(manifest_digest(registry, "app:v1"))


def _plan_with_blocks(tmp_path: Path, change: "Callable[[str], str]") -> Path:
    """v1's push plan, copied, with its first layer's recorded gzip block choices changed."""
    plan = tmp_path / "plan"
    shutil.copytree(executable("v1.pushPlan"), plan)
    (plan / "push.json").chmod(0o644)
    doc = json.loads((plan / "push.json").read_text())
    first = doc["layers"][0]
    assert first["blocks"] and set(first["blocks"]) <= set("drs")  # the record's choices reach the push plan
    first["blocks"] = change(first["blocks"])
    (plan / "push.json").write_text(json.dumps(doc))
    return plan


@pytest.mark.parametrize(("change", "message"), [
    (lambda blocks: blocks + "d", "the recorded choices of the gzip blocks"),
    (lambda blocks: ("s" if blocks[0] != "s" else "d") + blocks[1:], "layer 1/3 (blob sha256:"),
])
def test_block_choices_that_are_not_the_records_are_refused(logged: tuple[Registry, Path], tmp_path: Path,
                                                            change: "Callable[[str], str]", message: str) -> None:
    """A push plan whose block choices were altered makes other bytes or none:
    one line, and no manifest."""
    registry, _ = logged
    plan = _plan_with_blocks(tmp_path, change)
    result = run([sys.executable, "-SB", str(REPO / "python" / "bin" / "copy-to-registry"), "--push", str(plan),
                  "--tls-verify=false", f"{registry.host}/altered:v1"], check=False)
    assert result.returncode == 1 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and result.stderr.rstrip().endswith("rebuild the image")
    assert not has_manifest(registry, "altered:v1")


def test_base_layers_and_build_image(logged: tuple[Registry, Path], podman: str) -> None:
    registry, _ = logged
    push("onBase", f"{registry.host}/on-base", "--tls-verify=false")
    run([podman, "pull", "-q", "--tls-verify=false", f"{registry.host}/on-base:latest"])
    assert run([*PODMAN_RUN, f"{registry.host}/on-base:latest"]).stdout == "app on-base\nyes\n"


def test_pull_image_of_what_was_pushed(logged: tuple[Registry, Path]) -> None:
    registry, _ = logged
    out, _, _ = push("v1", f"{registry.host}/app:pulled", "--tls-verify=false")
    name, _, digest = out.partition("@")
    call = json.loads(run([sys.executable, str(PREFETCH), "--json", "--no-add", "--quiet", "--tls-verify=false",
                           f"{name}@{digest}"]).stdout)
    body = " ".join(f"{k} = {json.dumps(v)};" for k, v in call.items())
    archive = nix_build(f"{LIB}.pullImage {{ {body} }}")
    with tarfile.open(archive) as tar:
        config_name = json.load(tar.extractfile("manifest.json"))[0]["Config"]  # type: ignore[arg-type]
    plan = executable("v1.pushPlan")
    assert "sha256:" + config_name.removesuffix(".json") == json.loads((plan / "push.json").read_text())["config"]["digest"]


def test_multi_arch_index(logged: tuple[Registry, Path], podman: str) -> None:
    registry, _ = logged
    out, _, _ = push("multi", f"{registry.host}/multi", "--tls-verify=false")
    raw = json.loads(run(["skopeo", "inspect", "--raw", "--tls-verify=false", f"docker://{registry.host}/multi:1"]).stdout)
    assert raw["mediaType"] == "application/vnd.oci.image.index.v1+json"
    assert [m["platform"] for m in raw["manifests"]] == [
        {"architecture": "amd64", "os": "linux"}, {"architecture": "arm64", "os": "linux"},
    ]
    assert out == f"{registry.host}/multi@{manifest_digest(registry, 'multi:1')}"
    arm = json.loads(run(["skopeo", "inspect", "--override-arch", "arm64", "--tls-verify=false",
                          f"docker://{registry.host}/multi:1"]).stdout)
    assert arm["Architecture"] == "arm64"
    run([podman, "pull", "-q", "--tls-verify=false", f"{registry.host}/multi:1"])
    assert run([*PODMAN_RUN, f"{registry.host}/multi:1"]).stdout == "pulled amd64\n"


def test_tls_and_basic_auth(secure: Registry) -> None:
    out, err, _ = push("v1", f"docker://{secure.host}/team/app:1", env=secure.env)
    assert out.startswith(f"{secure.host}/team/app@sha256:") and PASSWORD not in err + out
    _, err, _ = push("v1", f"docker://{secure.host}/team/app:2", env=secure.env)
    assert err.count(": exists") == 4 + 4  # the image's 4 blobs; the attachments' empty config and 3 documents


def _one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if "error:" in line]
    assert len(lines) == 1, stderr
    assert PASSWORD not in stderr and "wrong-password" not in stderr
    return lines[0]


def test_bad_password(secure: Registry) -> None:
    _, err, status = push("v1", f"{secure.host}/team/app:bad", check=False,
                          env={**secure.env, "STOWAGE_REGISTRY_PASSWORD": "wrong-password"})
    line = _one_error_line(err)
    assert status == 1
    assert f"copy-to-registry: error: cannot push to {secure.host}/team/app:bad" in line
    assert "refused the credentials of user 'stowage'" in line


def test_untrusted_certificate(secure: Registry) -> None:
    env = {k: v for k, v in secure.env.items() if k != "SSL_CERT_FILE"}
    _, err, _ = push("v1", f"{secure.host}/team/app:x", check=False, env=env)
    assert "TLS certificate not trusted" in _one_error_line(err)


def test_registry_down() -> None:
    host = f"127.0.0.1:{free_port()}"
    _, err, status = push("v1", f"{host}/app:down", "--tls-verify=false", check=False)
    line = _one_error_line(err)
    assert status == 1 and f"cannot push to {host}/app:down" in line and "cannot connect" in line


def test_copy_to_docker_daemon(docker: str) -> None:
    result = run([str(executable("v1.copyToDockerDaemon"))])
    assert "Loaded image" in result.stdout
    assert run([docker, "run", "--rm", "--network", "none", "push-test/app:v1"]).stdout == "app v1\n"


def test_copy_to_podman(podman: str) -> None:
    result = run([str(executable("v2.copyToPodman")), "--repo-tag", "push-test/app:podman"])
    assert "Loaded image" in result.stdout
    assert run([*PODMAN_RUN, "push-test/app:podman"]).stdout == "app v2\n"
