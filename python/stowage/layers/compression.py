"""How a pushed layer is compressed: the image's ``pushCompression``, as the
compress-layer and push-plan requests carry it and as the records and push
plans repeat it (so that a push makes exactly the recorded bytes).

JSON (camelCase, within the documents that hold it)::

    "format": "gzip" | "zstd", "level": int, "keep": bool, "zstd": path of the zstd program or null
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from stowage import media_types
from stowage.errors import UserError

GZIP_LAYER = media_types.OCI_LAYER_GZIP
ZSTD_LAYER = media_types.OCI_LAYER_ZSTD
MEDIA_TYPES = {"gzip": GZIP_LAYER, "zstd": ZSTD_LAYER}
MAX_LEVEL = {"gzip": 9, "zstd": 19}


@dataclass(frozen=True)
class Compression:
    format: str = "gzip"
    level: int = 6
    keep: bool = False  # the compressed-layer derivations keep the blobs
    zstd: Optional[str] = None  # the zstd program, for format "zstd"

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]

    def to_json(self) -> dict[str, Any]:
        return {"format": self.format, "level": self.level, "keep": self.keep, "zstd": self.zstd}

    def same_bytes(self, other: "Compression") -> bool:
        """Whether blobs made with ``other`` are the ones made with this."""
        return (self.format, self.level) == (other.format, other.level)

    def describe(self) -> str:
        return f"{self.format} level {self.level}"


def parse(d: dict[str, Any], what: str) -> Compression:
    """The compression of a document ``d`` (its keys format, level, keep, zstd)."""
    fmt, level, keep, program = d["format"], d["level"], d["keep"], d["zstd"]
    if fmt not in MEDIA_TYPES:
        raise UserError(f"format of {what} must be \"gzip\" or \"zstd\"; got {fmt!r}")
    if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= MAX_LEVEL[fmt]:
        raise UserError(f"level of {what} must be an integer from 1 to {MAX_LEVEL[fmt]}; got {level!r}")
    if not isinstance(keep, bool):
        raise UserError(f"keep of {what} must be true or false; got {keep!r}")
    if fmt == "zstd" and not isinstance(program, str):
        raise UserError(f"zstd of {what} must name the zstd program; got {program!r}")
    return Compression(fmt, level, keep, program if isinstance(program, str) else None)


KEYS = frozenset({"format", "level", "keep", "zstd"})
