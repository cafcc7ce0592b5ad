"""Layer chain IDs, as Docker's layer store keys layers (``layer.CreateChainID``
of moby): the first layer's chain is its diff_id; each next one is the sha256 of
``"<chain below> <diff_id>"``. Docker skips loading a layer whose chain it has.
"""

from __future__ import annotations

from typing import Iterable

from stowage.digest import sha256


def chain_ids(diff_ids: Iterable[str]) -> list[str]:
    """Return the chain ID of every prefix of ``diff_ids``, bottom first."""
    chains: list[str] = []
    for diff_id in diff_ids:
        if not chains:
            chains.append(diff_id)
        else:
            text = f"{chains[-1]} {diff_id}".encode()
            chains.append(sha256(text))
    return chains


def held_chains(images: Iterable[Iterable[str]]) -> frozenset[str]:
    """Return every chain the layer lists of ``images`` make (an engine holds
    the layers of each image it has, and so every prefix of them)."""
    return frozenset(chain for layers in images for chain in chain_ids(layers))
