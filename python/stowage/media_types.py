"""The one table of media types: Docker Image Manifest V2 Schema 2 and its
manifest list, and the OCI image-spec v1.1 manifest, index, configuration and
layers.
"""

from __future__ import annotations

from typing import Optional

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"
DOCKER_FOREIGN_LAYER_GZIP = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
DOCKER_SCHEMA1 = (
    "application/vnd.docker.distribution.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v1+prettyjws",
)

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd"
OCI_NONDISTRIBUTABLE_TAR = "application/vnd.oci.image.layer.nondistributable.v1.tar"
OCI_NONDISTRIBUTABLE_GZIP = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"

#: Layers whose blob is a gzipped tar, and those whose blob is the tar itself.
GZIP_LAYERS = frozenset({DOCKER_LAYER_GZIP, DOCKER_FOREIGN_LAYER_GZIP, OCI_LAYER_GZIP, OCI_NONDISTRIBUTABLE_GZIP})
PLAIN_LAYERS = frozenset({OCI_LAYER_TAR, OCI_NONDISTRIBUTABLE_TAR})

#: The OCI layer media type of each compression this project writes.
OCI_LAYER = {"none": OCI_LAYER_TAR, "gz": OCI_LAYER_GZIP, "zstd": OCI_LAYER_ZSTD}
#: The OCI media type of a registry's distributable layer blob, by compression
#: (foreign and non-distributable layers have none: they are not pushed as they are).
_DISTRIBUTABLE = {DOCKER_LAYER_GZIP: OCI_LAYER_GZIP, OCI_LAYER_GZIP: OCI_LAYER_GZIP,
                  OCI_LAYER_ZSTD: OCI_LAYER_ZSTD, OCI_LAYER_TAR: OCI_LAYER_TAR}


def oci_layer(media_type: str) -> Optional[str]:
    """The OCI layer media type of the same compression as ``media_type``, or
    None when that blob may not be pushed as it is."""
    return _DISTRIBUTABLE.get(media_type)
