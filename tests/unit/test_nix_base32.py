"""nix-prefetch-docker's sha256 is Nix's base-32: checked against nix-hash."""

from __future__ import annotations

import hashlib
import pytest

from conftest import require, run
from stowage.cli.nix_prefetch_docker import nix_base32


@pytest.mark.parametrize("data", [b"", b"hello", bytes(range(256)) * 3])
def test_nix_base32_matches_nix_hash(data: bytes) -> None:
    require("nix-hash")
    digest = hashlib.sha256(data).hexdigest()
    expected = run(["nix-hash", "--type", "sha256", "--to-base32", digest]).stdout.strip()
    assert nix_base32(bytes.fromhex(digest)) == expected and len(expected) == 52
