"""An image's metadata: the history and configuration template of a plan, the
docker-archive member names of layers, and the archive's ``manifest.json``.
``image.model`` builds every image from these, so the configuration that
mk-config records at build time (when every layer digest is known) is the one
the stream writes, byte for byte.
"""

from __future__ import annotations

from typing import Any, Hashable, Sequence

from stowage.digest import Digest
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






def config_template(plan: ImagePlan, created: str) -> image_config.ConfigTemplate:
    """The plan's configuration but its diff_ids."""
    return image_config.ConfigTemplate(
        plan.architecture, plan.variant, created, plan.config, tuple(history(plan, created))
    )




def config_name(config: bytes) -> str:
    return Digest.of_bytes(config).hex + ".json"




def archive_manifest(config_member: str, repo_tags: list[str], layer_members: list[str]) -> list[dict[str, Any]]:
    """The ``manifest.json`` document of a one-image docker-archive."""
    return [{"Config": config_member, "RepoTags": repo_tags, "Layers": layer_members}]
