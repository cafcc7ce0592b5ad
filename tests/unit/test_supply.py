"""Store names and NAR hashes as the SBOM reads them, checked against Nix itself
(builtins.parseDrvName, nix-hash)."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest

from conftest import nix_eval, require, run
from stowage.errors import UserError
from stowage.supply import store_name

NAMES = [
    "hello-2.12.1", "glibc-2.37-8-bin", "python3-3.11.4-env", "nix-2.8.0", "foo", "foo-bar",
    "foo-bar-baz-1.0", "openssl-3.0.9-dev", "a-1", "x-", "-1.0", "busybox-static", "lib-a",
    "font-adobe-100dpi-1.0.4", "perl5.36.0-URI-5.17", "e2e-dag-conf", "hello-1.0",
]


def test_names_split_like_builtins_parse_drv_name() -> None:
    expected = nix_eval(f"map builtins.parseDrvName (builtins.fromJSON {json.dumps(json.dumps(NAMES))})")
    assert [store_name.parse_name(n) for n in NAMES] == [(e["name"], e["version"]) for e in expected]


def test_store_path_parts() -> None:
    path = "/nix/store/8x105s90v1f4np50q02lqw1zvjn2r62a-lib-a-1.2"
    assert store_name.hash_part(path) == "8x105s90v1f4np50q02lqw1zvjn2r62a"
    assert store_name.store_name(path) == "lib-a-1.2"


@pytest.mark.parametrize("data", [b"", b"nar", bytes(range(256)) * 3])
def test_nar_hash_spellings_all_give_the_sha256(data: bytes) -> None:
    require("nix-hash")
    digest = hashlib.sha256(data)
    nix32 = run(["nix-hash", "--type", "sha256", "--to-base32", digest.hexdigest()]).stdout.strip()
    for spelling in (f"sha256:{nix32}", f"sha256:{digest.hexdigest()}", "sha256-" + base64.b64encode(digest.digest()).decode()):
        assert store_name.sha256_hex(spelling) == digest.hexdigest()


@pytest.mark.parametrize("bad", ["md5:abc", "sha256:" + "e" * 52, "sha256-AAAA", "sha256:" + "0" * 63, ""])
def test_other_hashes_are_refused(bad: str) -> None:
    with pytest.raises(UserError, match="not a SHA-256"):
        store_name.sha256_hex(bad)
