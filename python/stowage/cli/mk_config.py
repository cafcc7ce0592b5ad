"""Builder of the image plan: reads the build's structured attributes (the request
from Nix and the closure graph), reads the base image if any, groups the store
paths into layers, and writes to the directory $out:

- ``plan.json``: the plan document (see ``stowage.contract.plan``), which ``stream`` reads;
- when every layer's digest is recorded and ``created`` is fixed, also the image's
  ``config.json`` and ``manifest.json`` (exactly as the stream will write them)
  and ``image-id`` (``sha256:`` of the configuration).

The request, structured attribute ``stowage`` (version 2)::

    {"version": 2, "imageName": str, "tag": str or null, "created": str, "mtime": str,
     "architecture": str, "variant": str or null,
     "owner": {"uid", "gid", "uname", "gname"}, "maxLayers": int,
     "fromImage": path or null, "fromImageTag": "name:tag" or null,
     "customisationLayer": path, "configFile": path,
     "includeStorePaths": bool, "storeDir": path,
     "explicitLayers": [store-layer record directories],
     "layerRecords": null or [store-layer record directories],
     "layeringPipeline": nixpkgs' pipeline (optional; absent when not set),
     "debug": true (optional: print the layer plan to the build log)}

and ``closure``: Nix's references graph of the customisation layer and config file.
``explicitLayers`` (the ``layers`` argument) come first; the rest of the closure is
grouped above them, or, when ``layerRecords`` are given, is exactly those
recorded layers (the groups of an earlier plan, each built by its own derivation).
With ``layeringPipeline`` the pipeline groups them (``stowage.layers.pipeline``) and, as in
nixpkgs, ``maxLayers`` is not consulted.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime, timezone
from typing import Any, Optional

from stowage.store import closure
from stowage.archive import docker_archive
from stowage.formats import docker_archive as docker_archive_format
from stowage.image import config as image_config, model
from stowage.layers import record as layer_record, grouping as layering, pipeline
from stowage.errors import UserError
from stowage.contract.jsondoc import fields, optional_str, read_attrs, versioned
from stowage.contract.plan import BlobLayer, ImagePlan, Owner, StoreLayer
from stowage.timestamps import NOW, epoch_seconds
from stowage.cli.common import output_path, run

PROGRAM = "mk-config"
VERSION = 2
_KEYS = {
    "version", "imageName", "tag", "created", "mtime", "architecture", "variant", "owner",
    "maxLayers", "fromImage", "fromImageTag", "customisationLayer", "configFile",
    "includeStorePaths", "storeDir", "explicitLayers", "layerRecords",
}
_OPTIONAL = frozenset({"layeringPipeline", "debug"})


def _tag(request: dict[str, Any], out: str) -> str:
    """The given tag, or the hash part of this build's output path (as Nix computes it)."""
    tag = optional_str(request["tag"])
    return tag if tag is not None else os.path.basename(out)[:32]


def _customisation(path: str) -> BlobLayer:
    with open(os.path.join(path, "layer.json"), encoding="utf-8") as handle:
        record = fields(json.load(handle), "layer.json", {"diffId", "size"})
    return BlobLayer(os.path.join(path, "layer.tar"), str(record["diffId"]), int(record["size"]))


def _records(directories: Any, stamp: tuple[int, Owner]) -> list[StoreLayer]:
    layers = []
    for directory in directories or []:
        record = layer_record.read(str(directory))
        if (record.mtime, record.owner) != stamp:
            raise UserError(
                f"the layer record {directory} was made for mtime {record.mtime} and owner "
                f"{record.owner}, not for this image's {stamp[0]} and {stamp[1]}"
            )
        layers.append(record.layer)
    return layers


def _planned_layers(request: dict[str, Any], graph: Any, taken: int, explicit: list[StoreLayer]) -> list[StoreLayer]:
    """Group the closure (minus what explicit layers hold) into the layers left."""
    if not request["includeStorePaths"]:
        return []
    internal = [request["customisationLayer"], request["configFile"]]
    internal += [p for layer in explicit for p in layer.paths]
    paths = closure.parse_graph(graph).without(internal)
    if not paths.paths:
        return []
    if "layeringPipeline" in request:
        return [StoreLayer(tuple(group)) for group in pipeline.plan_layers(paths, request["layeringPipeline"])]
    budget = int(request["maxLayers"]) - 1 - taken
    if budget < 1:
        raise UserError(
            f"maxLayers is {request['maxLayers']}, but fromImage and the explicit layers take "
            f"{taken} layers and the customisation layer one, which leaves none for the other "
            f"store paths; set maxLayers to at least {taken + 2}"
        )
    return [StoreLayer(layer.paths, reason=layer.reason) for layer in layering.explain_layers(paths, budget)]


