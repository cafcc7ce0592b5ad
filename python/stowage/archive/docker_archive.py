"""The docker-archive format ("docker save", Docker Image Spec v1.2): the one
validated reader of such archives, and the ``manifest.json`` this project writes.

Only ``manifest.json`` is read to find layers (never the legacy parent chain), so
archives from ``docker save``, skopeo, dockerTools and this project all work,
gzipped or not. Layers are found through symlink and hard-link members too
(newer ``docker save`` links ``<id>/layer.tar`` to ``blobs/sha256/<hex>``).

An archive is input from anywhere, so everything read from it is checked before
it is used: member names are normalised (``./manifest.json`` is
``manifest.json``) and never leave the archive (no absolute or ``..`` names, no
link target outside it); every JSON document is read only up to
``JSON_LIMIT`` bytes and type-checked; every digest must be
``sha256:<64 hex digits>`` before it names anything. Every reader (base images,
mergeImages, exportImage, OCI layouts, compressed-layer records) goes through
``Archive.images``; ``base_layer`` checks the layers' bytes against their digests.
A pulled archive's registry record (``archive.registry_record``) gives its
layers' registry blobs, once checked against the archive.
"""

from __future__ import annotations

import gzip
import json
import posixpath
import tarfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any, Iterator, Literal, Optional

from stowage.archive import registry_record
from stowage.digest import PREFIX, is_digest
from stowage.errors import UserError
from stowage.output.compression import Programs, decompressed
from stowage.contract.plan import Base, BlobLayer
from stowage.image.model import ArchiveMember, Image, Layer

_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
#: The largest manifest.json or configuration read from an archive. Real ones
#: are a few KiB (a 125-layer config with history is under 100 KiB); the cap
#: keeps a hostile archive from costing gigabytes of memory.
JSON_LIMIT = 16 << 20
_LINK_HOPS = 16


@dataclass(frozen=True)
class BaseImage:
    """What a child image needs of its base."""

    base: Base
    config: dict[str, Any]  # the base's whole image configuration document
    repo_tags: tuple[str, ...]


def clean_name(name: str) -> Optional[str]:
    """``name`` normalised (no ``./``, no ``a//b``), or None when it is absolute or
    climbs out with ``..``."""
    if name.startswith("/"):
        return None
    path = posixpath.normpath(name)
    if path == ".." or path.startswith("../"):
        return None
    return "" if path == "." else path


