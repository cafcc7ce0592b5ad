"""A multi-platform image: an OCI image index (image-spec v1.1) over the pushed
manifests of per-platform images, and the list of their push plans, in a
directory: ``index.json`` (the index's bytes, pushed as the image's tag) and
``images.json``::

    {"version": 1, "repoTag": "name:tag", "images": [push plan directories],
     "annotations": {name: value} of the index (optional)}

Each entry's ``platform`` (os, architecture, variant) is the image's own, from
its configuration; two images for one platform are refused.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Optional

from stowage import canonical_json
from stowage.errors import UserError
from stowage.contract.jsondoc import fields, string, strings, versioned
from stowage.push.plan import OCI_INDEX, Content, PushPlan
from stowage.push.plan import read as read_push_plan
from stowage.supply.annotations import parse as parse_annotations, with_annotations

VERSION = 1
FILE = "images.json"


@dataclass(frozen=True)
class MultiArch:
    repo_tag: str
    images: tuple[PushPlan, ...]
    index: Content


def _platform(push: PushPlan) -> dict[str, str]:
    return {k: v for k, v in push.platform.items() if v}


def index(images: list[PushPlan], annotations: Optional[dict[str, str]] = None) -> Content:
    """The OCI index of ``images``; a platform given twice is an error."""
    seen: dict[str, str] = {}
    for push in images:
        key = "/".join(_platform(push).get(k, "") for k in ("os", "architecture", "variant")).rstrip("/")
        if key in seen:
            raise UserError(f"two images are for {key}: {seen[key]} and {push.repo_tag}; give one image per platform")
        seen[key] = push.repo_tag
    manifests = [{**push.manifest.descriptor(), "platform": _platform(push)} for push in images]
    doc = with_annotations({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests}, annotations or {})
    return Content(canonical_json.dumps(doc), OCI_INDEX)


def write(directory: str, repo_tag: str, images: list[PushPlan], annotations: Optional[dict[str, str]] = None) -> None:
    content = index(images, annotations)
    os.mkdir(directory)
    with open(os.path.join(directory, "index.json"), "wb") as handle:
        handle.write(content.data)
    doc: dict[str, Any] = {"version": VERSION, "repoTag": repo_tag, "images": [p.directory for p in images]}
    if annotations:
        doc["annotations"] = annotations
    with open(os.path.join(directory, FILE), "w", encoding="utf-8") as handle:
        json.dump(doc, handle, sort_keys=True)


def read(directory: str) -> MultiArch:
    path = os.path.join(directory, FILE)
    try:
        with open(path, encoding="utf-8") as handle:
            doc = json.load(handle)
    except (OSError, ValueError) as error:
        raise UserError(f"cannot read the multi-platform image {path}: {error}") from None
    d = fields(versioned(doc, path, VERSION), path, {"version", "repoTag", "images"}, frozenset({"annotations"}))
    images = [read_push_plan(p) for p in strings(d["images"], f"images of {path}")]
    annotations = parse_annotations(d.get("annotations", {}), f"annotations of {path}")
    with open(os.path.join(directory, "index.json"), "rb") as handle:
        data = handle.read()
    if data != index(images, annotations).data:
        raise UserError(f"{directory}/index.json does not match its images: rebuild it")
    return MultiArch(string(d["repoTag"], f"repoTag of {path}"), tuple(images), Content(data, OCI_INDEX))