#: Docker refuses to load an image of more layers ("max depth exceeded").
DOCKER_MAX_LAYERS = 125


def _check_budget(request: dict[str, Any], base_layers: int, explicit: int) -> None:
    """The base's layers always count: base, explicit and customisation layers
    alone must fit in maxLayers."""
    limit = int(request["maxLayers"])
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
            f"fromImage {request['fromImage']} has {base_layers} layers, so with the customisation "
            f"layer the image would have {total}, more than maxLayers = {limit}; {fix}"
        )
    if base_layers + explicit + 1 > limit:
        raise UserError(
            f"maxLayers is {limit}, but fromImage's {base_layers} layers, the {explicit} explicit layers "
            f"and the customisation layer make {base_layers + explicit + 1}; set maxLayers to at least "
            f"{base_layers + explicit + 1} or list fewer layers"
        )


def _store_layers(request: dict[str, Any], graph: Any, base_layers: int, stamp: tuple[int, Owner]) -> list[StoreLayer]:
    explicit = _records(request["explicitLayers"], stamp)
    if "layeringPipeline" not in request:  # nixpkgs: the pipeline's author counts layers
        _check_budget(request, base_layers, len(explicit))
    if request["layerRecords"] is not None:
        return explicit + _records(request["layerRecords"], stamp)
    return explicit + _planned_layers(request, graph, base_layers + len(explicit), explicit)


def make_plan(request: Any, graph: Any, out: str) -> ImagePlan:
    r = fields(versioned(request, "the image request", VERSION), "the image request", _KEYS, _OPTIONAL)
    with open(r["configFile"], encoding="utf-8") as handle:
        config = json.load(handle) or {}
    base = None
    if r["fromImage"] is not None:
        base_image = docker_archive.read_base(str(r["fromImage"]), optional_str(r["fromImageTag"]))
        _check_architecture(base_image.config, r["architecture"], str(r["fromImage"]))
        base = base_image.base
        config = image_config.inherit(base_image.config.get("config"), config)
    mtime = epoch_seconds(r["mtime"], "mtime", datetime.now(timezone.utc))  # fails early on a bad value
    o = r["owner"]
    owner = Owner(int(o["uid"]), int(o["gid"]), str(o["uname"]), str(o["gname"]))
    base_count = len(base.layers) if base else 0
    return ImagePlan(
        repo_tag=f"{r['imageName']}:{_tag(r, out)}",
        created=str(r["created"]),
        mtime=str(r["mtime"]),
        architecture=str(r["architecture"]),
        variant=optional_str(r["variant"]),
        config=config,
        owner=owner,
        store_dir=str(r["storeDir"]),
        base=base,
        store_layers=tuple(_store_layers(r, graph, base_count, (mtime, owner))),
        customisation_layer=_customisation(str(r["customisationLayer"])),
    )


def write_outputs(plan: ImagePlan, out: str) -> None:
    """Write the plan, and the configuration and manifest when they are known."""
    os.mkdir(out)
    with open(os.path.join(out, "plan.json"), "wb") as handle:
        handle.write(plan.to_json())
    image = model.of_plan(plan, datetime.now(timezone.utc))
    if image.config_bytes is None or plan.created == NOW:
        return
    (_, config), (_, manifest) = docker_archive_format.trailer(image, model.layer_names(image))
    files = {"config.json": config, "manifest.json": manifest, "image-id": str(image.config_digest).encode()}
    for name, data in files.items():
        with open(os.path.join(out, name), "wb") as handle:
            handle.write(data)


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


def main(argv: Optional[list[str]] = None) -> int:
    def body() -> int:
        attrs = read_attrs()
        out = output_path(attrs)
        plan = make_plan(attrs["stowage"], attrs.get("closure", []), out)
        if attrs["stowage"].get("debug"):
            for line in describe_layers(plan):
                print(f"{PROGRAM}: {line}", file=sys.stderr)
        write_outputs(plan, out)
        return 0

    return run(PROGRAM, body)


if __name__ == "__main__":
    sys.exit(main())
