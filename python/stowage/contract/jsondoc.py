"""Where a build step finds its input: Nix's structured attributes file
(``.attrs.json``), which holds the step's request (``stowage``, parsed by
``stowage.contract.schema``), its outputs and any references graph.
"""

from __future__ import annotations

import json
import os
from typing import Any


def attrs_path() -> str:
    """Return where Nix put ``.attrs.json``.

    Nix 2.8 names the file's host path in ``NIX_ATTRS_JSON_FILE`` also inside
    the sandbox, where that path does not exist; the file is then in the build
    directory."""
    named = os.environ.get("NIX_ATTRS_JSON_FILE")
    if named and os.path.exists(named):
        return named
    return os.path.join(os.environ.get("NIX_BUILD_TOP", "."), ".attrs.json")


def read_attrs() -> dict[str, Any]:
    """Return the build's structured attributes (Nix's ``.attrs.json``)."""
    with open(attrs_path(), encoding="utf-8") as handle:
        attrs: dict[str, Any] = json.load(handle)
    return attrs
