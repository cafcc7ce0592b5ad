"""A registry on 127.0.0.1 that misbehaves on request: a small threaded
``http.server`` serving one published image (an index, a manifest, a config and
a gzipped layer) under ``team/app``, a Bearer token realm, blob uploads for a
push, and a per-test ``hook`` that may answer any request first (trickle bytes,
send odd headers, redirect, lie about lengths). Every request is recorded with
its headers, so a test can assert what the client sent where. Plain HTTP, or
TLS with a certificate from a test CA.
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import io
import json
import ssl
import sys
import tarfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "e2e"))
from registry_server import make_ca  # noqa: E402

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
GZIP_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
TOKEN = "T0KEN"


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    host: str  # the server's own host:port the request came to


Hook = Callable[["Handler"], bool]


@dataclass
class State:
    """What the server holds and does; tests change it between requests."""

    routes: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    requests: list[Seen] = field(default_factory=list)
    #: The challenge for requests without the token ("" = anonymous access);
    #: ``{realm}`` becomes ``realm``.
    challenge: str = ""
    realm: str = ""
    token_body: bytes = json.dumps({"token": TOKEN}).encode()
    #: An Authorization header accepted besides the token (basic auth).
    accepted: str = ""
    hook: Optional[Hook] = None
    uploads: dict[str, bytes] = field(default_factory=dict)

    def add(self, path: str, data: bytes, content_type: str = "application/octet-stream") -> str:
        self.routes[path] = (content_type, data)
        return sha256(data)

    def seen(self, prefix: str) -> list[Seen]:
        return [r for r in self.requests if r.path.startswith(prefix)]


class Handler(http.server.BaseHTTPRequestHandler):
    state: State  # set on the subclass each server makes
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def send(self, status: int, body: bytes = b"", headers: Optional[dict[str, str]] = None,
             reason: Optional[str] = None) -> None:
        self.send_response(status, reason)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if "Content-Length" not in (headers or {}):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def trickle(self, data: bytes, interval: float) -> None:
        """Write ``data`` one byte at a time, ``interval`` seconds apart, until the client goes."""
        try:
            for byte in data:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(interval)
        except OSError:
            pass
        self.close_connection = True

    def _handle(self) -> None:
        state = self.state
        body = b""
        if self.headers.get("Content-Length"):
            body = self.rfile.read(int(self.headers["Content-Length"]))
        state.requests.append(Seen(self.command, self.path, dict(self.headers.items()),
                                   f"{self.server.server_address[0]}:{self.server.server_address[1]}"))
        if state.hook is not None and state.hook(self):
            return
        if self.path.startswith("/token"):
            return self.send(200, state.token_body, {"Content-Type": "application/json"})
        granted = {f"Bearer {TOKEN}", state.accepted} - {""}
        if state.challenge and self.headers.get("Authorization") not in granted:
            challenge = state.challenge.replace("{realm}", state.realm)
            return self.send(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}',
                             {"WWW-Authenticate": challenge})
        if self.command == "POST" and self.path.partition("?")[0].endswith("/blobs/uploads/"):
            return self.send(202, headers={"Location": "/upload/1"})
        if self.command == "PUT" and self.path.startswith("/upload/"):
            digest = self.path.partition("digest=")[2].replace("%3A", ":")
            state.uploads[digest] = body
            return self.send(201)
        if self.command == "PUT" and "/manifests/" in self.path:
            state.routes[self.path] = (self.headers.get("Content-Type", ""), body)
            return self.send(201)
        if self.path not in state.routes:
            return self.send(404, b'{"errors":[{"code":"BLOB_UNKNOWN","message":"unknown"}]}')
        content_type, data = state.routes[self.path]
        self.send(200, data, {"Content-Type": content_type})

    do_GET = do_HEAD = do_POST = do_PUT = _handle  # noqa: N815


@dataclass
class Server:
    state: State
    host: str  # 127.0.0.1:PORT
    scheme: str
    ca: Optional[Path]
    _server: http.server.ThreadingHTTPServer

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def start(state: State, *, tls_dir: Optional[Path] = None) -> Server:
    """Serve ``state`` on a free port of 127.0.0.1; with ``tls_dir``, over TLS
    with a certificate for 127.0.0.1 from a CA made there."""
    handler = type("BoundHandler", (Handler,), {"state": state})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    ca = None
    if tls_dir is not None:
        ca, cert, key = make_ca(tls_dir)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return Server(state, f"127.0.0.1:{server.server_address[1]}", "https" if ca else "http", ca, server)


def layer_tar() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo("hello.txt")
        info.size = 6
        tar.addfile(info, io.BytesIO(b"hello\n"))
    return buffer.getvalue()


@dataclass(frozen=True)
class Published:
    index: str  # digests
    manifest: str
    config: str
    layer: str
    layer_size: int


def publish(state: State, repo: str = "team/app") -> Published:
    """An index (tag ``v1``) with one linux/amd64 image of one gzipped layer."""
    tar = layer_tar()
    blob = gzip.compress(tar, mtime=0)
    layer = state.add(f"/v2/{repo}/blobs/{sha256(blob)}", blob)
    config = json.dumps({"architecture": "amd64", "os": "linux",
                         "rootfs": {"type": "layers", "diff_ids": [sha256(tar)]}}).encode()
    config_digest = state.add(f"/v2/{repo}/blobs/{sha256(config)}", config)
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": DOCKER_MANIFEST,
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "digest": config_digest, "size": len(config)},
        "layers": [{"mediaType": GZIP_LAYER, "digest": layer, "size": len(blob)}],
    }).encode()
    manifest_digest = state.add(f"/v2/{repo}/manifests/{sha256(manifest)}", manifest, DOCKER_MANIFEST)
    index = json.dumps({"schemaVersion": 2, "mediaType": DOCKER_LIST, "manifests": [
        {"mediaType": DOCKER_MANIFEST, "digest": manifest_digest, "size": len(manifest),
         "platform": {"os": "linux", "architecture": "amd64"}}]}).encode()
    index_digest = state.add(f"/v2/{repo}/manifests/{sha256(index)}", index, DOCKER_LIST)
    state.routes[f"/v2/{repo}/manifests/v1"] = (DOCKER_LIST, index)
    return Published(index_digest, manifest_digest, config_digest, layer, len(blob))


def serving(state: State, tls_dir: Optional[Path] = None) -> Iterator[Server]:
    """A fixture body: the server, stopped afterwards."""
    server = start(state, tls_dir=tls_dir)
    try:
        yield server
    finally:
        server.stop()
