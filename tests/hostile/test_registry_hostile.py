"""The registry client against a hostile registry (tests/hostile/hostile_registry.py),
through the real entry points (prefetch-image, pull-image, copy-to-registry run
as programs): credentials go only where the README says, a trickling registry
meets its deadline, odd Retry-After values and the registry's own text do no
harm, and every other misbehaviour ends in one escaped error line, exit 1,
never a traceback."""

from __future__ import annotations

import base64
import gzip
import json
import os
import subprocess
import urllib.parse
import sys
import time
from pathlib import Path
from typing import Iterator, Optional

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hostile_registry import Handler, Server, State, layer_tar, publish, serving, sha256  # noqa: E402

from stowage.push import plan as push_plan  # noqa: E402
from stowage.layers.blob import Blob  # noqa: E402
from stowage.layers.compression import DEFAULT  # noqa: E402

REPO = Path(__file__).resolve().parent.parent.parent
BIN = REPO / "python" / "bin"
USER, PASSWORD = "alice", "pa55-w0rd"
#: A run that takes longer than this has hung: the test fails instead of waiting.
HANG = 30


@pytest.fixture
def state() -> State:
    return State()


@pytest.fixture
def plain(state: State) -> Iterator[Server]:
    yield from serving(state)


@pytest.fixture
def other() -> Iterator[Server]:
    """A second plain server (a token realm elsewhere, a redirect target)."""
    yield from serving(State())


@pytest.fixture
def secure(state: State, tmp_path: Path) -> Iterator[Server]:
    (tmp_path / "tls").mkdir()
    yield from serving(state, tmp_path / "tls")


def base_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A clean environment: no auth files or variables of the machine's user."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), **extra}


def creds(host: Optional[str]) -> dict[str, str]:
    env = {"STOWAGE_REGISTRY_USERNAME": USER, "STOWAGE_REGISTRY_PASSWORD": PASSWORD}
    return {**env, "STOWAGE_REGISTRY_HOST": host} if host is not None else env


def program(name: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(BIN / name), *args], capture_output=True, text=True,
                          env=env, timeout=HANG)


def prefetch(server: Server, ref: str, env: dict[str, str], *flags: str) -> subprocess.CompletedProcess[str]:
    tls = [] if server.scheme == "https" else ["--tls-verify=false"]
    return program("prefetch-image", "--json", "--no-add", *tls, *flags, f"{server.host}/team/app{ref}", env=env)


def pull_image(server: Server, digest: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """pull-image as its fixed-output derivation runs it, with a hand-written .attrs.json."""
    attrs = tmp_path / ".attrs.json"
    request = {"version": 4, "builder": "pullImage", "imageName": f"{server.host}/team/app", "imageDigest": digest, "os": "linux",
               "architecture": "amd64", "variant": None, "repoTag": "app:1", "tlsVerify": server.scheme == "https",
               "caFile": None, "registryRecord": True}
    attrs.write_text(json.dumps({"stowage": request, "outputs": {"out": str(tmp_path / "out")}}))
    return program("pull-image", env={**env, "NIX_ATTRS_JSON_FILE": str(attrs)})


def error_line(result: subprocess.CompletedProcess[str], name: str) -> str:
    """The one error line of a failed run (exit 1, no traceback, nothing raw)."""
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith(f"{name}: error: ")]
    assert len(lines) == 1, result.stderr
    assert PASSWORD not in result.stderr
    return lines[0]


def authorizations(server_state: State) -> list[str]:
    return [r.headers["Authorization"] for r in server_state.requests if "Authorization" in r.headers]


def basic() -> str:
    return "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()


# -- 1. credentials and token realms ------------------------------------------

def test_no_credentials_to_a_plain_http_realm_of_an_https_registry(
        state: State, secure: Server, other: Server, tmp_path: Path) -> None:
    image = publish(state)
    state.challenge, state.realm = 'Bearer realm="{realm}",service="hostile"', f"{other.url}/token"
    env = base_env(tmp_path, SSL_CERT_FILE=str(secure.ca), **creds(secure.host))
    result = prefetch(secure, f"@{image.index}", env)
    assert result.returncode == 0, result.stderr  # the token came without credentials
    assert other.state.seen("/token") and authorizations(other.state) == []
    assert basic() not in authorizations(state)


