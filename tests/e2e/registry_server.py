"""A real registry for the end-to-end tests: Debian's ``docker-registry``
(distribution 2.8) on 127.0.0.1, with its own config and storage in a temporary
directory, plain HTTP or TLS (a CA the test makes with openssl) with htpasswd
basic auth; and a proxy that truncates blobs. Everything started here is stopped
by its PID.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import http.server
import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional

from conftest import require, run

USER, PASSWORD = "stowage", "s3cret-pass"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_ca(directory: Path) -> tuple[Path, Path, Path]:
    """(CA certificate, server certificate for IP 127.0.0.1, server key)."""
    require("openssl")
    ca_key, ca, key, csr, cert = (directory / n for n in ("ca.key", "ca.crt", "server.key", "server.csr", "server.crt"))
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run(["openssl", "req", "-x509", *ec, "-keyout", str(ca_key), "-out", str(ca), "-days", "2", "-subj", "/CN=stowage test CA",
         # Python >= 3.13 verifies strictly (VERIFY_X509_STRICT): a CA needs keyUsage.
         "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
         "-addext", "subjectKeyIdentifier=hash"])
    run(["openssl", "req", *ec, "-keyout", str(key), "-out", str(csr), "-subj", "/CN=127.0.0.1"])
    ext = directory / "ext.cnf"
    ext.write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\n"
                   "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
                   "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n")
    run(["openssl", "x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key), "-CAcreateserial",
         "-out", str(cert), "-days", "2", "-extfile", str(ext)])
    return ca, cert, key


@dataclass
class Registry:
    host: str  # 127.0.0.1:PORT
    process: subprocess.Popen[bytes]
    tls: bool
    env: dict[str, str] = field(default_factory=dict)  # what a client needs (CA, credentials)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=20)

    def skopeo_dest(self) -> list[str]:
        creds = [f"--dest-creds={USER}:{PASSWORD}"] if self.tls else []
        return ["--dest-tls-verify=false", *creds]

    def push(self, archive: Path, name: str) -> str:
        """Push a docker-archive with skopeo; return its manifest digest."""
        run(["skopeo", "copy", "-q", *self.skopeo_dest(), f"docker-archive:{archive}", f"docker://{self.host}/{name}"])
        return manifest_digest(self, name)


def _wait_for(host: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"docker-registry exited: {log.read_text()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", int(host.rsplit(":", 1)[1])), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"docker-registry did not listen on {host}")


def start_registry(directory: Path, *, secure: bool, access_log: bool = False) -> Registry:
    """Start a registry: plain HTTP, or TLS with htpasswd basic auth; with
    ``access_log``, one line per request in ``registry.log``."""
    require("docker-registry", "skopeo")
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = {
        "version": 0.1,
        "log": {"level": "warn", "accesslog": {"disabled": not access_log}},
        "storage": {"filesystem": {"rootdirectory": str(directory / "data")}},
        "http": {"addr": f"127.0.0.1:{port}", "secret": "stowage-test"},
    }
    env: dict[str, str] = {}
    if secure:
        require("htpasswd")
        ca, cert, key = make_ca(directory)
        htpasswd = run(["htpasswd", "-Bbn", USER, PASSWORD]).stdout
        (directory / "htpasswd").write_text(htpasswd)
        config["http"]["tls"] = {"certificate": str(cert), "key": str(key)}  # type: ignore[index]
        config["auth"] = {"htpasswd": {"realm": "stowage-test", "path": str(directory / "htpasswd")}}
        env = {"SSL_CERT_FILE": str(ca), "STOWAGE_REGISTRY_HOST": f"127.0.0.1:{port}",
               "STOWAGE_REGISTRY_USERNAME": USER, "STOWAGE_REGISTRY_PASSWORD": PASSWORD}
    (directory / "config.yml").write_text(json.dumps(config))  # JSON is YAML
    log = directory / "registry.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(["docker-registry", "serve", str(directory / "config.yml")], stdout=out, stderr=out)
    registry = Registry(f"127.0.0.1:{port}", proc, secure, env)
    try:
        _wait_for(registry.host, proc, log)
    except Exception:
        registry.stop()
        raise
    return registry


@contextlib.contextmanager
def serving(directory: Path, *, secure: bool = False, access_log: bool = False) -> Iterator[Registry]:
    """A registry (see ``start_registry``) for the length of a ``with``: a
    fixture's life. Stopped after, whatever happened."""
    registry = start_registry(directory, secure=secure, access_log=access_log)
    try:
        yield registry
    finally:
        registry.stop()


