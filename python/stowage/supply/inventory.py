"""What an image is made of, as the SBOM documents list it: the store paths of its
layers (each with its name, version, NAR hash and references) and the layers of
its base image (as the base's own configuration describes them).

Built from the image plan (``stowage.contract.plan``: which paths are in the
layers) and Nix's ``exportReferencesGraph`` of the plan (every path's NAR hash and
references). Only paths of the layers are listed; references to paths outside
them (the plan's own inputs) are dropped. The customisation layer's own store
paths (``buildImage`` copies its items' closure there) are read from its tar.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from stowage.contract.plan import ImagePlan
from stowage.errors import UserError
from stowage.store.closure import GraphNode
from stowage.supply import layer_paths, store_name


@dataclass(frozen=True)
class StorePackage:
    path: str
    name: str
    version: str
    sha256: str  # of the NAR, hex
    nar_hash: str  # as Nix wrote it
    references: tuple[str, ...]  # store paths of the inventory, sorted


@dataclass(frozen=True)
class BaseLayer:
    number: int  # from 1, bottom first
    diff_id: str
    created_by: Optional[str]


@dataclass(frozen=True)
class Inventory:
    image_name: str
    image_tag: str
    created: str  # UTC, YYYY-MM-DDTHH:MM:SSZ
    packages: tuple[StorePackage, ...]  # sorted by path
    base_layers: tuple[BaseLayer, ...]

    def roots(self) -> tuple[str, ...]:
        """The paths no other listed path refers to, sorted."""
        referenced = {r for p in self.packages for r in p.references}
        return tuple(p.path for p in self.packages if p.path not in referenced)


def _base_layers(plan: ImagePlan) -> tuple[BaseLayer, ...]:
    if plan.base is None:
        return ()
    # History entries with empty_layer make no layer: the others match the layers in order.
    steps = [h.get("created_by") for h in plan.base.history if isinstance(h, dict) and not h.get("empty_layer")]
    if len(steps) != len(plan.base.layers):
        steps = [None] * len(plan.base.layers)
    return tuple(
        BaseLayer(number, layer.diff_id, None if step is None else str(step))
        for number, (layer, step) in enumerate(zip(plan.base.layers, steps, strict=True), start=1)
    )


def of_plan(plan: ImagePlan, graph_nodes: Sequence[GraphNode], created: str) -> Inventory:
    """The inventory of the image planned by ``plan``, created at ``created``; ``graph_nodes``
    is the references graph of the plan (``stowage.contract.graph``)."""
    graph = {node.path: (node.nar_hash, node.references) for node in graph_nodes}
    custom = layer_paths.store_paths(plan.customisation_layer.source, plan.store_dir)
    listed = sorted({p for layer in plan.store_layers for p in layer.paths} | custom)
    members = set(listed)
    packages = []
    for path in listed:
        if path not in graph:
            raise UserError(f"the references graph lacks {path}, a path of the image's layers")
        nar_hash, references = graph[path]
        name, version = store_name.parse_name(store_name.store_name(path))
        kept = tuple(sorted(r for r in set(references) if r != path and r in members))
        packages.append(StorePackage(path, name, version, store_name.sha256_hex(nar_hash), nar_hash, kept))
    image_name, _, tag = plan.repo_tag.rpartition(":")
    return Inventory(image_name, tag, created, tuple(packages), _base_layers(plan))
