"""The requests of the steps that plan and write an image (the structured
attribute ``stowage`` of each step's derivation, made by nix/builders/*.nix).

Each is parsed by ``stowage.contract.schema`` (strict, versioned; JSON keys are
the fields' names in camelCase) and carries ``builder``, the public builder the
step serves, which names the step's errors. The references graph that some
steps also get is ``stowage.contract.graph``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Optional, Union

from stowage.contract.plan import Owner
from stowage.output.compression import Compression


@dataclass(frozen=True)
class ImageRequest:
    """``mk-config``: plan the image (group the closure into layers)."""

    DOCUMENT: ClassVar[str] = "the image plan request (mk-config)"
    VERSION: ClassVar[int] = 3

    builder: str
    image_name: str
    tag: Optional[str]  # None: the hash part of the step's output path
    created: str
    mtime: str
    architecture: str
    variant: Optional[str]
    owner: Owner
    max_layers: int
    from_image: Optional[str]
    from_image_tag: Optional[str]  # "name:tag" in fromImage
    customisation_layer: str  # a root layer's output directory
    config_file: str  # write-config's output
    include_store_paths: bool
    store_dir: str
    explicit_layers: tuple[str, ...]  # store-layer record directories, bottom first
    layer_records: Optional[tuple[str, ...]]  # the recorded groups of an earlier plan
    layering_pipeline: Any = None  # nixpkgs' pipeline; absent when not set
    debug: bool = False  # print the layer plan to the build log


@dataclass(frozen=True)
class BuildRequest:
    """``build-layered-image``: write the planned image, compressed, into $out."""

    DOCUMENT: ClassVar[str] = "the image archive request (build-layered-image)"
    VERSION: ClassVar[int] = 3

    builder: str
    plan: str  # path of plan.json
    compressor: Compression  # one row of nix/compressors.nix


@dataclass(frozen=True)
class ConfigRequest:
    """``write-config``: the image's config as a store file."""

    DOCUMENT: ClassVar[str] = "the config request (write-config)"
    VERSION: ClassVar[int] = 2

    builder: str
    config: dict[str, Any]


@dataclass(frozen=True)
class StoreLayerRequest:
    """``store-path-to-layer``: one store layer's record (digest and size)."""

    DOCUMENT: ClassVar[str] = "the store layer request (store-path-to-layer)"
    VERSION: ClassVar[int] = 2

    builder: str
    paths: Optional[tuple[str, ...]]  # None: the closure graph minus the lower layers
    store_dir: str
    mtime: str
    owner: Owner
    lower: tuple[str, ...]  # record directories of the layers below


@dataclass(frozen=True)
class RootOwner:
    uid: int
    gid: int


@dataclass(frozen=True)
class PermRule:
    """One ``perms`` rule (see ``stowage.root.perms``)."""

    path: str
    uid: Optional[int] = None
    gid: Optional[int] = None
    mode: Optional[str] = None  # octal, such as "0750"
    recursive: bool = False


@dataclass(frozen=True)
class StoreShell:
    """Scripts in the image root run a store shell with this PATH (nixpkgs mode)."""

    shell: str
    path: str


@dataclass(frozen=True)
class BusyboxShell:
    """Scripts in the image root run a static busybox put there (host mode)."""

    busybox: str


@dataclass(frozen=True)
class RootLayerRequest:
    """``root-layer``: the image root written as a layer (see cli/root_layer.py)."""

    DOCUMENT: ClassVar[str] = "the root layer request (root-layer)"
    VERSION: ClassVar[int] = 3

    builder: str
    contents: tuple[str, ...]
    merge: Literal["link", "copy"]
    keep_dirlinks: bool
    extra_commands: str
    shell: str
    path: str  # PATH for the commands
    mtime: str  # RFC 3339, or "now" (then 1970-01-01T00:00:01Z: the layer is built once)
    owner: RootOwner
    store_closure: bool
    from_image: Optional[str]
    from_image_tag: Optional[str]
    store_dir: str
    fake_root_commands: str
    fakeroot: Optional[str]
    perms: tuple[PermRule, ...]
    nix_db: bool
    nix_store: Optional[str]
    nix_db_exclude: tuple[str, ...]
    python: str
    run_as_root: Optional[str]
    chroot: bool
    root_shell: Optional[Union[StoreShell, BusyboxShell]]

    @property
    def in_session(self) -> bool:
        """Whether the scripts need the image root as ``/`` (one session)."""
        return self.run_as_root is not None or (self.chroot and bool(self.fake_root_commands.strip()))


@dataclass(frozen=True)
class SbomRequest:
    """``sbom``: an image's SBOM (``spdx``, ``cyclonedx``) or its provenance, whose
    subject is the manifest of ``push_plan`` (see ``stowage.supply``)."""

    DOCUMENT: ClassVar[str] = "the SBOM request (sbom)"
    VERSION: ClassVar[int] = 2

    builder: str
    format: Literal["spdx", "cyclonedx", "provenance"]
    plan: str  # path of plan.json
    push_plan: Optional[str] = None  # provenance: the image's push plan directory
    derivation: Optional[str] = None  # provenance: the image's .drv path
    annotations: dict[str, str] = field(default_factory=dict)  # provenance: the manifest's
