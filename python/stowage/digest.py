"""Content digests as the OCI image spec writes them (``descriptor.md``):
``sha256:`` and 64 lowercase hex digits. The only algorithm this project writes
or accepts.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any, Protocol

from stowage.errors import UserError

PREFIX = "sha256:"
PATTERN = re.compile(r"sha256:[0-9a-f]{64}")
_HEX = re.compile(r"[0-9a-f]{64}")


class _Hash(Protocol):
    """What ``hashlib.sha256()`` gives (``hashlib._Hash`` is private)."""

    def hexdigest(self) -> str: ...


@dataclass(frozen=True)
class Digest:
    """A checked sha256 digest; ``str()`` gives ``sha256:<hex>``."""

    hex: str

    def __post_init__(self) -> None:
        if not isinstance(self.hex, str) or not _HEX.fullmatch(self.hex):
            raise ValueError(f"Digest: hex must be 64 lowercase hex digits; got {self.hex!r}")

    def __str__(self) -> str:
        return PREFIX + self.hex

    @classmethod
    def of_bytes(cls, data: bytes | memoryview) -> "Digest":
        return cls(hashlib.sha256(data).hexdigest())

    @classmethod
    def of_hash(cls, hasher: _Hash) -> "Digest":
        """The digest of what a ``hashlib.sha256()`` object has been fed."""
        return cls(hasher.hexdigest())

    @classmethod
    def parse(cls, value: Any, what: str) -> "Digest":
        """``value`` as a digest, or a UserError naming ``what``."""
        if not is_digest(value):
            raise UserError(f"{what} must be sha256:<64 lowercase hex digits>; got {_shown(value)}")
        return cls(value[len(PREFIX):])


def is_digest(value: Any) -> bool:
    """Whether ``value`` is a ``sha256:<64 hex>`` string."""
    return isinstance(value, str) and PATTERN.fullmatch(value) is not None


def sha256(data: bytes | memoryview) -> str:
    """``sha256:<hex>`` of ``data``."""
    return str(Digest.of_bytes(data))


def of_hash(hasher: _Hash) -> str:
    """``sha256:<hex>`` of what a ``hashlib.sha256()`` object has been fed."""
    return str(Digest.of_hash(hasher))


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 100 else text[:100] + "..."
