"""The registry record of a pulled archive (``stowage-registry.json``, see
``stowage.contract.registry_record``), checked against the archive before it is
trusted: it must describe an image of the archive (the configuration's digest),
with as many layers and the same diff_ids. Its layers' registry blobs then
become the image's ``model.Layer.blob``, with the repository that holds them.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from stowage import media_types
from stowage.contract import schema
from stowage.contract.registry_record import RegistryRecord
from stowage.digest import is_digest, sha256
from stowage.errors import UserError
from stowage.image.model import Blob, Image
from stowage.reference import is_name

FILE = RegistryRecord.FILE
_FIX = "pull the image again (or set registryRecord = false)"


def parse(data: bytes, label: str) -> RegistryRecord:
    """The record in ``data``, checked on its own."""
    what = f"{label}: {FILE}"
    try:
        doc: Any = json.loads(data)
        record = schema.parse(RegistryRecord, doc)
    except (ValueError, RecursionError) as error:
        raise UserError(f"{what} is not valid JSON ({error}); {_FIX}") from None
    except UserError as error:
        raise UserError(f"{what}: {error}") from None
    if not is_name(f"{record.registry}/{record.repository}"):
        raise UserError(f"{what} names the repository {record.registry}/{record.repository!r}, not an image name; {_FIX}")
    for number, layer in enumerate(record.layers, start=1):
        if not (is_digest(layer.digest) and is_digest(layer.diff_id)) or layer.size < 0:
            raise UserError(f"{what}: layer {number} has digest {layer.digest!r}, diff_id {layer.diff_id!r}, "
                            f"size {layer.size}; {_FIX}")
    return record


def apply(record: RegistryRecord, images: list[Image], label: str) -> list[Image]:
    """``images``, the one the record describes with its layers' registry blobs."""
    what = f"{label}: {FILE}"
    matches = [n for n, image in enumerate(images) if sha256(image.config) == record.config_digest]
    if not matches:
        raise UserError(f"{what} describes the configuration {record.config_digest}, which no image of "
                        f"the archive has; {_FIX}")
    out = list(images)
    for index in matches:
        out[index] = _with_record(record, images[index], what)
    return out


def _with_record(record: RegistryRecord, image: Image, what: str) -> Image:
    if len(record.layers) != len(image.layers):
        raise UserError(f"{what} lists {len(record.layers)} layers, but the image has {len(image.layers)}; {_FIX}")
    repository = f"{record.registry}/{record.repository}"
    layers = []
    for number, (recorded, layer) in enumerate(zip(record.layers, image.layers, strict=True), start=1):
        if recorded.diff_id != layer.diff_id:
            raise UserError(f"{what}: layer {number} has diff_id {recorded.diff_id}, but the configuration "
                            f"says {layer.diff_id}; {_FIX}")
        if media_types.oci_layer(recorded.media_type) is None:
            layers.append(layer)  # not pushed by reference: compressed again like any layer
            continue
        blob = Blob(recorded.media_type, recorded.digest, recorded.size, repository)
        layers.append(replace(layer, blob=blob))
    return replace(image, layers=tuple(layers))
