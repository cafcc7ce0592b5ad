"""OCI annotations (image-spec ``annotations.md``): string keys to string values,
as Nix settles them (``nix/image/annotations.nix``) for a manifest or an index."""

from __future__ import annotations

from typing import Any

from stowage.errors import UserError

CREATED = "org.opencontainers.image.created"


def parse(value: Any, what: str) -> dict[str, str]:
    """``value`` (parsed JSON) if it maps strings to strings, sorted by key."""
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise UserError(f"{what} must be an object of strings; got {value!r}")
    return dict(sorted(value.items()))


def with_annotations(doc: dict[str, Any], annotations: dict[str, str]) -> dict[str, Any]:
    """``doc`` with an ``annotations`` member when there are any (none: unchanged)."""
    return {**doc, "annotations": dict(annotations)} if annotations else doc