class Archive:
    """An open docker-archive: members by normalised name, checked documents."""

    def __init__(self, tar: tarfile.TarFile, label: str, path: str) -> None:
        self.tar = tar
        self.label = label
        self.path = path  # what the images' layers name as their archive
        self._members: dict[str, tarfile.TarInfo] = {}
        for member in tar.getmembers():  # the last of equal names wins, as in tar
            name = clean_name(member.name)
            if name:
                self._members[name] = member

    def member(self, name: str) -> tarfile.TarInfo:
        """Return the regular-file member that ``name`` is or links to."""
        path = clean_name(name)
        if not path:
            raise UserError(f"{self.label}: the member name {name!r} points outside the archive")
        for _ in range(_LINK_HOPS):
            member = self._members.get(path)
            if member is None:
                raise UserError(f"{self.label}: the archive has no member {name!r}")
            if member.isfile():
                return member
            if member.issym():
                target = clean_name(posixpath.join(posixpath.dirname(path), member.linkname))
            elif member.islnk():
                target = clean_name(member.linkname)
            else:
                raise UserError(f"{self.label}: member {name!r} is not a file")
            if not target:
                raise UserError(
                    f"{self.label}: member {path!r} links to {member.linkname!r}, outside the archive"
                )
            path = target
        raise UserError(f"{self.label}: member {name!r} is a chain of too many links")

    def open(self, member: tarfile.TarInfo) -> IO[bytes]:
        handle = self.tar.extractfile(member)
        if handle is None:
            raise UserError(f"{self.label}: member {member.name!r} cannot be read")
        return handle

    def read(self, name: str, limit: int = JSON_LIMIT) -> tuple[str, bytes]:
        """The resolved member name and whole content of a small member."""
        member = self.member(name)
        if member.size > limit:
            raise UserError(
                f"{self.label}: {name} is {member.size} bytes, more than the {limit >> 20} MiB "
                "a manifest or configuration may have; the archive is damaged or hostile"
            )
        data = self.open(member).read(limit + 1)
        if len(data) != member.size:
            raise UserError(f"{self.label}: member {name!r} is truncated")
        return clean_name(member.name) or member.name, data

    def json(self, name: str) -> Any:
        """The parsed JSON member ``name`` (size-capped, followed through links)."""
        return parse_json(self.read(name)[1], f"{self.label}: {name}")

    def images(self) -> list[Image]:
        """Every image that ``manifest.json`` lists, each checked: its layers are
        members of this archive (``ArchiveMember`` of ``path``)."""
        manifest = self.json("manifest.json")
        if not isinstance(manifest, list) or not manifest:
            raise UserError(f"{self.label}: manifest.json lists no image")
        images = [self._image(entry) for entry in manifest]
        if registry_record.FILE not in self._members:
            return images
        record = registry_record.parse(self.read(registry_record.FILE)[1], self.label)
        return registry_record.apply(record, images, self.label)

    def _image(self, entry: Any) -> Image:
        if not isinstance(entry, dict) or not isinstance(entry.get("Config"), str):
            raise UserError(
                f"{self.label}: manifest.json has an image without a \"Config\" name; got "
                f"{_short(entry)}. Pass an archive made by docker save, skopeo or dockerTools"
            )
        names = _strings(entry.get("Layers"), f"{self.label}: \"Layers\" of manifest.json")
        tags = _strings(entry.get("RepoTags"), f"{self.label}: \"RepoTags\" of manifest.json")
        data = self.read(entry["Config"])[1]
        config = parse_json(data, f"{self.label}: {entry['Config']}")
        diff_ids = _check_config(config, f"{self.label}: {entry['Config']}")[0]
        if len(names) != len(diff_ids):
            raise UserError(
                f"{self.label}: manifest.json lists {len(names)} layers "
                f"but the configuration has {len(diff_ids)} diff_ids"
            )
        layers = []
        for name, diff_id in zip(names, diff_ids, strict=True):
            member = self.member(name)
            origin = ArchiveMember(self.path, clean_name(member.name) or member.name)
            layers.append(Layer(origin, diff_id, member.size))
        return Image(tuple(layers), tags, data)

    def pick(self, repo_tag: Optional[str]) -> Image:
        """The image tagged ``repo_tag``, or the first one."""
        images = self.images()
        if repo_tag is None:
            return images[0]
        for image in images:
            if repo_tag in image.repo_tags:
                return image
        present = sorted(t for image in images for t in image.repo_tags)
        raise UserError(f"{self.label} has no image tagged {repo_tag}; it has {present}")


def config_of(image: Image) -> dict[str, Any]:
    """The parsed configuration of an image this reader returned (checked when read)."""
    config: dict[str, Any] = json.loads(image.config)
    return config


def parse_json(data: bytes, what: str) -> Any:
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        raise UserError(f"{what} is not valid JSON: {error}") from None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:200] + "..."


