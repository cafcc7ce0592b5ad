"""The docker-archive format ("docker save", Docker Image Spec v1.2): reading a
base image, and the ``manifest.json`` this project writes.

Only ``manifest.json`` is read to find layers (never the legacy parent chain), so
archives from ``docker save``, skopeo, dockerTools and this project all work,
gzipped or not. Layers are found through symlink and hard-link members too
(newer ``docker save`` links ``<id>/layer.tar`` to ``blobs/sha256/<hex>``).
"""

from __future__ import annotations

import json
import os
import posixpath
import subprocess
import tarfile
import tempfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator, Optional

from .errors import UserError
from .plan import Base, BlobLayer

_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


@dataclass(frozen=True)
class BaseImage:
    """What a child image needs of its base."""

    base: Base
    config: dict[str, Any]  # the base's whole image configuration document
    repo_tags: tuple[str, ...]


def label(archive: tarfile.TarFile) -> str:
    return os.fsdecode(archive.name) if archive.name else "the archive"


def _is_zstd(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(4) == _ZSTD_MAGIC
    except OSError as error:
        raise UserError(f"cannot read image archive {path}: {error.strerror}") from None


@contextmanager
def _zstd_decompressed(path: str, zstd: str) -> Iterator[str]:
    """A plain copy of a zstd archive in $TMPDIR (tarfile cannot read zstd)."""
    with tempfile.NamedTemporaryFile(prefix="image-", suffix=".tar") as plain:
        try:
            status = subprocess.run([zstd, "-dcq", path], stdout=plain).returncode
        except OSError as error:
            raise UserError(
                f"{path} is zstd-compressed, and {zstd} cannot run ({error.strerror}); install zstd"
            ) from None
        if status != 0:
            raise UserError(f"{zstd} could not decompress {path} (exit status {status})")
        yield plain.name


@contextmanager
def open_archive(path: str, what: str = "fromImage", zstd: Optional[str] = None) -> Iterator[tarfile.TarFile]:
    """Open a docker-archive (plain, gzip, bzip2 or xz; zstd when ``zstd`` names
    the program to decompress it) for random access. ``what`` names the
    archive's role in error messages."""
    if _is_zstd(path):
        if zstd is None:
            raise UserError(
                f"{what} {path} is zstd-compressed; decompress it first "
                "(zstd -d) or build it with compressor = \"gz\" or \"none\""
            )
        with _zstd_decompressed(path, zstd) as plain, open_archive(plain, what) as archive:
            yield archive
        return
    try:
        archive = tarfile.open(path, "r:*")
    except (OSError, tarfile.TarError) as error:
        raise UserError(f"{what} {path} is not a readable docker-archive: {error}") from None
    with archive:
        try:
            yield archive
        except (EOFError, tarfile.TarError, zlib.error) as error:
            raise UserError(f"{what} {path} is damaged or truncated: {error}") from None


def resolve_member(archive: tarfile.TarFile, name: str) -> tarfile.TarInfo:
    """Return the regular-file member that ``name`` is or links to."""
    for _ in range(16):
        try:
            member = archive.getmember(name)
        except KeyError:
            raise UserError(f"{label(archive)}: the archive has no member {name!r}") from None
        if member.isfile():
            return member
        if member.issym():
            name = posixpath.normpath(posixpath.join(posixpath.dirname(name), member.linkname))
        elif member.islnk():
            name = member.linkname
        else:
            raise UserError(f"{label(archive)}: member {name!r} is not a file")
    raise UserError(f"{label(archive)}: member {name!r} is a chain of too many links")


def read_bytes(archive: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    """Return the whole content of a (small) member, such as a configuration."""
    handle = archive.extractfile(member)
    assert handle is not None
    return handle.read()


def read_json(archive: tarfile.TarFile, name: str) -> Any:
    """Return the parsed JSON member ``name`` (followed through links)."""
    data = read_bytes(archive, resolve_member(archive, name))
    try:
        return json.loads(data)
    except ValueError as error:
        raise UserError(f"{label(archive)}: {name} is not valid JSON: {error}") from None


def _pick(manifest: Any, path: str, repo_tag: Optional[str]) -> dict[str, Any]:
    if not isinstance(manifest, list) or not manifest:
        raise UserError(f"fromImage {path}: manifest.json lists no image")
    for image in manifest:
        if not isinstance(image, dict) or not isinstance(image.get("Config"), str):
            raise UserError(
                f"fromImage {path}: manifest.json has an image without a \"Config\" name; "
                f"got {image!r}. Pass an archive made by docker save, skopeo or dockerTools"
            )
    if repo_tag is None:
        entry: dict[str, Any] = manifest[0]
        return entry
    for entry in manifest:
        if repo_tag in (entry.get("RepoTags") or []):
            return entry
    present = sorted(t for e in manifest for t in (e.get("RepoTags") or []))
    raise UserError(f"fromImage {path} has no image tagged {repo_tag}; it has {present}")


def read_base(path: str, repo_tag: Optional[str] = None, zstd: Optional[str] = None) -> BaseImage:
    """Return the layers, history and configuration of the image in ``path``."""
    with open_archive(path, "fromImage", zstd) as archive:
        entry = _pick(read_json(archive, "manifest.json"), path, repo_tag)
        config = read_json(archive, entry["Config"])
        if not isinstance(config, dict):
            raise UserError(f"fromImage {path}: {entry['Config']} is not a JSON object")
        names = list(entry.get("Layers") or [])
        diff_ids = list((config.get("rootfs") or {}).get("diff_ids") or [])
        if len(names) != len(diff_ids):
            raise UserError(
                f"fromImage {path}: manifest.json lists {len(names)} layers "
                f"but the configuration has {len(diff_ids)} diff_ids"
            )
        layers = tuple(
            BlobLayer(
                resolve_member(archive, name).name,
                diff_id if diff_id.startswith("sha256:") else "sha256:" + diff_id,
                resolve_member(archive, name).size,
            )
            for name, diff_id in zip(names, diff_ids)
        )
    history = tuple(config.get("history") or [])
    return BaseImage(Base(path, layers, history), config, tuple(entry.get("RepoTags") or []))


def manifest(config_name: str, repo_tags: list[str], layer_names: list[str]) -> list[dict[str, Any]]:
    """Return the ``manifest.json`` document of a one-image archive."""
    return [{"Config": config_name, "RepoTags": repo_tags, "Layers": layer_names}]
