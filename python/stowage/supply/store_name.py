"""Store path names and NAR hashes as Nix writes them.

A store path is ``<store dir>/<hash part>-<name>``; the name splits into a package
name and a version the way ``builtins.parseDrvName`` does: at the first ``-`` that
is followed by something other than an ASCII letter. A NAR hash comes from
``exportReferencesGraph`` as ``sha256:<nix base32>`` (Nix 2.8), ``sha256:<hex>``
or SRI ``sha256-<base64>`` (later Nix).
"""

from __future__ import annotations

import base64
import binascii
import re

from stowage.errors import UserError

# Nix's base32 alphabet: digits and letters without e, o, u and t.
_NIX32 = "0123456789abcdfghijklmnpqrsvwxyz"
_SHA256_BYTES = 32


def hash_part(path: str) -> str:
    """The 32 characters before the first ``-`` of the path's last component."""
    return path.rsplit("/", 1)[-1].split("-", 1)[0]


def store_name(path: str) -> str:
    """The part after the hash: ``hello-2.12`` of ``/nix/store/<hash>-hello-2.12``."""
    base = path.rsplit("/", 1)[-1]
    return base.split("-", 1)[1] if "-" in base else base


def parse_name(name: str) -> tuple[str, str]:
    """(package name, version) of a store name, as ``builtins.parseDrvName``;
    the version is "" when there is none."""
    for i, char in enumerate(name[:-1]):
        following = name[i + 1]
        if char == "-" and not ("a" <= following.lower() <= "z"):
            return name[:i], name[i + 1:]
    return name, ""


def _from_nix32(text: str) -> bytes:
    value = 0
    for char in text:
        digit = _NIX32.find(char)
        if digit < 0:
            raise ValueError(char)
        value = value << 5 | digit
    # The last character holds the lowest bits of the first byte (little-endian).
    return value.to_bytes(_SHA256_BYTES, "little")


def sha256_hex(nar_hash: str) -> str:
    """The SHA-256 of a NAR hash in any of Nix's spellings, as 64 hex digits."""
    try:
        if nar_hash.startswith("sha256-"):
            raw = base64.b64decode(nar_hash[7:], validate=True)
        elif re.fullmatch(r"sha256:[0-9a-f]{64}", nar_hash):
            raw = bytes.fromhex(nar_hash[7:])
        elif re.fullmatch(r"sha256:[0-9a-z]{52}", nar_hash):
            raw = _from_nix32(nar_hash[7:])
        else:
            raw = b""
    except (ValueError, OverflowError, binascii.Error):
        raw = b""
    if len(raw) != _SHA256_BYTES:
        raise UserError(f"the references graph has a NAR hash that is not a SHA-256; got {nar_hash!r}")
    return raw.hex()
