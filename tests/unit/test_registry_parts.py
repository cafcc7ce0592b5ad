"""The registry client's pure parts: names, challenges, credentials, manifests
and platform choice, and the layer receiver's checks."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import socket
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from stowage.errors import UserError
from stowage.registry import challenge, credentials, deadline, manifests, realm, transport, untrusted
from stowage.registry.layers import LayerReceiver
from stowage.registry.manifests import Descriptor, Platform
from stowage.registry.names import ImageRef, Repository, parse_image_ref, parse_repository


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("name, registry, path", [
    ("hello", "docker.io", "library/hello"),
    ("team/app", "docker.io", "team/app"),
    ("docker.io/hello", "docker.io", "library/hello"),
    ("127.0.0.1:5000/app", "127.0.0.1:5000", "app"),
    ("localhost/a/b", "localhost", "a/b"),
    ("registry.example.com/team/app", "registry.example.com", "team/app"),
])
def test_repository_names(name: str, registry: str, path: str) -> None:
    assert parse_repository(name) == Repository(registry, path)


def test_docker_hub_api_host() -> None:
    assert parse_repository("hello").api_host == "registry-1.docker.io"
    assert parse_repository("127.0.0.1:5000/app").api_host == "127.0.0.1:5000"


def test_image_refs() -> None:
    digest = "sha256:" + "a" * 64
    assert parse_image_ref("127.0.0.1:5000/app:1") == ImageRef("127.0.0.1:5000/app", "1", None)
    assert parse_image_ref("127.0.0.1:5000/app") == ImageRef("127.0.0.1:5000/app", None, None)
    assert parse_image_ref("app", digest) == ImageRef("app", None, digest)
    assert parse_image_ref(f"app@{digest}") == ImageRef("app", None, digest)
    assert parse_image_ref("app", "v2") == ImageRef("app", "v2", None)
    with pytest.raises(UserError, match="not sha256"):
        parse_image_ref("app@sha256:abc")
    with pytest.raises(UserError, match="is not a Docker image name"):
        parse_image_ref("App")


def test_challenges() -> None:
    bearer = challenge.parse('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"')
    assert bearer.scheme == "bearer"
    assert bearer.params == {"realm": "https://auth.example/token", "service": "registry.example", "scope": "repository:a/b:pull"}
    assert challenge.parse('Basic realm="Registry Realm"') == challenge.Challenge("basic", {"realm": "Registry Realm"})
    assert challenge.parse('Bearer realm=https://x/t, service="a,b"').params == {"realm": "https://x/t", "service": "a,b"}


def _auth_file(path: Path, key: str, user: str, password: str) -> str:
    encoded = base64.b64encode(f"{user}:{password}".encode()).decode()
    path.write_text(json.dumps({"auths": {key: {"auth": encoded}}}))
    return str(path)


def test_credentials_order(tmp_path: Path) -> None:
    repo = parse_repository("registry.example.com/team/app")
    auth = _auth_file(tmp_path / "auth.json", "registry.example.com", "from-auth-file", "p1")
    (tmp_path / "docker").mkdir()
    _auth_file(tmp_path / "docker" / "config.json", "https://registry.example.com", "from-docker", "p2")
    env = {"REGISTRY_AUTH_FILE": auth, "DOCKER_CONFIG": str(tmp_path / "docker")}
    assert credentials.lookup(repo, env) == credentials.Credentials("from-auth-file", "p1", auth)
    assert credentials.lookup(repo, {"DOCKER_CONFIG": str(tmp_path / "docker")}).username == "from-docker"  # type: ignore[union-attr]
    with_vars = {**env, "STOWAGE_REGISTRY_HOST": "registry.example.com",
                 "STOWAGE_REGISTRY_USERNAME": "from-env", "STOWAGE_REGISTRY_PASSWORD": "p3"}
    assert credentials.lookup(repo, with_vars).username == "from-env"  # type: ignore[union-attr]
    assert credentials.lookup(parse_repository("other.example/app"), env) is None
    assert credentials.lookup(repo, {}) is None


def test_credentials_by_repository_prefix_and_docker_hub(tmp_path: Path) -> None:
    auth = _auth_file(tmp_path / "a.json", "registry.example.com/team", "team-user", "p")
    found = credentials.lookup(parse_repository("registry.example.com/team/app"), {"REGISTRY_AUTH_FILE": auth})
    assert found is not None and found.username == "team-user"
    hub = _auth_file(tmp_path / "hub.json", "https://index.docker.io/v1/", "hub-user", "p")
    found = credentials.lookup(parse_repository("hello"), {"REGISTRY_AUTH_FILE": hub})
    assert found is not None and found.username == "hub-user"


def test_passwords_stay_out_of_repr_and_bad_auth_is_an_error(tmp_path: Path) -> None:
    assert "secret" not in repr(credentials.Credentials("u", "secret", "x"))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"auths": {"r.example": {"auth": "bm90LWEtcGFpcg=="}}}))  # "not-a-pair"
    with pytest.raises(UserError, match="not base64 of user:password") as error:
        credentials.lookup(parse_repository("r.example/a"), {"REGISTRY_AUTH_FILE": str(bad)})
    assert "not-a-pair" not in str(error.value)


def _index(*platforms: dict[str, str]) -> tuple[Descriptor, ...]:
    entries = [{"mediaType": manifests.OCI_MANIFEST, "digest": "sha256:" + str(n) * 64, "size": 1, "platform": p}
               for n, p in enumerate(platforms)]
    return manifests.parse_index(json.dumps({"manifests": entries}).encode(), "index")


def test_platform_choice() -> None:
    index = _index({"os": "linux", "architecture": "amd64"}, {"os": "linux", "architecture": "arm", "variant": "v6"},
                   {"os": "linux", "architecture": "arm", "variant": "v7"}, {"os": "linux", "architecture": "arm64", "variant": "v8"})
    assert manifests.choose(index, Platform("linux", "amd64"), "i").digest == "sha256:" + "0" * 64
    assert manifests.choose(index, Platform("linux", "arm", "v7"), "i").digest == "sha256:" + "2" * 64
    assert manifests.choose(index, Platform("linux", "arm64"), "i").digest == "sha256:" + "3" * 64
    with pytest.raises(UserError, match="has no image for linux/s390x; it has: linux/amd64, linux/arm/v6"):
        manifests.choose(index, Platform("linux", "s390x"), "i")


def test_manifest_kinds() -> None:
    assert manifests.kind(b'{"schemaVersion":2,"manifests":[]}', "", "m") == "index"
    assert manifests.kind(b'{"schemaVersion":2,"layers":[]}', manifests.DOCKER_MANIFEST, "m") == "manifest"
    with pytest.raises(UserError, match="schema 1"):
        manifests.kind(b'{"schemaVersion":1,"fsLayers":[]}', "", "m")
    with pytest.raises(UserError, match="only sha256"):
        manifests.parse_manifest(b'{"config":{"digest":"sha512:ab","size":1},"layers":[]}', "m")


def _receive(blob: bytes, media_type: str, diff_id: str | None, size: int | None = None) -> bytes:
    out: list[bytes] = []
    receiver = LayerReceiver(Descriptor(media_type, sha256(blob), len(blob) if size is None else size), diff_id,
                             out.append, "layer 1")
    for start in range(0, len(blob), 7):
        receiver.feed(blob[start:start + 7])
    receiver.finish()
    return b"".join(out)


def test_layers_are_decompressed_and_checked() -> None:
    tar = bytes(range(256)) * 40
    gz = gzip.compress(tar[:5000], mtime=0) + gzip.compress(tar[5000:], mtime=0)  # two members
    assert _receive(gz, "application/vnd.docker.image.rootfs.diff.tar.gzip", sha256(tar)) == tar
    assert _receive(tar, "application/vnd.oci.image.layer.v1.tar", sha256(tar)) == tar
    with pytest.raises(UserError, match="but the configuration says"):
        _receive(gz, "application/vnd.oci.image.layer.v1.tar+gzip", sha256(b"other"))
    with pytest.raises(UserError, match="truncated"):
        _receive(tar, "application/vnd.oci.image.layer.v1.tar", None, size=len(tar) + 1)
    with pytest.raises(UserError, match="more than the"):
        _receive(tar, "application/vnd.oci.image.layer.v1.tar", None, size=10)
    with pytest.raises(UserError, match="gzip stream ends early"):
        short = gz[:-20]
        out: list[bytes] = []
        receiver = LayerReceiver(Descriptor("application/vnd.oci.image.layer.v1.tar+gzip", sha256(short), len(short)),
                                 None, out.append, "l")
        receiver.feed(short)
        receiver.finish()
    with pytest.raises(UserError, match="zstd"):
        LayerReceiver(Descriptor("application/vnd.oci.image.layer.v1.tar+zstd", sha256(b""), 0), None, print, "l")


@pytest.mark.parametrize("host, used", [
    ("registry.example.com", True), ("https://registry.example.com/", True), ("REGISTRY.example.com", True),
    ("registry.example.com:5000", False), ("other.example", False), ("", False), (None, False),
])
def test_environment_credentials_go_only_to_their_host(host: str | None, used: bool) -> None:
    repo = parse_repository("registry.example.com/team/app")
    env = {"STOWAGE_REGISTRY_USERNAME": "u", "STOWAGE_REGISTRY_PASSWORD": "p"}
    if host is not None:
        env["STOWAGE_REGISTRY_HOST"] = host
    found = credentials.lookup(repo, env)
    assert (found is not None) == used
    note = credentials.environment_note(repo, env)
    assert (note is None) == used
    if not host:
        assert "STOWAGE_REGISTRY_HOST is not" in note and "STOWAGE_REGISTRY_HOST=registry.example.com" in note  # type: ignore[operator]


def test_environment_credentials_for_docker_hub_by_any_of_its_names() -> None:
    env = {"STOWAGE_REGISTRY_HOST": "docker.io", "STOWAGE_REGISTRY_USERNAME": "u", "STOWAGE_REGISTRY_PASSWORD": "p"}
    assert credentials.lookup(parse_repository("index.docker.io/library/hello"), env) is not None
    assert credentials.lookup(parse_repository("hello"), {**env, "STOWAGE_REGISTRY_HOST": "https://index.docker.io/v1/"}) is not None
    assert credentials.lookup(parse_repository("quay.io/a/b"), env) is None


# -- what a hostile registry sends ------------------------------------------------

NOW = datetime(2026, 12, 1, 10, 0, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("value, seconds", [
    (None, None), ("", None), ("nan", None), ("-5", None), ("inf", None), ("1e9", None), ("soon", None),
    ("\x1b[31m", None), ("0", 0.0), ("5", 5.0), ("2.5", 2.5), ("99999999999999999999999", 30.0), ("9" * 5000, 30.0),
    ("Tue, 01 Dec 2026 10:00:07 GMT", 7.0), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
    ("Tue, 01 Dec 2099 10:00:00 GMT", 30.0), ("Tue, 01 Dec 99999 10:00:00 GMT", None),
])
def test_retry_after(value: str | None, seconds: float | None) -> None:
    assert transport.retry_after(value, NOW) == seconds


@pytest.mark.parametrize("text, shown", [
    ("plain text", "plain text"),
    ("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"),
    ("bell\x07 cr\r lf\n tab\t", "bell\\x07 cr\\r lf\\n tab\\t"),
    ("rtl \u202e override, c1 \x9b", "rtl \\u202e override, c1 \\x9b"),
    ("caf\u00e9 \u65e5\u672c", "caf\u00e9 \u65e5\u672c"),
    ("x" * 400, "x" * 300 + "…"),
    ("\x1b" * 100, "\\x1b" * 75 + "…"),
])
def test_registry_text_is_shown_escaped_and_capped(text: str, shown: str) -> None:
    assert untrusted.shown(text) == shown


def test_json_from_a_registry() -> None:
    assert untrusted.parse_json(b'{"a": [1]}', "doc") == {"a": [1]}
    with pytest.raises(UserError, match="doc is not usable JSON: it is nested too deeply"):
        untrusted.parse_json(b"[" * 100_000, "doc")
    with pytest.raises(UserError, match="doc is not valid JSON"):
        untrusted.parse_json(b"\xff", "doc")


@pytest.mark.parametrize("registry, realm_url, trusted, refused", [
    ("https://ghcr.io", "https://ghcr.io/token", "", None),
    ("https://registry-1.docker.io", "https://auth.docker.io/token", "", None),
    ("https://registry.gitlab.com", "https://gitlab.com/jwt/auth", "", None),
    ("https://r.example.com:5000", "https://r.example.com/token", "", None),
    ("https://r.example.com", "http://r.example.com/token", "", "plain HTTP"),
    ("https://registry.example.co.uk", "https://auth.example.co.uk/token", "", None),
    ("https://registry.co.uk", "https://evil.co.uk/token", "", "neither"),
    ("https://mirror.com.au", "https://auth.com.au/token", "", "neither"),
    ("https://victim.azurecr.io", "https://attacker.azurecr.io/token", "", "neither"),
    ("https://victim.azurecr.io", "https://victim.azurecr.io/oauth2/token", "", None),
    ("https://1.dkr.ecr.us-east-1.amazonaws.com", "https://2.dkr.ecr.us-east-1.amazonaws.com/t", "", "neither"),
    ("https://us-docker.pkg.dev", "https://eu-docker.pkg.dev/token", "", "neither"),
    ("https://registry.company.io", "https://auth.company.io/token", "", None),
    ("https://ghcr.io", "https://evil.io/token", "", "evil.io is neither"),
    ("https://127.0.0.1:5000", "https://0.0.1/token", "", "neither"),
    ("https://nvcr.io", "https://authn.nvidia.com/token", "", "neither"),
    ("https://nvcr.io", "https://authn.nvidia.com/token", "authn.nvidia.com", None),
    ("http://127.0.0.1:5000", "http://127.0.0.1:5001/token", "", None),
    ("http://127.0.0.1:5000", "http://localhost:5001/token", "", "neither"),
    ("http://127.0.0.1:5000", "http://localhost:5001/token", "localhost:5001", None),
])
def test_which_realms_get_the_credentials(registry: str, realm_url: str, trusted: str, refused: str | None) -> None:
    reason = realm.refusal(registry, realm_url, realm.extra_hosts({"STOWAGE_REGISTRY_REALM_HOSTS": trusted}))
    assert reason is None if refused is None else refused in (reason or "")


def test_a_deadline_shuts_its_connections_when_it_passes() -> None:
    (one, one_peer), (two, two_peer) = socket.socketpair(), socket.socketpair()
    with one, one_peer, two, two_peer:
        late = deadline.Deadline(0.2, "GET x")
        late.watch(one)
        cancelled = deadline.Deadline(0.1, "GET y")
        cancelled.watch(two)
        cancelled.cancel()
        one.settimeout(5)
        start = time.monotonic()
        assert one.recv(1) == b""  # shut down under the blocked read
        assert 0.15 < time.monotonic() - start < 4 and late.expired
        assert not cancelled.expired
        two.sendall(b"ok")  # left alone
        assert two_peer.recv(2) == b"ok"


def test_deadlines_are_ended_in_order_and_cancelled_ones_dropped() -> None:
    many = [deadline.Deadline(300, f"GET {n}") for n in range(3 * deadline._PRUNE)]
    for each in many:
        each.cancel()
    soon = deadline.Deadline(0.05, "GET soon")
    waiting = len(deadline._WATCHDOG._due)
    assert waiting < 2 * deadline._PRUNE  # the cancelled ones do not pile up
    for _ in range(100):
        if soon.expired:
            break
        time.sleep(0.02)
    assert soon.expired and not any(each.expired for each in many)


def test_deadline_settings() -> None:
    assert deadline.limits_from({}) == deadline.Limits(120.0, 100_000.0)
    limits = deadline.limits_from({"STOWAGE_REGISTRY_TIMEOUT": "2.5", "STOWAGE_REGISTRY_MIN_RATE": "1000"})
    assert limits.blob(5000) == 7.5
    for bad in ("0", "-1", "nan", "inf", "ten"):
        with pytest.raises(UserError, match=f"STOWAGE_REGISTRY_MIN_RATE must be a number of bytes per second greater than 0; got '{bad}'"):
            deadline.limits_from({"STOWAGE_REGISTRY_MIN_RATE": bad})


def test_a_deadline_shuts_its_socket() -> None:
    left, right = socket.socketpair()
    with left, right:
        watch = deadline.Deadline(0.2, "GET x")
        watch.watch(left)
        started = time.monotonic()
        assert left.recv(1) == b"" and watch.expired  # unblocked by the shutdown, not by data
        assert 0.15 < time.monotonic() - started < 5
        assert "GET x: no complete answer within 0.2 s" in str(watch.error())


def test_a_deadline_for_a_blob_that_claims_to_be_huge() -> None:
    watch = deadline.Deadline(deadline.Limits().blob(10 ** 18), "GET x")
    time.sleep(0.1)  # the timer thread is waiting, not failing (an overflow would be an unhandled thread error)
    watch.cancel()
    assert watch.seconds == 365 * 86400
