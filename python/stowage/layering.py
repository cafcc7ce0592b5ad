"""Grouping store paths into layers: stable cuts, like content-defined chunking.

The paths are put in one order that depends only on each path itself: by height
in the reference graph (dependencies before what uses them), then by name, then by
full path. The sequence is then cut into groups. Whether there is a cut before a
path is decided by that path alone (a hash of its name), the same way a
content-defined chunker decides chunk boundaries from the bytes around them. So
two images that share a base cut it at the same places and share its layers, and
a new or changed path disturbs only the group it lands in, not the groups below.

How many cuts: each cut has a strength, the number of trailing zero bits of the
hash, and the groups are made with every cut of strength >= t, for the smallest t
that stays within the layer budget. Thresholds are halvings, so images of
different sizes still share their coarser cuts. Two kinds of path always stand
alone when the budget allows: large paths (so that a big runtime is one layer of
its own) and the roots of the graph (the packages the user named, which change
most often; they sort last because they are highest).
"""

from __future__ import annotations

import hashlib

from .closure import Closure, heights, roots

#: Paths at least this large get a layer of their own while the budget allows.
LARGE_PATH = 32 << 20

_ALWAYS = 1 << 16  # strength of a cut around a root
_LARGE = 1 << 17  # strength of a cut around a large path


def _strength(name: str) -> int:
    """Trailing zero bits of the name's hash: 0 for half the names, 1 for a quarter…"""
    value = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")
    return (value & -value).bit_length() - 1 if value else 64


def ordered(closure: Closure) -> list[str]:
    """Return the paths bottom-most first, in an order intrinsic to each path."""
    height = heights(closure)
    return sorted(
        closure.paths, key=lambda p: (height[p], closure.paths[p].name, p)
    )


def _cut_strengths(closure: Closure, order: list[str]) -> list[int]:
    """Strength of the cut before ``order[i]`` for i >= 1 (index 0 is unused)."""
    top = roots(closure)
    special = [
        _LARGE if closure.paths[p].nar_size >= LARGE_PATH else _ALWAYS if p in top else 0
        for p in order
    ]
    strengths = [0] * len(order)
    for i in range(1, len(order)):
        own = _strength(closure.paths[order[i]].name)
        strengths[i] = max(own, special[i], special[i - 1])
    return strengths


def _groups_at(order: list[str], strengths: list[int], threshold: int) -> list[list[str]]:
    groups: list[list[str]] = [[order[0]]]
    for i in range(1, len(order)):
        if strengths[i] >= threshold:
            groups.append([])
        groups[-1].append(order[i])
    return groups


def _merge_smallest(closure: Closure, groups: list[list[str]], budget: int) -> list[list[str]]:
    """Merge neighbouring groups, smallest pair first, until ``budget`` is met."""
    groups = [list(g) for g in groups]
    while len(groups) > budget:
        sizes = [sum(closure.paths[p].nar_size for p in g) for g in groups]
        pair = min(range(len(groups) - 1), key=lambda i: (sizes[i] + sizes[i + 1], i))
        groups[pair : pair + 2] = [groups[pair] + groups[pair + 1]]
    return groups


def plan_layers(closure: Closure, budget: int) -> list[list[str]]:
    """Return at most ``budget`` groups of paths, bottom-most first, covering the
    closure exactly once."""
    if budget < 1:
        raise ValueError("plan_layers needs a budget of at least one layer")
    order = ordered(closure)
    if len(order) <= budget:
        return [[p] for p in order]
    strengths = _cut_strengths(closure, order)
    levels = sorted(set(strengths[1:]))
    for threshold in levels:
        groups = _groups_at(order, strengths, threshold)
        if len(groups) <= budget:
            return groups
    return _merge_smallest(closure, _groups_at(order, strengths, levels[-1]), budget)
