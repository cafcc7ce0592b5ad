"""The registry record of a pulled archive (stowage-registry.json): read, checked
against the archive (configuration digest, layer count, diff_ids), and turned
into the layers' registry blobs; a record that disagrees is one error line
naming the archive and the member."""

from __future__ import annotations

import hashlib
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest

from stowage import canonical_json, media_types
from stowage.archive import docker_archive
from stowage.contract import schema
from stowage.contract.registry_record import RecordedLayer, RegistryRecord
from stowage.errors import UserError
from stowage.image.model import Blob

from test_docker_archive import CONFIG, HEXES, add_file, classic, write

CONFIG_DIGEST = "sha256:" + hashlib.sha256(json.dumps(CONFIG).encode()).hexdigest()
BLOBS = ["sha256:" + hashlib.sha256(b"blob %d" % n).hexdigest() for n in range(2)]


def record(**changes: Any) -> RegistryRecord:
    layers = tuple(RecordedLayer(media_types.DOCKER_LAYER_GZIP, BLOBS[n], 100 + n, "sha256:" + HEXES[n]) for n in range(2))
    fields: dict[str, Any] = dict(registry="127.0.0.1:5000", repository="team/base", image_digest=BLOBS[0],
                                  manifest_digest=BLOBS[1], config_digest=CONFIG_DIGEST, layers=layers)
    return RegistryRecord(**{**fields, **changes})


def pulled(tmp_path: Path, data: bytes) -> str:
    def fill(tar: tarfile.TarFile) -> None:
        classic(tar)
        add_file(tar, RegistryRecord.FILE, data)

    return write(tmp_path / "pulled.tar", fill)


def encoded(value: RegistryRecord) -> bytes:
    return canonical_json.dumps(schema.encode(value))


def test_the_record_gives_each_layer_its_registry_blob(tmp_path: Path) -> None:
    path = pulled(tmp_path, encoded(record()))
    with docker_archive.open_archive(path) as archive:
        image = archive.images()[0]
    assert [layer.blob for layer in image.layers] == [
        Blob(media_types.DOCKER_LAYER_GZIP, BLOBS[n], 100 + n, "127.0.0.1:5000/team/base") for n in range(2)
    ]


def test_an_archive_without_a_record_has_no_blobs(tmp_path: Path) -> None:
    with docker_archive.open_archive(write(tmp_path / "plain.tar", classic)) as archive:
        assert [layer.blob for layer in archive.images()[0].layers] == [None, None]


def test_a_foreign_layer_is_not_pushed_by_reference(tmp_path: Path) -> None:
    first = RecordedLayer(media_types.DOCKER_FOREIGN_LAYER_GZIP, BLOBS[0], 1, "sha256:" + HEXES[0])
    path = pulled(tmp_path, encoded(record(layers=(first, record().layers[1]))))
    with docker_archive.open_archive(path) as archive:
        blobs = [layer.blob for layer in archive.images()[0].layers]
    assert blobs[0] is None and blobs[1] is not None


def _tampered(layers: tuple[RecordedLayer, ...]) -> tuple[RecordedLayer, ...]:
    return (layers[0], RecordedLayer(layers[1].media_type, layers[1].digest, layers[1].size, "sha256:" + "0" * 64))


@pytest.mark.parametrize("tamper, message", [
    (lambda r: encoded(record(layers=_tampered(r.layers))), "layer 2 has diff_id sha256:0000"),
    (lambda r: encoded(record(layers=r.layers[:1])), "lists 1 layers, but the image has 2"),
    (lambda r: encoded(record(config_digest=BLOBS[0])), f"describes the configuration {BLOBS[0]}"),
    (lambda r: encoded(record(repository="Team/Base")), "not an image name"),
    (lambda r: encoded(record(layers=(RecordedLayer("x", "sha256:12", 1, "sha256:" + HEXES[0]), r.layers[1]))),
     "layer 1 has digest 'sha256:12'"),
    (lambda r: b"{not json", "is not valid JSON"),
    (lambda r: encoded(r).replace(b'"version":1', b'"version":7'), "has version 7"),
    (lambda r: encoded(r).replace(b'"registry"', b'"host"'), "stowage-registry.json"),
])
def test_a_record_that_disagrees_is_one_line(tmp_path: Path, tamper: Any, message: str) -> None:
    path = pulled(tmp_path, tamper(record()))
    with pytest.raises(UserError) as raised, docker_archive.open_archive(path) as archive:
        archive.images()
    text = str(raised.value)
    assert text.startswith(f"fromImage {path}: stowage-registry.json") and message in text
    assert "\n" not in text
