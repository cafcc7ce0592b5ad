"""pullImage and prefetch-image against a real registry (Debian's docker-registry
on 127.0.0.1): plain HTTP, and TLS with a test CA and htpasswd basic auth.
Images are pushed with skopeo, pulled by digest with nix-build, loaded and run
with Docker, and used as fromImage; failures are one line naming the reference
and leave nothing in the store."""

from __future__ import annotations

import base64
import json
import os
import shutil
import sys
import tempfile
import tarfile
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import LIB, MODE, NIX_OPTIONS, REPO, nix_build, nix_eval, require, run  # noqa: E402
from registry_server import (  # noqa: E402
    PASSWORD, Registry, TruncatingProxy, free_port, push_index, serving, start_registry,
)

IMAGES = REPO / "tests" / "e2e" / "registry-images.nix"
PREFETCH = REPO / "python" / "bin" / "prefetch-image"
FAKE_HASH = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="


def _image(attr: str) -> Path:
    return nix_build(f"(import {IMAGES} {{ }}).{attr}")


@pytest.fixture(scope="session")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    with serving(tmp_path_factory.mktemp("registry-plain")) as registry:
        yield registry


@pytest.fixture(scope="session")
def secure() -> Iterator[Registry]:
    # Not under pytest's 0700 directory: Nix's build users must read the CA.
    directory = Path(tempfile.mkdtemp(prefix="stowage-registry-"))
    directory.chmod(0o755)
    try:
        registry = start_registry(directory, secure=True)
        Path(registry.env["SSL_CERT_FILE"]).chmod(0o644)
        try:
            yield registry
        finally:
            registry.stop()
    finally:
        shutil.rmtree(directory)


@pytest.fixture(scope="session")
def pushed(plain: Registry) -> dict[str, str]:
    """Digests of what is pushed to the plain registry: two platforms and their index."""
    digests = {arch: plain.push(_image(arch), f"app:{arch}") for arch in ("amd64", "arm64")}
    digests["index"] = push_index(plain, "app", "multi", [("amd64", "amd64", None), ("arm64", "arm64", None)])
    return digests


def prefetch(*args: str, env: Optional[dict[str, str]] = None, check: bool = True) -> Any:
    result = run([sys.executable, str(PREFETCH), "--json", "--no-add", "--quiet", *args],
                 env={**os.environ, **(env or {})}, check=check)
    return json.loads(result.stdout) if check else result


def pull_expr(call: dict[str, Any]) -> str:
    # caFile is a Nix path (copied into the store, so the sandbox sees it)
    body = " ".join(f"{k} = {v if k == 'caFile' else json.dumps(v)};" for k, v in call.items() if v is not None)
    return f"{LIB}.pullImage {{ {body} }}"


def config_of(archive: Path) -> dict[str, Any]:
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
        return json.load(tar.extractfile(manifest[0]["Config"]))  # type: ignore[arg-type]


def test_prefetch_then_pull_by_digest_then_run(plain: Registry, pushed: dict[str, str], docker: str) -> None:
    call = prefetch(f"{plain.host}/app", "amd64", "--tls-verify=false", "--final-image-name", "pulled/app",
                    "--final-image-tag", "v1")
    assert call["imageDigest"] == pushed["amd64"] and call["hash"].startswith("sha256-")
    # The fixed-output build accepts the prefetched hash: the same bytes, fetched again.
    out = nix_build(pull_expr(call))
    # The name and bytes are the same in every session, so the path may be there
    # already: --check runs the builder again and compares (reproducibility too).
    nix_build(pull_expr(call), "--check")
    with tarfile.open(out) as tar:
        names = tar.getnames()
    assert names[-1] == "manifest.json" and names[0] == "layers/001.tar"
    run([docker, "load", "-i", str(out)])
    assert run([docker, "run", "--rm", "--network", "none", "pulled/app:v1"]).stdout == "pulled amd64\n"
    attrs = nix_eval(f"let p = {pull_expr(call)}; in {{ inherit (p) imageName imageTag imageDigest name; }}")
    assert attrs == {"imageName": "pulled/app", "imageTag": "v1", "imageDigest": pushed["amd64"],
                     "name": "docker-image-pulled-app-v1.tar"}


