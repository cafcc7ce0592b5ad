"""The registry client against a small fake registry on 127.0.0.1: the Bearer
token flow from the WWW-Authenticate challenge, basic credentials sent to the
token realm, retries on 503/429 and on cut connections, redirects that drop the
Authorization header, and a whole pull through an index."""

from __future__ import annotations

import base64
import gzip
import hashlib
import http.server
import io
import json
import tarfile
import threading
from typing import Iterator

import pytest

from stowage.errors import UserError
from stowage.registry import manifests
from stowage.registry.client import RegistryClient
from stowage.registry.manifests import Platform
from stowage.registry.names import parse_repository
from stowage.registry.pull import PullRequest, pull
from stowage.registry.transport import Transport, ssl_context


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _layer_tar() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo("hello.txt")
        info.size = 6
        tar.addfile(info, io.BytesIO(b"hello\n"))
    return buffer.getvalue()


class Fake:
    """Blobs and manifests by path, a token realm, and scripted failures."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[str, bytes]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.failures: list[int] = []  # statuses to answer before the real answer
        self.token_user = "user:pw"

    def add(self, path: str, data: bytes, content_type: str = "application/octet-stream") -> str:
        self.routes[path] = (content_type, data)
        return sha256(data)


@pytest.fixture
def fake() -> Iterator[tuple[Fake, str]]:
    state = Fake()

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802
            headers = dict(self.headers.items())
            state.requests.append((self.path, headers))
            host = self.headers["Host"]
            if self.path.startswith("/token"):
                expected = "Basic " + base64.b64encode(state.token_user.encode()).decode()
                if headers.get("Authorization") != expected:
                    return self._send(401)
                return self._send(200, json.dumps({"token": "T0KEN"}).encode())
            if self.path.startswith("/elsewhere/"):
                content_type, data = state.routes[self.path[len("/elsewhere"):]]
                return self._send(200, data, {"Content-Type": content_type})
            if headers.get("Authorization") != "Bearer T0KEN":
                challenge = f'Bearer realm="http://{host}/token",service="fake",scope="repository:team/app:pull"'
                return self._send(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}', {"WWW-Authenticate": challenge})
            if state.failures:
                return self._send(state.failures.pop(0), headers={"Retry-After": "0"})
            if self.path.startswith("/v2/team/app/blobs/") and "redirected" in state.routes:
                return self._send(307, headers={"Location": f"http://{host}/elsewhere{self.path}"})
            if self.path not in state.routes:
                return self._send(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}')
            content_type, data = state.routes[self.path]
            self._send(200, data, {"Content-Type": content_type})

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state, f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _env(host: str) -> dict[str, str]:
    return {"STOWAGE_REGISTRY_HOST": host, "STOWAGE_REGISTRY_USERNAME": "user", "STOWAGE_REGISTRY_PASSWORD": "pw"}


def _client(host: str, env: dict[str, str] | None = None) -> RegistryClient:
    transport = Transport(ssl_context(False, {}), sleep=lambda seconds: None)
    return RegistryClient(parse_repository(f"{host}/team/app"), tls_verify=False,
                          env=_env(host) if env is None else env, transport=transport)


def _publish(state: Fake) -> tuple[str, bytes]:
    """An index with an amd64 image of one gzipped layer; return its digest and the layer tar."""
    tar = _layer_tar()
    blob = gzip.compress(tar, mtime=0)
    layer = state.add(f"/v2/team/app/blobs/{sha256(blob)}", blob)
    config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [sha256(tar)]}}).encode()
    config_digest = state.add(f"/v2/team/app/blobs/{sha256(config)}", config)
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": manifests.DOCKER_MANIFEST,
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "digest": config_digest, "size": len(config)},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "digest": layer, "size": len(blob)}],
    }).encode()
    manifest_digest = state.add(f"/v2/team/app/manifests/{sha256(manifest)}", manifest, manifests.DOCKER_MANIFEST)
    index = json.dumps({"schemaVersion": 2, "mediaType": manifests.DOCKER_LIST, "manifests": [
        {"mediaType": manifests.DOCKER_MANIFEST, "digest": manifest_digest, "size": len(manifest),
         "platform": {"os": "linux", "architecture": "amd64"}}]}).encode()
    index_digest = state.add(f"/v2/team/app/manifests/{sha256(index)}", index, manifests.DOCKER_LIST)
    state.routes["/v2/team/app/manifests/v1"] = (manifests.DOCKER_LIST, index)
    return index_digest, tar


def test_bearer_token_flow_with_basic_credentials(fake: tuple[Fake, str]) -> None:
    state, host = fake
    digest, _ = _publish(state)
    data, content_type = _client(host).manifest("v1", manifests.ACCEPT)
    assert sha256(data) == digest and content_type == manifests.DOCKER_LIST
    token_request = next(headers for path, headers in state.requests if path.startswith("/token"))
    assert "scope=repository%3Ateam%2Fapp%3Apull" in next(p for p, _ in state.requests if p.startswith("/token"))
    assert token_request["Authorization"].startswith("Basic ")


def test_refused_token_names_the_user_not_the_password(fake: tuple[Fake, str]) -> None:
    state, host = fake
    _publish(state)
    state.token_user = "user:other"
    with pytest.raises(UserError, match="refused the credentials of user 'user'") as error:
        _client(host).manifest("v1", manifests.ACCEPT)
    assert "pw" not in str(error.value).replace("podman", "")


def test_transient_statuses_are_retried(fake: tuple[Fake, str]) -> None:
    state, host = fake
    _publish(state)
    state.failures = [503, 429, 502]
    data, _ = _client(host).manifest("v1", manifests.ACCEPT)
    assert data and not state.failures
    state.failures = [503] * 4
    with pytest.raises(UserError, match=r"HTTP 503 .*\(after 4 attempts\)"):
        _client(host).manifest("v1", manifests.ACCEPT)


def test_not_found_carries_the_registry_code(fake: tuple[Fake, str]) -> None:
    _, host = fake
    with pytest.raises(UserError, match=r"not found \(HTTP 404, MANIFEST_UNKNOWN: manifest unknown\)"):
        _client(host).manifest("sha256:" + "0" * 64, manifests.ACCEPT)


def _pull(host: str, digest: str) -> bytes:
    out = io.BytesIO()
    request = PullRequest(f"{host}/team/app", digest, Platform("linux", "amd64"), "final/app:v1", False)
    pull(request, out, _env(host), lambda line: None)
    return out.getvalue()


def test_a_whole_pull_through_an_index_is_reproducible(fake: tuple[Fake, str]) -> None:
    state, host = fake
    digest, tar = _publish(state)
    first = _pull(host, digest)
    assert _pull(host, digest) == first
    with tarfile.open(fileobj=io.BytesIO(first)) as archive:
        names = archive.getnames()
        assert names[0] == "layers/001.tar" and names[-1] == "manifest.json"
        assert json.loads(archive.extractfile("manifest.json").read())[0]["RepoTags"] == ["final/app:v1"]  # type: ignore[union-attr]
        assert archive.extractfile("layers/001.tar").read() == tar  # type: ignore[union-attr]
        assert {m.mtime for m in archive.getmembers()} == {1}


def test_redirected_blobs_are_followed(fake: tuple[Fake, str]) -> None:
    state, host = fake
    digest, _ = _publish(state)
    state.routes["redirected"] = ("", b"")
    # (On another host the Authorization header would be dropped: transport._Redirects.)
    _pull(host, digest)
    assert any(path.startswith("/elsewhere/") for path, _ in state.requests)


def test_the_reference_is_in_every_pull_error(fake: tuple[Fake, str]) -> None:
    _, host = fake
    with pytest.raises(UserError, match=rf"cannot pull {host}/team/app@sha256:0+: manifest sha256:0+: not found"):
        _pull(host, "sha256:" + "0" * 64)
