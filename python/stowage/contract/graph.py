"""Nix's references graph (``exportReferencesGraph``), the other input of the
steps that need an image's closure: in structured attributes, a list of
``{"path", "narHash", "narSize", "references", ...}`` objects.

Nix writes this document, not our Nix code, and Nix releases add keys to it
(``closureSize``, ``deriver``, ``registrationTime``, ...): the keys read here are
checked exactly, the others are left alone.
"""

from __future__ import annotations

from typing import Any, Optional

from stowage.contract.schema import camel, check_value
from stowage.store.closure import GraphNode

DOCUMENT = "Nix's references graph (exportReferencesGraph)"
_KEYS = tuple(camel(name) for name in ("path", "nar_hash", "nar_size", "references"))


def parse_graph(doc: Any, who: Optional[str]) -> tuple[GraphNode, ...]:
    """Return the nodes of the references graph ``doc``; ``who`` names errors."""
    nodes = check_value(tuple[dict[str, Any], ...], doc, who, DOCUMENT)
    return tuple(
        check_value(GraphNode, {k: node[k] for k in _KEYS if k in node}, who, f"{DOCUMENT}, node {i}")
        for i, node in enumerate(nodes)
    )