def test_a_realm_that_needs_the_withheld_credentials_says_so(
        state: State, secure: Server, other: Server, tmp_path: Path) -> None:
    image = publish(state)
    state.challenge, state.realm = 'Bearer realm="{realm}"', f"{other.url}/token"
    other.state.hook = lambda h: h.path.startswith("/token") and (h.send(401) or True)
    env = base_env(tmp_path, SSL_CERT_FILE=str(secure.ca), **creds(secure.host))
    line = error_line(prefetch(secure, f"@{image.index}", env), "prefetch-image")
    assert f"user '{USER}'" in line and "were not sent to its token realm" in line and "plain HTTP" in line
    assert authorizations(other.state) == []


@pytest.mark.parametrize("realm_host, trusted, sent", [
    ("127.0.0.1", "", True),  # the registry's own host, another port
    ("localhost", "", False),  # another host
    ("localhost", "localhost", True),  # named in STOWAGE_REGISTRY_REALM_HOSTS
])
def test_credentials_go_only_to_a_trusted_realm_host(
        state: State, plain: Server, other: Server, tmp_path: Path, realm_host: str, trusted: str, sent: bool) -> None:
    image = publish(state)
    port = other.host.rpartition(":")[2]
    state.challenge, state.realm = 'Bearer realm="{realm}"', f"http://{realm_host}:{port}/token"
    env = base_env(tmp_path, STOWAGE_REGISTRY_REALM_HOSTS=trusted, **creds(plain.host))
    result = prefetch(plain, f"@{image.index}", env)
    assert result.returncode == 0, result.stderr
    assert authorizations(other.state) == ([basic()] if sent else [])


def test_the_token_is_not_sent_back_over_plain_http(
        state: State, secure: Server, other: Server, tmp_path: Path) -> None:
    image = publish(state)
    state.challenge, state.realm = 'Bearer realm="{realm}"', f"{secure.url}/token"
    blob = f"/v2/team/app/blobs/{image.layer}"
    other.state.routes[blob] = state.routes[blob]

    def downgrade(handler: Handler) -> bool:
        if handler.path == blob and handler.headers.get("Authorization"):
            handler.send(307, headers={"Location": f"{other.url}{blob}"})
            return True
        return False

    state.hook = downgrade
    env = base_env(tmp_path, SSL_CERT_FILE=str(secure.ca), **creds(secure.host))
    line = error_line(prefetch(secure, f"@{image.index}", env), "prefetch-image")
    assert "redirected from HTTPS to plain HTTP" in line
    assert other.state.requests == []


def test_a_redirect_to_another_host_drops_the_token(state: State, plain: Server, other: Server, tmp_path: Path) -> None:
    image = publish(state)
    state.challenge, state.realm = 'Bearer realm="{realm}"', f"{plain.url}/token"
    blob = f"/v2/team/app/blobs/{image.layer}"
    other.state.routes[blob] = state.routes[blob]
    state.hook = lambda h: h.path == blob and "Authorization" in h.headers and (
        h.send(307, headers={"Location": f"{other.url}{blob}"}) or True)
    result = prefetch(plain, f"@{image.index}", base_env(tmp_path, **creds(plain.host)))
    assert result.returncode == 0, result.stderr
    assert other.state.seen(blob) and authorizations(other.state) == []


def test_realm_that_is_not_http(state: State, plain: Server, tmp_path: Path) -> None:
    image = publish(state)
    state.challenge, state.realm = 'Bearer realm="{realm}"', "file:///etc/passwd"
    line = error_line(prefetch(plain, f"@{image.index}", base_env(tmp_path)), "prefetch-image")
    assert "token from file:///etc/passwd: the realm is not an http or https URL" in line


# -- 2. STOWAGE_REGISTRY_* scoped to STOWAGE_REGISTRY_HOST -----------------------

@pytest.mark.parametrize("host", [None, "registry.example.com"])
def test_environment_credentials_need_their_host(state: State, plain: Server, tmp_path: Path, host: Optional[str]) -> None:
    image = publish(state)
    state.challenge = 'Basic realm="hostile"'
    result = pull_image(plain, image.index, base_env(tmp_path, **creds(host)), tmp_path)
    line = error_line(result, "pullImage")
    assert authorizations(state) == []
    assert "requires credentials (HTTP 401" in line
    if host is None:
        assert "pull-image: note: STOWAGE_REGISTRY_USERNAME is set but STOWAGE_REGISTRY_HOST is not" in result.stderr
        assert f"STOWAGE_REGISTRY_HOST={plain.host}" in line
    else:
        assert "is for STOWAGE_REGISTRY_HOST='registry.example.com'" in line
    assert not (tmp_path / "out").exists()


