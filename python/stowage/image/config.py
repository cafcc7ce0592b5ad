"""The image configuration (OCI image config / Docker image JSON) and how a child
inherits its base's container configuration.

Inheritance follows what a Dockerfile ``FROM`` does: every key of the base is
kept unless the child sets it; ``Env`` is merged by variable name (the child's
value wins, the first position is kept); ``Labels``, ``ExposedPorts`` and
``Volumes`` are merged key by key; and a child that sets ``Entrypoint`` without
``Cmd`` drops the base's ``Cmd``, as Docker does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence

from stowage import canonical_json

_MERGED_MAPS = ("Labels", "ExposedPorts", "Volumes")


def merge_env(base: list[str], child: list[str]) -> list[str]:
    """Return ``base`` then ``child`` entries, one per variable, the later value winning."""
    merged: dict[str, str] = {}
    for entry in [*base, *child]:
        merged[entry.split("=", 1)[0]] = entry
    return list(merged.values())


def inherit(base: Optional[dict[str, Any]], child: dict[str, Any]) -> dict[str, Any]:
    """Return the container config of a child image built on ``base``."""
    if not base:
        return dict(child)
    result = dict(base)
    if "Entrypoint" in child and "Cmd" not in child:
        result.pop("Cmd", None)
    for key, value in child.items():
        if key == "Env" and isinstance(base.get("Env"), list) and isinstance(value, list):
            result[key] = merge_env(base["Env"], value)
        elif key in _MERGED_MAPS and isinstance(base.get(key), dict) and isinstance(value, dict):
            result[key] = {**base[key], **value}
        else:
            result[key] = value
    return result


def history_entry(created: str, comment: str) -> dict[str, Any]:
    return {"created": created, "created_by": "stowage", "comment": comment}


def document(
    *,
    architecture: str,
    variant: Optional[str],
    created: str,
    config: dict[str, Any],
    diff_ids: list[str],
    history: list[dict[str, Any]],
) -> dict[str, Any]:
    """Return the image configuration document."""
    doc: dict[str, Any] = {
        "architecture": architecture,
        "os": "linux",
        "created": created,
        "config": config,
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history,
    }
    if variant:
        doc["variant"] = variant
    return doc


@dataclass(frozen=True)
class ConfigTemplate:
    """What an image configuration is made of, but its diff_ids (known only once
    every layer is written)."""

    architecture: str
    variant: Optional[str]
    created: str
    config: dict[str, Any]
    history: tuple[dict[str, Any], ...]

    def render(self, diff_ids: Sequence[str]) -> bytes:
        """The configuration's canonical bytes with ``diff_ids``."""
        return canonical_json.dumps(
            document(
                architecture=self.architecture, variant=self.variant, created=self.created,
                config=self.config, diff_ids=list(diff_ids), history=list(self.history),
            )
        )
