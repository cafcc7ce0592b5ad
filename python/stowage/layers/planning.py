"""The image plan (``stowage.contract.plan``) from ``mk-config``'s request
(``stowage.contract.image_requests.ImageRequest``) and Nix's references graph:
the base image read, the closure grouped into layers (``stowage.layers.grouping``,
or nixpkgs' ``layeringPipeline`` through ``stowage.layers.pipeline``), recorded
layers checked against the image's mtime and owner; and the files of a plan
whose every digest is known: ``config.json``, ``manifest.json``, ``image-id``.

``explicitLayers`` (the ``layers`` argument) come first; the rest of the closure
is grouped above them, or, when ``layerRecords`` are given, is exactly those
recorded layers (the groups of an earlier plan, each built by its own derivation).
With ``layeringPipeline`` the pipeline groups them and, as in nixpkgs,
``maxLayers`` is not consulted.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from typing import Any, Sequence

from stowage.store import closure
from stowage.store.closure import GraphNode
from stowage.archive import docker_archive
from stowage.image import config as image_config
from stowage.layers import record as layer_record, grouping as layering, pipeline
from stowage.errors import UserError
from stowage.contract.image_requests import ImageRequest
from stowage.contract.plan import BlobLayer, ImagePlan, Owner, StoreLayer
from stowage.contract.records import read_root_layer_record
from stowage.timestamps import epoch_seconds


def _customisation(path: str, who: str) -> BlobLayer:
    record = read_root_layer_record(path, who)
    return BlobLayer(os.path.join(path, "layer.tar"), record.diff_id, record.size)


def _records(directories: Sequence[str], stamp: tuple[int, Owner], who: str) -> list[StoreLayer]:
    layers = []
    for directory in directories:
        record = layer_record.read(directory, who)
        if (record.mtime, record.owner) != stamp:
            raise UserError(
                f"the layer record {directory} was made for mtime {record.mtime} and owner "
                f"{record.owner}, not for this image's {stamp[0]} and {stamp[1]}"
            )
        layers.append(record.layer)
    return layers


def _planned_layers(
    request: ImageRequest, graph: Sequence[GraphNode], taken: int, explicit: list[StoreLayer]
) -> list[StoreLayer]:
    """Group the closure (minus what explicit layers hold) into the layers left."""
    if not request.include_store_paths:
        return []
    internal = [request.customisation_layer, request.config_file]
    internal += [p for layer in explicit for p in layer.paths]
    paths = closure.parse_graph(graph).without(internal)
    if not paths.paths:
        return []
    if request.layering_pipeline is not None:
        return [StoreLayer(tuple(group)) for group in pipeline.plan_layers(paths, request.layering_pipeline)]
    budget = request.max_layers - 1 - taken
    if budget < 1:
        raise UserError(
            f"maxLayers is {request.max_layers}, but fromImage and the explicit layers take "
            f"{taken} layers and the customisation layer one, which leaves none for the other "
            f"store paths; set maxLayers to at least {taken + 2}"
        )
    return [StoreLayer(layer.paths, reason=layer.reason) for layer in layering.explain_layers(paths, budget)]


#: Docker refuses to load an image of more layers ("max depth exceeded").
DOCKER_MAX_LAYERS = 125


def _check_budget(request: ImageRequest, base_layers: int, explicit: int) -> None:
    """The base's layers always count: base, explicit and customisation layers
    alone must fit in maxLayers."""
    limit = request.max_layers
    if base_layers + 1 > limit:
        total = base_layers + 1
        fix = (
            f"use a base image with at most {DOCKER_MAX_LAYERS - 1} layers: Docker refuses images of more than "
            f"{DOCKER_MAX_LAYERS} layers (\"max depth exceeded\")"
            if total > DOCKER_MAX_LAYERS
            else f"set maxLayers to at least {total}, or use a base image with fewer layers (Docker "
            f"refuses images of more than {DOCKER_MAX_LAYERS} layers: \"max depth exceeded\")"
        )
        raise UserError(
            f"fromImage {request.from_image} has {base_layers} layers, so with the customisation "
            f"layer the image would have {total}, more than maxLayers = {limit}; {fix}"
        )
    if base_layers + explicit + 1 > limit:
        raise UserError(
            f"maxLayers is {limit}, but fromImage's {base_layers} layers, the {explicit} explicit layers "
            f"and the customisation layer make {base_layers + explicit + 1}; set maxLayers to at least "
            f"{base_layers + explicit + 1} or list fewer layers"
        )


def _store_layers(
    request: ImageRequest, graph: Sequence[GraphNode], base_layers: int, stamp: tuple[int, Owner]
) -> list[StoreLayer]:
    explicit = _records(request.explicit_layers, stamp, request.builder)
    if request.layering_pipeline is None:  # nixpkgs: the pipeline's author counts layers
        _check_budget(request, base_layers, len(explicit))
    if request.layer_records is not None:
        return explicit + _records(request.layer_records, stamp, request.builder)
    return explicit + _planned_layers(request, graph, base_layers + len(explicit), explicit)


def _config(path: str) -> dict[str, Any]:
    """The config that write-config wrote (canonical JSON of an object)."""
    with open(path, encoding="utf-8") as handle:
        config = json.load(handle)
    if not isinstance(config, dict):
        raise UserError(f"the config file {path} must hold a JSON object; got {type(config).__name__}")
    return config


def make_plan(r: ImageRequest, graph: Sequence[GraphNode], default_tag: str) -> ImagePlan:
    """Return the plan of the image ``r`` asks for; ``graph`` is the closure of
    its customisation layer and config file; ``default_tag`` the tag when
    ``r.tag`` is null (the hash part of the plan's output path)."""
    config = _config(r.config_file)
    base = None
    if r.from_image is not None:
        base_image = docker_archive.read_base(r.from_image, r.from_image_tag)
        _check_architecture(base_image.config, r.architecture, r.from_image)
        base = base_image.base
        config = image_config.inherit(base_image.config.get("config"), config)
    mtime = epoch_seconds(r.mtime, "mtime", datetime.now(timezone.utc))  # fails early on a bad value
    base_count = len(base.layers) if base else 0
    return ImagePlan(
        repo_tag=f"{r.image_name}:{r.tag if r.tag is not None else default_tag}",
        created=r.created,
        mtime=r.mtime,
        architecture=r.architecture,
        variant=r.variant,
        config=config,
        owner=r.owner,
        store_dir=r.store_dir,
        base=base,
        store_layers=tuple(_store_layers(r, graph, base_count, (mtime, r.owner))),
        customisation_layer=_customisation(r.customisation_layer, r.builder),
    )


def _check_architecture(base_config: dict[str, Any], architecture: str, path: str) -> None:
    theirs = base_config.get("architecture")
    if theirs and theirs != architecture:
        raise UserError(
            f"fromImage {path} is an {theirs} image, but this image is for {architecture}; "
            f"use a base image for {architecture} or set architecture = \"{theirs}\""
        )


def describe_layers(plan: ImagePlan) -> list[str]:
    """The layer plan as lines for the build log (the ``debug`` argument): why each
    store layer holds its paths."""
    lines = [f"{len(plan.base.layers) if plan.base else 0} base layers"]
    for number, layer in enumerate(plan.store_layers, start=1):
        lines.append(f"store layer {number}: {len(layer.paths)} paths; {layer.reason or 'listed in layers'}")
        lines.extend(f"  {path}" for path in layer.paths)
    lines.append("the customisation layer")
    return lines
