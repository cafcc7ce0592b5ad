"""The one digest type (stowage.digest) and the one media-type table."""

from __future__ import annotations

import hashlib

import pytest

from stowage import digest, media_types
from stowage.digest import Digest
from stowage.errors import UserError

HEX = hashlib.sha256(b"abc").hexdigest()


def test_a_digest_is_made_from_bytes_a_hash_or_text() -> None:
    hasher = hashlib.sha256()
    hasher.update(b"a")
    hasher.update(b"bc")
    assert Digest.of_bytes(b"abc") == Digest.of_hash(hasher) == Digest(HEX) == Digest.parse("sha256:" + HEX, "x")
    assert str(Digest(HEX)) == "sha256:" + HEX == digest.sha256(b"abc") == digest.of_hash(hasher)
    assert Digest(HEX).hex == HEX


@pytest.mark.parametrize(
    "value",
    ["", HEX, "sha256:" + HEX.upper(), "sha512:" + HEX, "sha256:" + HEX[:-1], "sha256:" + HEX + "0", None, 7],
)
def test_parse_refuses_anything_but_sha256_and_64_lowercase_hex(value: object) -> None:
    assert not digest.is_digest(value)
    with pytest.raises(UserError, match=r"^the layer's digest must be sha256:<64 lowercase hex digits>; got ") as caught:
        Digest.parse(value, "the layer's digest")
    assert repr(value) in str(caught.value)


def test_a_digest_cannot_be_made_of_bad_hex() -> None:
    with pytest.raises(ValueError, match="64 lowercase hex"):
        Digest("../../etc/passwd")


def test_the_media_type_table() -> None:
    assert media_types.OCI_LAYER == {
        "none": "application/vnd.oci.image.layer.v1.tar",
        "gz": "application/vnd.oci.image.layer.v1.tar+gzip",
        "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
    }
    assert media_types.OCI_LAYER_GZIP in media_types.GZIP_LAYERS
    assert media_types.DOCKER_LAYER_GZIP in media_types.GZIP_LAYERS
    assert media_types.OCI_LAYER_TAR in media_types.PLAIN_LAYERS
    assert not media_types.GZIP_LAYERS & media_types.PLAIN_LAYERS