@pytest.mark.parametrize("builder", ["buildLayeredImage", "buildImage", "streamLayeredImage"])
def test_pulled_image_as_from_image(plain: Registry, pushed: dict[str, str], docker: str, builder: str) -> None:
    call = prefetch(f"{plain.host}/app@{pushed['amd64']}", "--tls-verify=false")
    child = (
        f"{LIB}.{builder} {{ name = \"child-{builder.lower()}\"; tag = \"t\"; fromImage = {pull_expr(call)};"
        " config.Cmd = [ \"/bin/sh\" \"-c\" \"cat /etc/marker; echo child $FROM_PULLED\" ]; }"
    )
    out = nix_build(child)
    if builder == "streamLayeredImage":
        assert "Loaded image" in run(["sh", "-c", f"{out} --quiet | {docker} load"]).stdout
    else:
        run([docker, "load", "-i", str(out)])
    got = run([docker, "run", "--rm", "--network", "none", f"child-{builder.lower()}:t"]).stdout
    assert got == "pulled amd64\nchild yes\n"


@pytest.mark.parametrize("arch", ["amd64", "arm64"])
def test_manifest_list_picks_the_platform(plain: Registry, pushed: dict[str, str], arch: str) -> None:
    call = prefetch(f"{plain.host}/app", "multi", "--tls-verify=false", "--arch", arch)
    assert call["imageDigest"] == pushed["index"]
    out = nix_build(pull_expr(call))
    assert config_of(out)["architecture"] == arch


def test_manifest_list_without_the_platform(plain: Registry, pushed: dict[str, str]) -> None:
    result = prefetch(f"{plain.host}/app@{pushed['index']}", "--tls-verify=false", "--arch", "s390x", check=False)
    assert result.returncode == 1
    assert "has no image for linux/s390x; it has: linux/amd64, linux/arm64" in result.stderr


def test_tls_and_basic_auth(secure: Registry, docker: str) -> None:
    digest = secure.push(_image("amd64"), "team/app:1")
    call = prefetch(f"{secure.host}/team/app", "1", env=secure.env)
    assert call["imageDigest"] == digest
    # The builder gets the credentials through impureEnvVars and the CA as caFile, a
    # store path: a host path in SSL_CERT_FILE is not seen in the sandbox (nixpkgs mode).
    require("nix-build")
    sandboxed = _without_ca_path(secure.env)
    out = run(["nix-build", "--no-out-link", *NIX_OPTIONS, "-E", pull_expr(_with_ca(call, secure))],
              env={**os.environ, **sandboxed}).stdout.strip()
    assert config_of(Path(out))["architecture"] == "amd64"
    if MODE == "host":  # without the sandbox SSL_CERT_FILE works too
        out = run(["nix-build", "--no-out-link", *NIX_OPTIONS, "-E", pull_expr(call)],
                  env={**os.environ, **secure.env}).stdout.strip()
        assert config_of(Path(out))["architecture"] == "amd64"
    untrusted = prefetch(f"{secure.host}/team/app", "1", check=False,
                         env={k: v for k, v in secure.env.items() if k != "SSL_CERT_FILE"})
    assert "TLS certificate not trusted" in untrusted.stderr


def _failed_pull(call: dict[str, Any], env: Optional[dict[str, str]] = None) -> str:
    """nix-build of a pullImage that must fail: its one error line; nothing stored."""
    expr = pull_expr(call)
    out_path = Path(nix_eval(f"({expr}).outPath"))
    result = run(["nix-build", "--no-out-link", *NIX_OPTIONS, "-E", expr], check=False,
                 env={**os.environ, **(env or {})})
    assert result.returncode != 0
    assert not out_path.exists(), f"{out_path} was left in the store"
    lines = [line for line in result.stderr.splitlines() if "pullImage: error:" in line]
    assert len(lines) == 1, result.stderr
    assert f"cannot pull {call['imageName']}@{call['imageDigest']}" in lines[0]
    assert PASSWORD not in result.stderr
    return lines[0]


def _call(host: str, repo: str, digest: str, tls_verify: bool = False) -> dict[str, Any]:
    return {"imageName": f"{host}/{repo}", "imageDigest": digest, "hash": FAKE_HASH, "tlsVerify": tls_verify}


def _with_ca(call: dict[str, Any], registry: Registry) -> dict[str, Any]:
    return {**call, "caFile": registry.env["SSL_CERT_FILE"]}


def _without_ca_path(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k != "SSL_CERT_FILE"}


def test_bad_password(secure: Registry) -> None:
    digest = secure.push(_image("amd64"), "team/app:1")
    line = _failed_pull(_with_ca(_call(secure.host, "team/app", digest, True), secure),
                        {**_without_ca_path(secure.env), "STOWAGE_REGISTRY_PASSWORD": "wrong"})
    assert "refused the credentials of user 'stowage'" in line


def test_unknown_repository(plain: Registry, pushed: dict[str, str]) -> None:
    line = _failed_pull(_call(plain.host, "no/such-repo", pushed["amd64"]))
    assert "not found (HTTP 404, MANIFEST_UNKNOWN" in line  # distribution 2.8 says manifest, not name