def _strings(value: Any, what: str) -> tuple[str, ...]:
    """A list of strings (null or absent: none)."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise UserError(f"{what} must be a list of strings; got {_short(value)}")
    return tuple(value)


def _diff_id(value: Any, what: str) -> str:
    """A checked ``sha256:<hex>`` digest; a bare hex digest gets its ``sha256:``."""
    if isinstance(value, str) and not value.startswith(PREFIX):
        value = PREFIX + value
    if not isinstance(value, str) or not is_digest(value):
        raise UserError(f"{what}: a diff_id is not a sha256 digest (sha256: and 64 hex digits); got {_short(value)}")
    return value


def _check_config(config: Any, what: str) -> tuple[tuple[str, ...], tuple[dict[str, Any], ...]]:
    """The diff_ids and history of an image configuration, after checking its types."""
    if not isinstance(config, dict):
        raise UserError(f"{what} is not a JSON object")
    for key in ("architecture", "os", "variant"):
        if config.get(key) is not None and not isinstance(config[key], str):
            raise UserError(f"{what}: \"{key}\" must be a string; got {_short(config[key])}")
    if config.get("config") is not None and not isinstance(config["config"], dict):
        raise UserError(f"{what}: \"config\" must be an object; got {_short(config['config'])}")
    rootfs = config.get("rootfs")
    if rootfs is None:
        rootfs = {}
    if not isinstance(rootfs, dict):
        raise UserError(f"{what}: \"rootfs\" must be an object; got {_short(rootfs)}")
    ids = rootfs.get("diff_ids")
    if ids is not None and not isinstance(ids, list):
        raise UserError(f"{what}: \"rootfs.diff_ids\" must be a list; got {_short(ids)}")
    history = config.get("history")
    if history is not None and (not isinstance(history, list) or not all(isinstance(h, dict) for h in history)):
        raise UserError(f"{what}: \"history\" must be a list of objects; got {_short(history)}")
    return tuple(_diff_id(i, what) for i in ids or []), tuple(history or [])


_READ_MODES: dict[str, Literal["r:", "r:gz", "r:bz2", "r:xz"]] = {"": "r:", "gz": "r:gz", "bz2": "r:bz2", "xz": "r:xz"}


def _compression(path: str) -> str:
    """The archive's compression, from its first bytes: "zstd", "gz", "bz2", "xz" or ""."""
    try:
        with open(path, "rb") as handle:
            magic = handle.read(6)
    except OSError as error:
        raise UserError(f"cannot read image archive {path}: {error.strerror}") from None
    for kind, start in (("zstd", _ZSTD_MAGIC), ("gz", b"\x1f\x8b"), ("bz2", b"BZh"), ("xz", b"\xfd7zXZ\x00")):
        if magic.startswith(start):
            return kind
    return ""


#: What a damaged or truncated archive raises while it is read.
DAMAGE = (EOFError, tarfile.TarError, zlib.error, gzip.BadGzipFile)


@contextmanager
def open_archive(path: str, what: str = "fromImage", programs: Optional[Programs] = None) -> Iterator[Archive]:
    """Open a docker-archive (plain, gzip, bzip2 or xz; zstd when ``programs``
    names the program to decompress it) for random access. ``what`` names the
    archive's role in error messages."""
    compression = _compression(path)
    if compression not in _READ_MODES:
        with decompressed(compression, path, what, programs or {}) as plain, open_archive(plain, what) as archive:
            archive.label, archive.path = f"{what} {path}", path
            yield archive
        return
    try:
        tar = tarfile.open(path, _READ_MODES[compression])
    except (OSError, *DAMAGE) as error:
        raise UserError(f"{what} {path} is not a readable docker-archive: {brief(error)}") from None
    with tar:
        try:
            yield Archive(tar, f"{what} {path}", path)
        except DAMAGE as error:
            raise UserError(f"{what} {path} is damaged or truncated: {brief(error)}") from None


def brief(error: BaseException) -> str:
    """The error on one line (tarfile lists what each method said, a line each)."""
    return " ".join(line.strip() for line in str(error).splitlines())


def read_base(path: str, repo_tag: Optional[str] = None, programs: Optional[Programs] = None) -> BaseImage:
    """Return the layers, history and configuration of the image in ``path``."""
    with open_archive(path, "fromImage", programs) as archive:
        image = archive.pick(repo_tag)
    config = config_of(image)
    layers = tuple(BlobLayer(member_of(layer), str(layer.diff_id), int(layer.size or 0)) for layer in image.layers)
    return BaseImage(Base(path, layers, tuple(config.get("history") or ())), config, image.repo_tags)


def member_of(layer: Layer) -> str:
    """The member name of a layer read from an archive."""
    if not isinstance(layer.origin, ArchiveMember):
        raise ValueError(f"member_of: the layer is not an archive member; got {layer.origin!r}")
    return layer.origin.member