def test_environment_credentials_go_to_their_host(state: State, plain: Server, tmp_path: Path) -> None:
    image = publish(state)
    state.challenge, state.accepted = 'Basic realm="hostile"', basic()
    result = pull_image(plain, image.index, base_env(tmp_path, **creds(plain.host)), tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out").stat().st_size > 0 and basic() in authorizations(state)


# -- 3. deadlines ---------------------------------------------------------------

def _trickle_on(path: str, headers_too: bool = False) -> "object":
    def hook(handler: Handler) -> bool:
        if handler.path != path:
            return False
        if headers_too:
            handler.trickle(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b"x" * 100, 0.3)
        else:
            handler.send_response(200)
            handler.send_header("Content-Length", str(10 ** 6))
            handler.end_headers()
            handler.trickle(b"x" * 10 ** 6, 0.3)
        return True
    return hook


def test_a_trickled_blob_meets_its_deadline(state: State, plain: Server, tmp_path: Path) -> None:
    image = publish(state)
    state.hook = _trickle_on(f"/v2/team/app/blobs/{image.layer}")  # type: ignore[assignment]
    env = base_env(tmp_path, STOWAGE_REGISTRY_TIMEOUT="1", STOWAGE_REGISTRY_MIN_RATE="1000000000")
    started = time.monotonic()
    line = error_line(prefetch(plain, f"@{image.index}", env), "prefetch-image")
    assert time.monotonic() - started < 8  # one attempt: an expired deadline is not retried
    assert plain.host in line and image.layer in line and "no complete answer within 1 s" in line
    assert "STOWAGE_REGISTRY_TIMEOUT" in line


def test_trickled_headers_meet_the_request_deadline(state: State, plain: Server, tmp_path: Path) -> None:
    image = publish(state)
    state.hook = _trickle_on(f"/v2/team/app/manifests/{image.index}", headers_too=True)  # type: ignore[assignment]
    env = base_env(tmp_path, STOWAGE_REGISTRY_TIMEOUT="1")
    line = error_line(pull_image(plain, image.index, env, tmp_path), "pullImage")
    assert f"GET {plain.host}/v2/team/app/manifests/{image.index}: no complete answer within 1 s" in line


@pytest.mark.parametrize("rate, ok", [("25", True), ("1000000000", False)])
def test_a_blob_gets_time_for_its_size(state: State, plain: Server, tmp_path: Path, rate: str, ok: bool) -> None:
    """1 s plus size / rate: the 107-byte layer sent in about 2.7 s passes at
    25 bytes/s (about 5.3 s allowed) and fails when the size adds nothing."""
    image = publish(state)
    blob = f"/v2/team/app/blobs/{image.layer}"
    data = state.routes[blob][1]

    def slow(handler: Handler) -> bool:
        if handler.path != blob:
            return False
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        for start in range(0, len(data), 4):
            handler.wfile.write(data[start:start + 4])
            handler.wfile.flush()
            time.sleep(0.1)
        return True

    state.hook = slow
    assert image.layer_size == 107
    env = base_env(tmp_path, STOWAGE_REGISTRY_TIMEOUT="1", STOWAGE_REGISTRY_MIN_RATE=rate)
    result = prefetch(plain, f"@{image.index}", env)
    if ok:
        assert result.returncode == 0, result.stderr
    else:
        assert "no complete answer within 1" in error_line(result, "prefetch-image")


@pytest.mark.parametrize("value", ["0", "-1", "nan", "soon"])
def test_a_bad_deadline_setting(state: State, plain: Server, tmp_path: Path, value: str) -> None:
    image = publish(state)
    line = error_line(prefetch(plain, f"@{image.index}", base_env(tmp_path, STOWAGE_REGISTRY_TIMEOUT=value)),
                      "prefetch-image")
    assert f"STOWAGE_REGISTRY_TIMEOUT must be a number of seconds greater than 0; got '{value}'" in line


# -- 4. Retry-After -------------------------------------------------------------

@pytest.mark.parametrize("value", ["nan", "-5", "soon", "Wed, 21 Oct 2015 07:28:00 GMT", "1e400", "\x1b[31m"])
def test_odd_retry_after_is_ignored(state: State, plain: Server, tmp_path: Path, value: str) -> None:
    image = publish(state)
    answered: list[int] = []

    def busy(handler: Handler) -> bool:
        if "/manifests/" in handler.path and not answered:
            answered.append(503)
            handler.send(503, headers={"Retry-After": value})
            return True
        return False

    state.hook = busy
    started = time.monotonic()
    result = prefetch(plain, f"@{image.index}", base_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert answered and time.monotonic() - started < 10


# -- 5. the registry's text, escaped --------------------------------------------

def test_error_bodies_are_escaped_and_capped(state: State, plain: Server, tmp_path: Path) -> None:
    message = "\x1b[2J\x1b]0;owned\x07\u202e" + "A" * 10_000
    body = json.dumps({"errors": [{"code": "\x1b[31mEVIL", "message": message}]}).encode()
    state.hook = lambda h: h.send(404, body) or True
    line = error_line(prefetch(plain, "@sha256:" + "0" * 64, base_env(tmp_path)), "prefetch-image")
    assert "\\x1b[31mEVIL" in line and "\\u202e" in line and len(line) < 1000


def test_reason_phrases_and_challenges_are_escaped(state: State, plain: Server, tmp_path: Path) -> None:
    state.hook = lambda h: h.send(500, reason="\x1b[31mred") or True
    line = error_line(prefetch(plain, "@sha256:" + "0" * 64, base_env(tmp_path)), "prefetch-image")
    assert "HTTP 500 \\x1b[31mred (after 4 attempts)" in line
    state.hook = lambda h: h.send(401, headers={"WWW-Authenticate": "Evil \x1b[5m" + "B" * 5000}) or True
    line = error_line(prefetch(plain, "@sha256:" + "0" * 64, base_env(tmp_path)), "prefetch-image")
    assert "unsupported authentication: Evil \\x1b[5m" in line and len(line) < 600


def test_a_garbage_status_line(state: State, plain: Server, tmp_path: Path) -> None:
    def garbage(handler: Handler) -> bool:
        handler.wfile.write(b"\x1b[31mNOT HTTP\r\n\r\n")
        handler.close_connection = True
        return True

    state.hook = garbage
    line = error_line(prefetch(plain, "@sha256:" + "0" * 64, base_env(tmp_path)), "prefetch-image")
    assert "not valid HTTP" in line and "\\x1b[31mNOT HTTP" in line


# -- 6. other lies ----------------------------------------------------------------

def test_a_content_length_shorter_than_the_blob(state: State, plain: Server, tmp_path: Path) -> None:
    image = publish(state)
    blob = f"/v2/team/app/blobs/{image.layer}"
    state.hook = lambda h: h.path == blob and (h.send(200, state.routes[blob][1], {"Content-Length": "10"}) or True)
    line = error_line(pull_image(plain, image.index, base_env(tmp_path), tmp_path), "pullImage")
    assert f"the connection closed after 10 of {image.layer_size} bytes (after 4 attempts)" in line


def test_a_blob_with_other_bytes(state: State, plain: Server, tmp_path: Path) -> None:
    image = publish(state)
    blob = f"/v2/team/app/blobs/{image.layer}"
    other_bytes = gzip.compress(layer_tar(), mtime=1)  # the same tar and length, another digest
    assert len(other_bytes) == image.layer_size
    state.routes[blob] = (state.routes[blob][0], other_bytes)
    line = error_line(pull_image(plain, image.index, base_env(tmp_path), tmp_path), "pullImage")
    assert f"not {image.layer}" in line


def _serve_manifest(state: State, data: bytes) -> str:
    return state.add(f"/v2/team/app/manifests/{sha256(data)}", data, "application/vnd.oci.image.manifest.v1+json")


@pytest.mark.parametrize("data, expected", [
    (b"[" * 200_000 + b"]" * 200_000, "is not usable JSON: it is nested too deeply"),
    (b'{"layers": ' + b" " * (5 << 20) + b"[]}", "is larger than 4194304 bytes"),
    (b"\xff\xfe not json", "is not valid JSON"),
], ids=["deep", "huge", "binary"])
def test_manifests_that_are_not_manifests(state: State, plain: Server, tmp_path: Path, data: bytes, expected: str) -> None:
    digest = _serve_manifest(state, data)
    line = error_line(pull_image(plain, digest, base_env(tmp_path), tmp_path), "pullImage")
    assert expected in line


def test_an_index_with_odd_platforms(state: State, plain: Server, tmp_path: Path) -> None:
    index = json.dumps({"schemaVersion": 2, "manifests": [{"mediaType": "x", "digest": "sha256:" + "1" * 64, "size": 1,
                        "platform": {"os": "linux\x1b[1m", "architecture": "arm", "variant": [1]}}]}).encode()
    line = error_line(pull_image(plain, _serve_manifest(state, index), base_env(tmp_path), tmp_path), "pullImage")
    assert "has no image for linux/amd64; it has: linux\\x1b[1m/arm/[1]" in line


@pytest.mark.parametrize("token_body, expected", [
    (b"<html>sign in</html>", "the answer is not valid JSON"),
    (json.dumps({"token": "a\r\nX-Injected: 1"}).encode(), "the token holds characters a token cannot have"),
    (json.dumps(["token"]).encode(), "the answer holds no token"),
    (b"[" * 100_000, "nested too deeply"),
], ids=["html", "crlf", "list", "deep"])
def test_token_answers_that_are_not_tokens(state: State, plain: Server, tmp_path: Path,
                                           token_body: bytes, expected: str) -> None:
    image = publish(state)
    state.challenge, state.realm, state.token_body = 'Bearer realm="{realm}"', f"{plain.url}/token", token_body
    line = error_line(prefetch(plain, f"@{image.index}", base_env(tmp_path)), "prefetch-image")
    assert f"token from {plain.url}/token: " in line and expected in line
    assert not any("X-Injected" in r.headers for r in state.requests)


@pytest.mark.parametrize("location, expected", [
    ("{self}", "a redirect that cannot be followed: a loop, more than 10, or no Location (HTTP 307"),
    ("ftp://127.0.0.1/x", "redirected to ftp://127.0.0.1/x, which is not an http or https URL"),
], ids=["loop", "ftp"])
def test_bad_redirects(state: State, plain: Server, tmp_path: Path, location: str, expected: str) -> None:
    image = publish(state)
    blob = f"/v2/team/app/blobs/{image.layer}"
    state.hook = lambda h: h.path == blob and (
        h.send(307, headers={"Location": location.replace("{self}", plain.url + blob)}) or True)
    line = error_line(pull_image(plain, image.index, base_env(tmp_path), tmp_path), "pullImage")
    assert expected in line


# -- pushes -------------------------------------------------------------------------

def _push_plan(tmp_path: Path) -> Path:
    """A push plan of one layer (a gzipped tar sent as it is) written by hand."""
    tar = layer_tar()
    blob = gzip.compress(tar, mtime=0)
    layer = tmp_path / "layer.tar.gz"
    layer.write_bytes(blob)
    config = push_plan.Content(json.dumps({"architecture": "amd64", "os": "linux",
                                           "rootfs": {"type": "layers", "diff_ids": [sha256(tar)]}}).encode(),
                               push_plan.OCI_CONFIG)
    blobs = [Blob(None, sha256(tar), sha256(blob), len(blob), True)]
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({
        "version": 2, "repoTag": "team/app:1", "created": "1970-01-01T00:00:01Z", "mtime": "1970-01-01T00:00:01Z",
        "architecture": "amd64", "variant": None, "config": {}, "storeDir": "/nix/store", "base": None,
        "owner": {"uid": 0, "gid": 0, "uname": "root", "gname": "root"}, "storeLayers": [],
        "customisationLayer": {"tar": str(layer), "diffId": sha256(tar), "size": len(blob)},
    }))
    directory = tmp_path / "push"
    push_plan.write(str(directory), push_plan.PushPlan(
        str(directory), str(plan), DEFAULT, "team/app:1", {"os": "linux", "architecture": "amd64", "variant": None},
        tuple(blobs), config, push_plan.manifest(config, blobs, DEFAULT)))
    return directory


def copy(server: Server, plan: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    tls = [] if server.scheme == "https" else ["--tls-verify=false"]
    return program("copy-to-registry", "--push", str(plan), *tls, f"{server.host}/team/app:1", env=env)


def test_a_push_to_the_hostile_registry_works_when_it_behaves(state: State, plain: Server, tmp_path: Path) -> None:
    result = copy(plain, _push_plan(tmp_path), base_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert len(state.uploads) == 2 and "/v2/team/app/manifests/1" in state.routes


def test_a_push_sends_environment_credentials_only_with_their_host(state: State, plain: Server, tmp_path: Path) -> None:
    state.challenge = 'Basic realm="hostile"'
    result = copy(plain, _push_plan(tmp_path), base_env(tmp_path, **creds(None)))
    assert "copy-to-registry: note: STOWAGE_REGISTRY_USERNAME is set but STOWAGE_REGISTRY_HOST is not" in result.stderr
    assert "requires credentials" in error_line(result, "copy-to-registry")
    assert authorizations(state) == []


def test_a_token_for_a_mount_may_pull_its_source(state: State, plain: Server, tmp_path: Path) -> None:
    """A token registry mounts a blob only for a token that may pull the source
    repository: the token is asked for both, once."""
    state.challenge, state.realm = 'Bearer realm="{realm}",service="hostile"', f"{plain.url}/token"
    tls = ["--tls-verify=false"]
    result = program("copy-to-registry", "--push", str(_push_plan(tmp_path)), *tls, "--mount-from",
                     f"{plain.host}/team/base", f"{plain.host}/team/app:1", env=base_env(tmp_path))
    assert result.returncode == 0, result.stderr
    tokens = state.seen("/token")
    assert len(tokens) == 1
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(tokens[0].path).query)
    assert query["scope"] == ["repository:team/app:pull,push", "repository:team/base:pull"]
    mounts = [r.path for r in state.seen("/v2/team/app/blobs/uploads/") if "mount=" in r.path]
    assert mounts and all("from=team%2Fbase" in path for path in mounts)


def test_an_upload_location_on_plain_http_is_refused(state: State, secure: Server, other: Server, tmp_path: Path) -> None:
    state.challenge, state.realm = 'Bearer realm="{realm}"', f"{secure.url}/token"
    state.hook = lambda h: h.command == "POST" and (h.send(202, headers={"Location": f"{other.url}/upload/1"}) or True)
    env = base_env(tmp_path, SSL_CERT_FILE=str(secure.ca), **creds(secure.host))
    line = error_line(copy(secure, _push_plan(tmp_path), env), "copy-to-registry")
    assert f"upload location {other.url}/upload/1 is plain HTTP; refused" in line
    assert other.state.requests == []


def test_an_upload_location_with_a_bad_port(state: State, plain: Server, tmp_path: Path) -> None:
    state.hook = lambda h: h.command == "POST" and (h.send(202, headers={"Location": "http://127.0.0.1:x/u"}) or True)
    line = error_line(copy(plain, _push_plan(tmp_path), base_env(tmp_path)), "copy-to-registry")
    assert "upload location http://127.0.0.1:x/u is not an http or https URL" in line


def test_a_stalled_upload_answer_meets_the_deadline(state: State, plain: Server, tmp_path: Path) -> None:
    def stall(handler: Handler) -> bool:
        if handler.command == "PUT" and handler.path.startswith("/upload/"):
            handler.trickle(b"HTTP/1.1 201 Created\r\n" * 1000, 0.3)
            return True
        return False

    state.hook = stall
    env = base_env(tmp_path, STOWAGE_REGISTRY_TIMEOUT="1", STOWAGE_REGISTRY_MIN_RATE="1000000000")
    line = error_line(copy(plain, _push_plan(tmp_path), env), "copy-to-registry")
    assert f"PUT {plain.host}/upload/1: no complete answer within 1 s" in line


def test_a_manifest_refusal_is_escaped(state: State, plain: Server, tmp_path: Path) -> None:
    body = json.dumps({"errors": [{"code": "DENIED", "message": "\x1b[31mno\x1b[0m"}]}).encode()
    state.hook = lambda h: h.command == "PUT" and "/manifests/" in h.path and (h.send(403, body) or True)
    line = error_line(copy(plain, _push_plan(tmp_path), base_env(tmp_path)), "copy-to-registry")
    assert "HTTP 403, DENIED: \\x1b[31mno\\x1b[0m" in line



def test_a_failed_blob_upload_leaves_no_manifest(state: State, plain: Server, tmp_path: Path) -> None:
    """Blobs go up in parallel, but the manifest only after all of them: a refused
    upload fails the push with one line, and no manifest names the missing blob."""
    body = json.dumps({"errors": [{"code": "BLOB_UPLOAD_INVALID", "message": "no"}]}).encode()
    state.hook = lambda h: h.command == "PUT" and h.path.startswith("/upload/") and (h.send(400, body) or True)
    line = error_line(copy(plain, _push_plan(tmp_path), base_env(tmp_path)), "copy-to-registry")
    assert "HTTP 400, BLOB_UPLOAD_INVALID: no" in line
    assert not [r for r in state.requests if r.method == "PUT" and "/manifests/" in r.path]
