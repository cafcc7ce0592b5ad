"""Image references as registries see them: ``[host[:port]/]path[:tag|@digest]``.

Docker's rule decides whether the first component is a registry host: it is one
when it holds a ``.`` or a ``:``, or is ``localhost``. Without a host the image is
on Docker Hub, whose one-component names live under ``library/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from stowage.digest import PATTERN
from stowage.errors import UserError
from stowage.reference import is_name, is_tag

DOCKER_HUB = "docker.io"
_DOCKER_HUB_ALIASES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})
_DOCKER_HUB_API = "registry-1.docker.io"
DIGEST = PATTERN


@dataclass(frozen=True)
class Repository:
    """A repository on a registry: ``registry`` as written (``docker.io`` when
    implied) and the repository ``path`` on it."""

    registry: str
    path: str

    @property
    def api_host(self) -> str:
        """The host[:port] that serves the registry API."""
        return _DOCKER_HUB_API if self.is_docker_hub else self.registry

    @property
    def is_docker_hub(self) -> bool:
        return self.registry in _DOCKER_HUB_ALIASES

    def __str__(self) -> str:
        return f"{self.registry}/{self.path}"


def parse_repository(name: str) -> Repository:
    """Return the repository an image name (without tag or digest) points at."""
    if not is_name(name):
        raise UserError(
            f"image name {name!r} is not a Docker image name; "
            "for example hello-world, library/nginx or registry.example.com:5000/team/app"
        )
    first, slash, rest = name.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        registry, path = first, rest
    else:
        registry, path = DOCKER_HUB, name
    if registry in _DOCKER_HUB_ALIASES and "/" not in path:
        path = "library/" + path
    return Repository(registry, path)


def is_registry_host(repo: Repository, host: str) -> bool:
    """Whether ``host`` (``host[:port]``, perhaps as ``https://host/``) names
    ``repo``'s registry; Docker Hub's names all name Docker Hub."""
    host = host.strip().lower().removeprefix("https://").removeprefix("http://").rstrip("/")
    if repo.is_docker_hub:
        return host in _DOCKER_HUB_ALIASES or host == "index.docker.io/v1"
    return host == repo.registry.lower()


@dataclass(frozen=True)
class ImageRef:
    """A name with a tag or a digest (a digest wins when both are given)."""

    name: str
    tag: Optional[str]
    digest: Optional[str]


def parse_image_ref(value: str, tag_or_digest: Optional[str] = None) -> ImageRef:
    """Return the parts of ``NAME[:TAG][@DIGEST]``, or of ``NAME`` plus a separate
    ``TAG`` or ``DIGEST`` (as ``nix-prefetch-docker`` takes them)."""
    name, at, digest = value.partition("@")
    tag: Optional[str] = None
    head, colon, maybe_tag = name.rpartition(":")
    if colon and "/" not in maybe_tag:
        name, tag = head, maybe_tag
    if tag_or_digest is not None:
        if DIGEST.fullmatch(tag_or_digest):
            digest, at = tag_or_digest, "@"
        else:
            tag = tag_or_digest
    if at and not DIGEST.fullmatch(digest):
        raise UserError(f"digest {digest!r} is not sha256:<64 lowercase hex digits>")
    if tag is not None and not is_tag(tag):
        raise UserError(f"tag {tag!r} is not a Docker tag (letters, digits, _ . -; at most 128)")
    parse_repository(name)  # checks the name
    return ImageRef(name, tag, digest if at else None)
