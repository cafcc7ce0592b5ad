"""The requests of the other build steps: launchers, file trees, archives made
from archives, OCI layouts, pulls, push plans and nix-shell images' files.

Parsed by ``stowage.contract.schema`` (strict, versioned; JSON keys are the
fields' names in camelCase); each carries ``builder``, the public builder (or
package, such as ``fakeNss``) the step serves.

``compressors`` (merge, export, OCI layout): the programs of nix/compressors.nix
by row name, to read archives compressed so (``stowage.output.compression``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Optional, Union

from stowage.contract.push_documents import Compression


@dataclass(frozen=True)
class LauncherRequest:
    """``write-launcher``: a script that runs one entry point with fixed arguments."""

    DOCUMENT: ClassVar[str] = "the launcher request (write-launcher)"
    VERSION: ClassVar[int] = 2

    builder: str
    python: str
    source: str  # the python/ tree
    module: str  # such as "stowage.cli.stream"
    args: tuple[str, ...]
    bin: Optional[str] = None  # set: $out is a package, the launcher $out/bin/<bin>


@dataclass(frozen=True)
class TextEntry:
    path: str
    text: str


@dataclass(frozen=True)
class CopyEntry:
    path: str
    copy: str  # a host file (host mode)


@dataclass(frozen=True)
class SymlinkEntry:
    path: str
    symlink: str


@dataclass(frozen=True)
class DirectoryEntry:
    path: str
    directory: bool


TreeEntry = Union[TextEntry, CopyEntry, SymlinkEntry, DirectoryEntry]


@dataclass(frozen=True)
class TreeRequest:
    """``write-tree``: a small file tree (fakeNss, binSh, usrBinEnv, caCertificates)."""

    DOCUMENT: ClassVar[str] = "the file tree request (write-tree)"
    VERSION: ClassVar[int] = 2

    builder: str
    entries: tuple[TreeEntry, ...]


@dataclass(frozen=True)
class MergeRequest:
    """``merge-images``: docker-archives merged into one."""

    DOCUMENT: ClassVar[str] = "the merge request (merge-images)"
    VERSION: ClassVar[int] = 3

    builder: str
    images: tuple[str, ...]
    compressors: dict[str, str]


@dataclass(frozen=True)
class ExportRequest:
    """``export-image``: an image's root file system as one tar."""

    DOCUMENT: ClassVar[str] = "the export request (export-image)"
    VERSION: ClassVar[int] = 3

    builder: str
    from_image: str
    from_image_tag: Optional[str]
    compressors: dict[str, str]


@dataclass(frozen=True)
class LayoutAttachment:
    """A document stored with the image (see ``stowage.formats.oci_referrers``)."""

    media_type: str
    file: str


@dataclass(frozen=True)
class OciLayoutRequest:
    """``oci-layout``: an OCI image layout of a docker-archive."""

    DOCUMENT: ClassVar[str] = "the OCI layout request (oci-layout)"
    VERSION: ClassVar[int] = 3

    builder: str
    image: str
    compressors: dict[str, str]
    annotations: dict[str, str] = field(default_factory=dict)  # of each image manifest
    attachments: tuple[LayoutAttachment, ...] = ()


@dataclass(frozen=True)
class OciArchiveRequest:
    """``oci-archive``: an OCI layout as one tar."""

    DOCUMENT: ClassVar[str] = "the OCI archive request (oci-archive)"
    VERSION: ClassVar[int] = 2

    builder: str
    layout: str


@dataclass(frozen=True)
class MultiArchRequest:
    """``multi-arch-image``: an OCI index over images' push plans."""

    DOCUMENT: ClassVar[str] = "the multi-platform image request (multi-arch-image)"
    VERSION: ClassVar[int] = 2

    builder: str
    repo_tag: str
    images: tuple[str, ...]  # push plan directories
    annotations: dict[str, str] = field(default_factory=dict)  # of the index


@dataclass(frozen=True)
class PullImageRequest:
    """``pull-image``: one platform's image from a registry, by digest."""

    DOCUMENT: ClassVar[str] = "the pull request (pull-image)"
    VERSION: ClassVar[int] = 4

    builder: str
    image_name: str
    image_digest: str
    os: str
    architecture: str
    variant: Optional[str]
    repo_tag: str
    tls_verify: bool
    ca_file: Optional[str]  # the only CA bundle trusted, when set
    registry_record: bool  # write stowage-registry.json (contract.registry_record)


@dataclass(frozen=True)
class CompressRequest:
    """``compress-layer``: the compressed blobs' digests (and the blobs, when
    ``compression.keep``); exactly one source is set."""

    DOCUMENT: ClassVar[str] = "the compressed-layer request (compress-layer)"
    VERSION: ClassVar[int] = 3

    builder: str
    compression: Compression  # the image's pushCompression
    store_dir: str
    store: Optional[str]  # a store-layer record directory
    tar: Optional[str]  # a root layer's directory
    archive: Optional[str]  # a base image's docker-archive


@dataclass(frozen=True)
class PushPlanRequest:
    """``push-plan``: everything a push sends, settled at build time."""

    DOCUMENT: ClassVar[str] = "the push plan request (push-plan)"
    VERSION: ClassVar[int] = 3

    builder: str
    plan: str  # path of plan.json
    compression: Compression  # the image's pushCompression
    base_blobs: Optional[str]  # compress-layer output of the base archive
    store_blobs: tuple[str, ...]
    customisation_blob: str
    annotations: dict[str, str] = field(default_factory=dict)  # of the manifest


@dataclass(frozen=True)
class NixShellRequest:
    """``nix-shell-env``: a nix-shell image's rcfile, ``bin/buildDerivation`` and
    passAsFile files (streamNixShellImage, buildNixShellImage)."""

    DOCUMENT: ClassVar[str] = "the nix-shell request (nix-shell-env)"
    VERSION: ClassVar[int] = 2

    builder: str
    shell: str
    drv_builder: str  # the derivation's own builder
    args: tuple[str, ...]  # its args
    command: Optional[str]
    run: Optional[str]
    pass_as_file: dict[str, str]  # attribute name: its text
