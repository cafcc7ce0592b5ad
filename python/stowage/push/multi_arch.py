"""A multi-platform image: an OCI image index (image-spec v1.1) over the pushed
manifests of per-platform images, and the list of their push plans, in a
directory: ``index.json`` (the index's bytes, pushed as the image's tag) and
``images.json`` (``stowage.contract.push_documents.MultiArchDocument``; its
``annotations`` are the index's).

Each entry's ``platform`` (os, architecture, variant) is the image's own, from
its configuration; two images for one platform are refused.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Optional

from stowage import canonical_json
from stowage.errors import UserError
from stowage.contract import schema
from stowage.contract.push_documents import MultiArchDocument
from stowage.push.plan import OCI_INDEX, Content, PushPlan
from stowage.push.plan import read as read_push_plan
from stowage.supply.annotations import with_annotations

FILE = MultiArchDocument.FILE


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
    doc = schema.encode(MultiArchDocument(repo_tag, tuple(p.directory for p in images), dict(annotations or {})))
    if not annotations:
        del doc["annotations"]  # as before annotations: the same bytes for the same images
    with open(os.path.join(directory, FILE), "w", encoding="utf-8") as handle:
        json.dump(doc, handle, sort_keys=True)


def read(directory: str) -> MultiArch:
    d = schema.load(MultiArchDocument, os.path.join(directory, FILE))
    images = [read_push_plan(p) for p in d.images]
    annotations = d.annotations
    with open(os.path.join(directory, "index.json"), "rb") as handle:
        data = handle.read()
    if data != index(images, annotations).data:
        raise UserError(f"{directory}/index.json does not match its images: rebuild it")
    return MultiArch(d.repo_tag, tuple(images), Content(data, OCI_INDEX))