def test_wrong_digest(plain: Registry, pushed: dict[str, str]) -> None:
    line = _failed_pull(_call(plain.host, "app", "sha256:" + "0" * 64))
    assert "not found (HTTP 404, MANIFEST_UNKNOWN" in line


def test_registry_down() -> None:
    line = _failed_pull(_call(f"127.0.0.1:{free_port()}", "app", "sha256:" + "1" * 64))
    assert "cannot connect" in line and "after 4 attempts" in line


def test_truncated_blob(plain: Registry, pushed: dict[str, str]) -> None:
    proxy = TruncatingProxy(plain.host)
    try:
        line = _failed_pull(_call(proxy.host, "app", pushed["amd64"]))
    finally:
        proxy.stop()
    assert "connection closed after" in line and "after 4 attempts" in line


def test_the_builder_sees_every_variable_the_client_reads() -> None:
    """pullImage's impureEnvVars hold every variable of credentials.VARIABLES
    (host scoping, realm hosts and deadlines included)."""
    from stowage.registry import credentials
    call = _call("127.0.0.1:5000", "app", "sha256:" + "2" * 64)
    passed = set(nix_eval(f"({pull_expr(call)}).impureEnvVars"))
    assert set(credentials.VARIABLES) <= passed


NIX_PREFETCH_DOCKER = REPO / "python" / "bin" / "nix-prefetch-docker"
NIXPKGS_KEYS = ["imageName", "imageDigest", "sha256", "finalImageName", "finalImageTag"]


def nix_prefetch_docker(*args: str) -> Any:
    return run([sys.executable, str(NIX_PREFETCH_DOCKER), *args], env=dict(os.environ))


def test_nix_prefetch_docker_json_is_what_pull_image_accepts(plain: Registry, pushed: dict[str, str]) -> None:
    """nixpkgs' keys, in its order (nvfetcher and npins read them), and a sha256 the
    fixed-output pull then accepts; the final tag defaults to the tag asked for."""
    result = nix_prefetch_docker("--json", "--quiet", "--no-add", "--tls-verify=false", f"{plain.host}/app", "amd64")
    call = json.loads(result.stdout)
    assert list(call)[: len(NIXPKGS_KEYS)] == NIXPKGS_KEYS and call["tlsVerify"] is False
    assert call["imageDigest"] == pushed["amd64"] and call["finalImageTag"] == "amd64"
    assert call["imageName"] == call["finalImageName"] == f"{plain.host}/app"
    assert len(call["sha256"]) == 52 and result.stderr == ""
    out = nix_build(pull_expr(call))
    with tarfile.open(out) as tar:
        assert "manifest.json" in tar.getnames()


def test_nix_prefetch_docker_nix_output_and_flags(plain: Registry, pushed: dict[str, str]) -> None:
    """The --image-* flags, a digest as the second argument, the Nix attribute set on
    stdout and nixpkgs' `-> Key: value` lines on stderr; the same hash as prefetch-image."""
    result = nix_prefetch_docker("--no-add", "--tls-verify=false", "--image-name", f"{plain.host}/app",
                                 "--image-digest", pushed["arm64"], "--arch", "arm64", "--final-image-name", "mine/app")
    expr = f"let call = {result.stdout}; in call"
    call = nix_eval(expr)
    assert call["imageDigest"] == pushed["arm64"] and call["finalImageName"] == "mine/app"
    assert call["finalImageTag"] == "latest" and call["arch"] == "arm64"
    assert f"-> ImageDigest: {pushed['arm64']}" in result.stderr and f"-> ImageHash: {call['sha256']}" in result.stderr
    same = prefetch(f"{plain.host}/app@{pushed['arm64']}", "--tls-verify=false", "--arch", "arm64",
                    "--final-image-name", "mine/app")
    hex_hash = run(["nix-hash", "--type", "sha256", "--to-base16", call["sha256"]]).stdout.strip()
    assert base64.b64decode(same["hash"].removeprefix("sha256-")).hex() == hex_hash
    positional = nix_prefetch_docker("--no-add", "--quiet", "--tls-verify=false", "--json", "--arch", "arm64",
                                     "--final-image-name", "mine/app", f"{plain.host}/app", pushed["arm64"])
    assert json.loads(positional.stdout)["sha256"] == call["sha256"]


def test_nix_prefetch_docker_without_an_image() -> None:
    result = run([sys.executable, str(NIX_PREFETCH_DOCKER), "--json"], check=False)
    assert result.returncode == 1
    assert result.stderr.startswith("nix-prefetch-docker: error: no image given;") and result.stderr.count("\n") == 1
