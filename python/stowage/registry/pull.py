"""Pulling one image by digest into a docker-archive whose bytes depend only on
the digest, the platform and the name and tag it is given.

Members, in order: ``layers/NNN.tar`` (uncompressed, in manifest order; a layer
listed twice is stored once), ``<config digest hex>.json`` (the configuration's
bytes as the registry has them, so the image id stays the config digest),
``stowage-registry.json`` (the registry record, ``stowage.contract.registry_record``:
where the image came from and each layer's registry blob; left out when the
request says so) and ``manifest.json`` (canonical JSON). Every blob is verified
against its digest, every layer against the configuration's ``diff_id``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, BinaryIO, Callable, Mapping

from stowage import canonical_json
from stowage.contract import schema
from stowage.contract.registry_record import RecordedLayer, RegistryRecord
from stowage.digest import sha256 as digest_of
from stowage.formats import docker_archive as docker_archive_format
from stowage.image import model
from stowage.errors import UserError
from stowage.tar.seekable import Member, SeekableTar
from stowage.registry import manifests
from stowage.registry.client import RegistryClient
from stowage.registry.layers import BlobCheck, LayerReceiver
from stowage.registry.manifests import Descriptor, Manifest, Platform
from stowage.registry.names import parse_repository
from stowage.registry.transport import Response, TransientError
from stowage.registry.untrusted import parse_json, shown

Progress = Callable[[str], None]
_CHUNK = 1 << 20
#: Image configurations are small; this bounds what is held in memory.
MAX_CONFIG = 64 << 20


@dataclass(frozen=True)
class PullRequest:
    image_name: str
    image_digest: str
    platform: Platform
    repo_tag: str  # name:tag written into manifest.json
    tls_verify: bool
    registry_record: bool = True  # write stowage-registry.json

    def __str__(self) -> str:
        return f"{self.image_name}@{self.image_digest}"


def _verified_manifest(client: RegistryClient, digest: str, what: str) -> tuple[bytes, str]:
    data, content_type = client.manifest(digest, manifests.ACCEPT)
    got = digest_of(data)
    if got != digest:
        raise UserError(f"{what}: the registry sent a manifest with digest {got}")
    return data, content_type


def resolve_manifest(client: RegistryClient, digest: str, platform: Platform) -> tuple[str, Manifest]:
    """The digest and image manifest of ``digest``, through an index when it is one."""
    data, content_type = _verified_manifest(client, digest, f"manifest {digest}")
    if manifests.kind(data, content_type, f"manifest {digest}") == "index":
        entry = manifests.choose(manifests.parse_index(data, f"index {digest}"), platform, f"index {digest}")
        data, content_type = _verified_manifest(client, entry.digest, f"manifest {entry.digest}")
        if manifests.kind(data, content_type, f"manifest {entry.digest}") != "manifest":
            raise UserError(f"index {digest}: entry {entry.digest} for {platform} is not an image manifest")
        digest = entry.digest
    return digest, manifests.parse_manifest(data, f"manifest {digest}")


def _read_config(client: RegistryClient, descriptor: Descriptor) -> bytes:
    what = f"config {descriptor.digest}"
    if descriptor.size > MAX_CONFIG:
        raise UserError(f"{what} is {descriptor.size} bytes; at most {MAX_CONFIG} are accepted")

    def attempt() -> bytes:
        check = BlobCheck(descriptor, what)
        with client.blob(descriptor.digest, descriptor.size) as response:
            data = response.read(descriptor.size + 1)
        if len(data) < descriptor.size:
            raise TransientError(f"the connection closed after {len(data)} of {descriptor.size} bytes")
        check.update(data)
        check.finish()
        return data

    return client.transport.retrying(what, attempt)


def _diff_ids(config: bytes, layers: int, what: str) -> list[Any]:
    document = parse_json(config, what)
    rootfs = document.get("rootfs") if isinstance(document, dict) else None
    if not isinstance(document, dict) or not isinstance(rootfs or {}, dict):
        raise UserError(f"{what} is not a JSON object with a rootfs object")
    ids = (rootfs or {}).get("diff_ids")
    if ids is None:
        return [None] * layers
    if not isinstance(ids, list) or len(ids) != layers:
        got = len(ids) if isinstance(ids, list) else shown(repr(ids), 60)
        raise UserError(f"{what} lists {got} diff_ids for {layers} layers")
    return ids


def _fetch_layer(client: RegistryClient, descriptor: Descriptor, diff_id: Any, member: Member, *, what: str) -> int:
    """Download, verify and decompress one layer into ``member``; return its tar size."""

    def attempt() -> int:
        member.rewind()
        receiver = LayerReceiver(descriptor, diff_id, member.write, what)
        received = 0
        response: Response
        with client.blob(descriptor.digest, descriptor.size) as response:
            while chunk := response.read(_CHUNK):
                received += len(chunk)
                receiver.feed(chunk)
        if received < descriptor.size:
            raise TransientError(f"the connection closed after {received} of {descriptor.size} bytes")
        receiver.finish()
        return receiver.size

    return client.transport.retrying(what, attempt)


def pull(request: PullRequest, handle: BinaryIO, env: Mapping[str, str], progress: Progress) -> None:
    """Write the docker-archive of ``request`` to ``handle`` (a new, seekable file)."""
    try:
        _pull(request, handle, env, progress)
    except UserError as error:
        raise UserError(f"cannot pull {request}: {error}") from None


def _pull(request: PullRequest, handle: BinaryIO, env: Mapping[str, str], progress: Progress) -> None:
    client = RegistryClient(parse_repository(request.image_name), tls_verify=request.tls_verify, env=env)
    if client.note:
        progress(f"note: {client.note}")
    manifest_digest, manifest = resolve_manifest(client, request.image_digest, request.platform)
    config = _read_config(client, manifest.config)
    diff_ids = _diff_ids(config, len(manifest.layers), f"config {manifest.config.digest}")
    archive = SeekableTar(handle)
    names: list[str] = []
    stored: dict[str, tuple[str, int]] = {}  # blob digest: member name, tar size
    layers: list[model.Layer] = []
    for number, (layer, diff_id) in enumerate(zip(manifest.layers, diff_ids, strict=True), start=1):
        if layer.digest not in stored:
            member = archive.open_member(f"layers/{len(stored) + 1:03d}.tar")
            what = f"layer {number} (blob {layer.digest})"
            size = _fetch_layer(client, layer, diff_id, member, what=what)
            member.close()
            stored[layer.digest] = member.name, size
            progress(f"layer {number}/{len(manifest.layers)}: {layer.size / 1e6:.1f} MB, {size / 1e6:.1f} MB as tar")
        name, size = stored[layer.digest]
        names.append(name)
        blob = model.Blob(layer.media_type, layer.digest, layer.size, str(client.repo))
        layers.append(model.Layer(model.RegistryBlob(request.image_name, layer.digest), diff_id, size, blob))
    image = model.Image(tuple(layers), (request.repo_tag,), config)
    trailer = docker_archive_format.trailer(image, names)
    if request.registry_record and image.diff_ids is not None:  # a config without diff_ids: no record
        record = _record(client, request.image_digest, manifest_digest, manifest, image)
        trailer.insert(-1, (RegistryRecord.FILE, record))
    for name, data in trailer:
        archive.add(name, data)
    archive.finish()


def _record(client: RegistryClient, image_digest: str, manifest_digest: str, manifest: Manifest,
            image: model.Image) -> bytes:
    """The registry record of the pulled image, in canonical JSON."""
    layers = tuple(RecordedLayer(d.media_type, d.digest, d.size, str(layer.diff_id))
                   for d, layer in zip(manifest.layers, image.layers, strict=True))
    record = RegistryRecord(
        registry=client.repo.registry, repository=client.repo.path, image_digest=image_digest,
        manifest_digest=manifest_digest, config_digest=manifest.config.digest, layers=layers,
    )
    return canonical_json.dumps(schema.encode(record))


def pull_to_file(request: PullRequest, path: str, env: Mapping[str, str], progress: Progress) -> None:
    """Write the docker-archive of ``request`` to the new file ``path`` (mode 0444).
    The fixed-output builder and ``prefetch-image`` both come through here. On any
    failure the partial file is removed: Nix leaves a failed output in the store
    directory (invalid, but there) otherwise."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o444)
    try:
        with os.fdopen(fd, "w+b") as handle:
            pull(request, handle, env, progress)
    except BaseException:
        os.unlink(path)
        raise
