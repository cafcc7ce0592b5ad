"""Builder of the image plan: reads the build's structured attributes (the request
from Nix and the closure graph), reads the base image if any, groups the store
paths into layers, and writes the plan document (see ``stowage.plan``) to $out.

The request, structured attribute ``stowage`` (version 1)::

    {"version": 1, "imageName": str, "tag": str or null, "created": str, "mtime": str,
     "architecture": str, "variant": str or null,
     "owner": {"uid", "gid", "uname", "gname"}, "maxLayers": int,
     "fromImage": path or null, "fromImageTag": "name:tag" or null,
     "customisationLayer": path, "configFile": path,
     "includeStorePaths": bool, "storeDir": path}

and ``closure``: Nix's references graph of the customisation layer and config file.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime, timezone
from typing import Any, Optional

from .. import closure, docker_archive, image_config, layering
from ..errors import UserError
from ..jsondoc import fields, optional_str, read_attrs, versioned
from ..plan import BlobLayer, ImagePlan, Owner
from ..timestamps import epoch_seconds
from .common import output_path, run

PROGRAM = "mk-config"
VERSION = 1
_KEYS = {
    "version", "imageName", "tag", "created", "mtime", "architecture", "variant", "owner",
    "maxLayers", "fromImage", "fromImageTag", "customisationLayer", "configFile",
    "includeStorePaths", "storeDir",
}


def _tag(request: dict[str, Any], out: str) -> str:
    """The given tag, or the hash part of this build's output path (as Nix computes it)."""
    tag = optional_str(request["tag"])
    return tag if tag is not None else os.path.basename(out)[:32]


def _customisation(path: str) -> BlobLayer:
    with open(os.path.join(path, "layer.json"), encoding="utf-8") as handle:
        record = fields(json.load(handle), "layer.json", {"diffId", "size"})
    return BlobLayer(os.path.join(path, "layer.tar"), str(record["diffId"]), int(record["size"]))


def _store_layers(request: dict[str, Any], graph: Any, base_layers: int) -> list[list[str]]:
    if not request["includeStorePaths"]:
        return []
    internal = [request["customisationLayer"], request["configFile"]]
    paths = closure.parse_graph(graph).without(internal)
    if not paths.paths:
        return []
    budget = int(request["maxLayers"]) - 1 - base_layers
    if budget < 1:
        raise UserError(
            f"maxLayers is {request['maxLayers']}, but fromImage has {base_layers} layers and "
            f"the customisation layer takes one, which leaves none for the store paths; "
            f"set maxLayers to at least {base_layers + 2}"
        )
    return layering.plan_layers(paths, budget)


def make_plan(request: Any, graph: Any, out: str) -> ImagePlan:
    r = fields(versioned(request, "the image request", VERSION), "the image request", _KEYS)
    with open(r["configFile"], encoding="utf-8") as handle:
        config = json.load(handle) or {}
    base = None
    if r["fromImage"] is not None:
        base_image = docker_archive.read_base(str(r["fromImage"]), optional_str(r["fromImageTag"]))
        _check_architecture(base_image.config, r["architecture"], str(r["fromImage"]))
        base = base_image.base
        config = image_config.inherit(base_image.config.get("config"), config)
    epoch_seconds(r["mtime"], "mtime", datetime.now(timezone.utc))  # fail early on a bad value
    o = r["owner"]
    return ImagePlan(
        repo_tag=f"{r['imageName']}:{_tag(r, out)}",
        created=str(r["created"]),
        mtime=str(r["mtime"]),
        architecture=str(r["architecture"]),
        variant=optional_str(r["variant"]),
        config=config,
        owner=Owner(int(o["uid"]), int(o["gid"]), str(o["uname"]), str(o["gname"])),
        store_dir=str(r["storeDir"]),
        base=base,
        store_layers=tuple(
            tuple(g) for g in _store_layers(r, graph, len(base.layers) if base else 0)
        ),
        customisation_layer=_customisation(str(r["customisationLayer"])),
    )


def _check_architecture(base_config: dict[str, Any], architecture: str, path: str) -> None:
    theirs = base_config.get("architecture")
    if theirs and theirs != architecture:
        raise UserError(
            f"fromImage {path} is an {theirs} image, but this image is for {architecture}; "
            f"use a base image for {architecture} or set architecture = \"{theirs}\""
        )


def main(argv: Optional[list[str]] = None) -> int:
    def body() -> int:
        attrs = read_attrs()
        out = output_path(attrs)
        plan = make_plan(attrs["stowage"], attrs.get("closure", []), out)
        with open(out, "wb") as handle:
            handle.write(plan.to_json())
        return 0

    return run(PROGRAM, body)


if __name__ == "__main__":
    sys.exit(main())