def _opener(registry: Registry) -> urllib.request.OpenerDirector:
    import ssl
    handlers: list[urllib.request.BaseHandler] = []
    if registry.tls:
        handlers.append(urllib.request.HTTPSHandler(context=ssl.create_default_context(cafile=registry.env["SSL_CERT_FILE"])))
    return urllib.request.build_opener(urllib.request.ProxyHandler({}), *handlers)


def _request(registry: Registry, method: str, path: str, data: Optional[bytes] = None,
             headers: Optional[dict[str, str]] = None) -> tuple[bytes, dict[str, str]]:
    scheme = "https" if registry.tls else "http"
    request = urllib.request.Request(f"{scheme}://{registry.host}{path}", data=data, method=method, headers=headers or {})
    if registry.tls:
        import base64
        request.add_header("Authorization", "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode())
    with _opener(registry).open(request, timeout=20) as response:
        return response.read(), dict(response.headers)


ACCEPT = "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json"


def manifest(registry: Registry, name: str) -> tuple[bytes, str]:
    repo, _, tag = name.partition(":")
    body, headers = _request(registry, "GET", f"/v2/{repo}/manifests/{tag}", headers={"Accept": ACCEPT})
    return body, headers.get("Content-Type", "")


def has_manifest(registry: Registry, name: str) -> bool:
    """Whether the registry has the manifest ``repo:tag`` (a HEAD)."""
    repo, _, tag = name.partition(":")
    try:
        _request(registry, "HEAD", f"/v2/{repo}/manifests/{tag}", headers={"Accept": ACCEPT})
    except urllib.error.HTTPError as error:
        error.close()
        if error.code == 404:
            return False
        raise
    return True


def has_blob(registry: Registry, repo: str, digest: str) -> bool:
    """Whether ``repo`` of the registry has the blob (a HEAD)."""
    try:
        _request(registry, "HEAD", f"/v2/{repo}/blobs/{digest}")
    except urllib.error.HTTPError as error:
        error.close()  # its body is a temporary file (Python 3.14 warns when it is left open)
        if error.code == 404:
            return False
        raise
    return True


def manifest_digest(registry: Registry, name: str) -> str:
    return "sha256:" + hashlib.sha256(manifest(registry, name)[0]).hexdigest()


def push_index(registry: Registry, repo: str, tag: str, entries: list[tuple[str, str, Optional[str]]]) -> str:
    """PUT an OCI index of already pushed tags ``(tag, architecture, variant)``; return its digest."""
    manifests = []
    for source_tag, architecture, variant in entries:
        body, content_type = manifest(registry, f"{repo}:{source_tag}")
        platform = {"os": "linux", "architecture": architecture, **({"variant": variant} if variant else {})}
        manifests.append({"mediaType": content_type, "digest": "sha256:" + hashlib.sha256(body).hexdigest(),
                          "size": len(body), "platform": platform})
    index = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                        "manifests": manifests}).encode()
    _request(registry, "PUT", f"/v2/{repo}/manifests/{tag}", data=index,
             headers={"Content-Type": "application/vnd.oci.image.index.v1+json"})
    return "sha256:" + hashlib.sha256(index).hexdigest()


class TruncatingProxy:
    """An HTTP proxy in front of a plain registry that sends every blob's full
    Content-Length but only half its bytes, then closes the connection."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.port = free_port()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                connection = http.client.HTTPConnection(proxy.upstream, timeout=20)
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("accept", "authorization")}
                connection.request("GET", self.path, headers=headers)
                response = connection.getresponse()
                body = response.read()
                connection.close()
                self.send_response(response.status)
                for key, value in response.getheaders():
                    if key.lower() not in ("connection", "transfer-encoding", "content-length"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                truncate = "/blobs/" in self.path and len(body) > 1000
                self.wfile.write(body[: len(body) // 2] if truncate else body)
                self.close_connection = True

            do_HEAD = do_GET

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
