"""How a pushed layer is compressed: the image's ``pushCompression``
(``stowage.contract.push_documents.Compression``, as the compress-layer and
push-plan requests carry it and as the records and push plans repeat it), and
the checks its schema cannot make (each format's levels, the zstd program).
"""

from __future__ import annotations

from typing import Optional

from stowage.contract.push_documents import Compression as Compression
from stowage.contract.schema import ContractError

MAX_LEVEL = {"gzip": 9, "zstd": 19}

#: What pushCompression = { } means (nix/image/push-compression.nix): gzip at level 1.
DEFAULT = Compression("gzip", 1, False, None)


def check(compression: Compression, who: Optional[str], what: str) -> Compression:
    """``compression``, once its level fits its format and zstd names its program."""
    fmt, level = compression.format, compression.level
    if not 1 <= level <= MAX_LEVEL[fmt]:
        raise ContractError(who, f"compression.level of {what} must be an integer from 1 to {MAX_LEVEL[fmt]} "
                                 f"for {fmt}; got {level}. Use the Nix expressions and the Python tools of one "
                                 "stowage release.")
    if fmt == "zstd" and compression.zstd is None:
        raise ContractError(who, f"compression.zstd of {what} must name the zstd program; got null. Use the Nix "
                                 "expressions and the Python tools of one stowage release.")
    return compression
