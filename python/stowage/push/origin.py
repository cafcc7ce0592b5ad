"""Pulled base layers pushed by reference: a layer whose blob the push plan
takes from a registry (``RegistryOrigin``, recorded by pullImage) is never made
again from its tar. The destination is asked for it first (HEAD); when it lacks
it, it is mounted from the origin repository if that is on the same registry,
else copied from the origin registry: streamed from the GET into the upload,
its size and digest checked as it passes (a mismatch fails the upload, so the
registry never keeps wrong bytes).
"""

from __future__ import annotations

from typing import Mapping

from stowage.contract.push_documents import Blob
from stowage.errors import UserError
from stowage.layers.blob import Forward
from stowage.registry.client import RegistryClient
from stowage.registry.layers import BlobCheck
from stowage.registry.manifests import Descriptor
from stowage.registry.names import Repository, parse_repository
from stowage.registry.upload import Produce

#: Bytes read from the origin at a time.
_CHUNK = 1 << 20


def of(target: RegistryClient, repository: str, env: Mapping[str, str]) -> RegistryClient:
    """A pull client of the origin ``repository`` (``host/path``), with the
    destination's TLS setting."""
    return RegistryClient(parse_repository(repository), tls_verify=target.tls_verify, env=env)


def mount_sources(target: RegistryClient, origin: RegistryClient) -> tuple[str, ...]:
    """The origin repository's path, when a mount into ``target`` can reach it."""
    same = origin.repo.registry == target.repo.registry and origin.repo.path != target.repo.path
    return (origin.repo.path,) if same else ()


def copier(origin: RegistryClient, blob: Blob, *, what: str, target: Repository) -> Produce:
    """Writes the origin's blob, checked against its digest and size."""
    descriptor = Descriptor(blob.origin.media_type if blob.origin else "", blob.digest, blob.size)

    def produce(forward: Forward) -> None:
        check = BlobCheck(descriptor, "its blob")
        try:
            with origin.blob(blob.digest, blob.size) as response:
                while chunk := response.read(_CHUNK):
                    check.update(chunk)
                    forward(chunk)
            check.finish()
        except UserError as error:
            raise UserError(
                f"{what}: {target} lacks this base layer and it cannot be copied from its origin "
                f"{origin.repo}: {error}. Make the origin reachable (or push the base image to {target.registry} "
                "first), or build the base with pullImage's registryRecord = false to push its layers from the archive"
            ) from None

    return produce
