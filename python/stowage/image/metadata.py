"""An image's metadata from its plan: member names, history, the configuration
and manifest.json. The stream and mk-config both use these, so the configuration
that mk-config records at build time (when every layer digest is known) is the
one the stream writes, byte for byte.
"""

from __future__ import annotations

from typing import Any, Hashable, Optional, Sequence

from stowage.digest import Digest
from stowage import canonical_json
from stowage.image import config as image_config
from stowage.contract.plan import Base, ImagePlan


def _base_history(base: Base, created: str) -> list[dict[str, Any]]:
    """The base's own history when it matches its layers, else one entry per layer."""
    real = [h for h in base.history if not h.get("empty_layer")]
    if len(real) == len(base.layers):
        return list(base.history)
    return [image_config.history_entry(created, "base image layer") for _ in base.layers]


def history(plan: ImagePlan, created: str) -> list[dict[str, Any]]:
    """One entry per layer (the base's own entries kept when they fit)."""
    entries = _base_history(plan.base, created) if plan.base is not None else []
    for store_layer in plan.store_layers:
        entries.append(image_config.history_entry(created, "store paths: " + " ".join(store_layer.paths)))
    entries.append(image_config.history_entry(created, "customisation layer"))
    return entries


def member_names(keys: Sequence[Hashable]) -> list[str]:
    """Docker-archive member names of layers by position (``layers/NNN.tar``);
    layers of equal ``key`` (a base member listed twice) are one member."""
    names: list[str] = []
    first: dict[Hashable, str] = {}
    for key in keys:
        names.append(first.setdefault(key, f"layers/{len(names) + 1:03d}.tar"))
    return names


def layer_names(plan: ImagePlan) -> list[str]:
    """Archive member names of the plan's layers, bottom first."""
    base: list[Hashable] = [b.source for b in plan.base.layers] if plan.base is not None else []
    return member_names(base + list(range(len(base), len(base) + len(plan.store_layers) + 1)))


def recorded_diff_ids(plan: ImagePlan) -> Optional[list[str]]:
    """All layer digests when the plan records every one, else None."""
    ids = [layer.diff_id for layer in plan.base.layers] if plan.base is not None else []
    for store_layer in plan.store_layers:
        if store_layer.diff_id is None:
            return None
        ids.append(store_layer.diff_id)
    return ids + [plan.customisation_layer.diff_id]


def config_template(plan: ImagePlan, created: str) -> image_config.ConfigTemplate:
    """The plan's configuration but its diff_ids."""
    return image_config.ConfigTemplate(
        plan.architecture, plan.variant, created, plan.config, tuple(history(plan, created))
    )


def config_bytes(plan: ImagePlan, created: str, diff_ids: list[str]) -> bytes:
    """The image configuration, exactly as written into the archive."""
    return config_template(plan, created).render(diff_ids)


def config_name(config: bytes) -> str:
    return Digest.of_bytes(config).hex + ".json"


def manifest_bytes(plan: ImagePlan, config: bytes, repo_tag: str) -> bytes:
    """``manifest.json`` of the one-image archive."""
    return canonical_json.dumps(archive_manifest(config_name(config), [repo_tag], layer_names(plan)))


def archive_manifest(config_member: str, repo_tags: list[str], layer_members: list[str]) -> list[dict[str, Any]]:
    """The ``manifest.json`` document of a one-image docker-archive."""
    return [{"Config": config_member, "RepoTags": repo_tags, "Layers": layer_members}]
