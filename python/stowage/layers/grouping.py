"""Grouping store paths into layers so that images share them and changes stay small.

Sharing and pushing are counted in bytes, and a closure's bytes sit in few paths,
so the budget goes first to the paths that matter most, each alone in a layer:

1. the roots of the graph (the application and what ``contents`` names): they
   change most often, and alone they change nothing else;
2. then the paths with the highest *weight*, their size times the number of paths
   of the closure above them plus one: big paths, and the small libraries nearly
   everything uses (the ones other images are likely to have too).

Everything else (the *rest*: small paths few others use) is grouped by its
*anchor*: of the lone paths it depends on, the one with the fewest users, which
is the nearest lone path beneath it (a path that depends on none is anchored to
nothing). A group therefore holds small paths that sit on the same thing: they
usually come and go together (the Python modules of one application on its
Python), and they change together when something beneath them changes. About
7.5 % of the budget, and at least 6 layers, are kept for these groups (more when
fewer lone paths are needed). When there are more anchors than that, groups are
merged pairwise, each time the pair that adds least to the bytes changes rewrite:
a group's cost is its size times the number of paths whose change rewrites it
(its own and everything beneath them).

No order between layers is implied by dependencies: a layer is an overlay, and
Docker does not need a path's references in lower layers. The layers come bottom
first in a fixed order (by their first path in height-then-name order), so the
same groups stack the same way in every image.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

from stowage.store.closure import Closure, heights, roots

#: Layers (beyond the roots) kept for groups of the rest: this share of them, and
#: at least MIN_REST (at most half). 7 of 98, 6 of 38: the best of the neighbouring
#: values measured by bench/layering.py (shares of 5, 7.5, 10 %, minimums of 5 to 8).
REST_SHARE = 0.075
MIN_REST = 6


@dataclass(frozen=True)
class Layer:
    """One planned layer and why its paths are together (for the plan's reader)."""

    paths: tuple[str, ...]
    reason: str


def _mib(size: int) -> str:
    return f"{size / (1 << 20):.1f} MiB"


def _users(closure: Closure, order: list[str]) -> dict[str, int]:
    """Number of paths of the closure that depend on each path, directly or not."""
    bit = {p: 1 << i for i, p in enumerate(order)}
    above: dict[str, int] = {p: 0 for p in order}
    for p in reversed(order):  # users come later in height order
        mask = above[p] | bit[p]
        for ref in closure.paths[p].references:
            above[ref] |= mask
    return {p: above[p].bit_count() for p in order}


def ordered(closure: Closure) -> list[str]:
    """Return the paths in an order intrinsic to each path: height, then name."""
    height = heights(closure)
    return sorted(closure.paths, key=lambda p: (height[p], closure.paths[p].name, p))


def _groups(closure: Closure, order: list[str], alone: set[str], users: dict[str, int]) -> list[tuple[str | None, list[str]]]:
    """The rest grouped by anchor, anchors in height order (None first).

    The anchor is a minimum over everything beneath a path, so it is found from
    the references' own: one pass over the edges, dependencies first."""
    index = {p: i for i, p in enumerate(order)}
    nearest: dict[str, tuple[int, int] | None] = {}  # (users, -index) of the anchor
    by_anchor: dict[str | None, list[str]] = {}
    for p in order:  # references come earlier in height order
        best = None
        for ref in closure.paths[p].references:
            for key in (nearest[ref], (users[ref], -index[ref]) if ref in alone else None):
                if key is not None and (best is None or key < best):
                    best = key
        nearest[p] = best
        if p not in alone:
            by_anchor.setdefault(None if best is None else order[-best[1]], []).append(p)
    return sorted(by_anchor.items(), key=lambda item: -1 if item[0] is None else index[item[0]])


def _merge(closure: Closure, order: list[str], groups: list[tuple[str | None, list[str]]], budget: int) -> list[tuple[list[str | None], list[str]]]:
    """Merge groups until ``budget`` is met, each time the pair whose merge adds
    least to what changes cost: a group is rewritten whenever one of its paths or
    anything beneath them changes, so its cost is its bytes times that many paths."""
    if len(groups) <= budget:
        return [([anchor], paths) for anchor, paths in groups]
    bit = {p: 1 << i for i, p in enumerate(order)}
    beneath: dict[str, int] = {}  # each path and everything it depends on
    for p in order:
        mask = bit[p]
        for ref in closure.paths[p].references:
            mask |= beneath[ref]
        beneath[p] = mask
    alive: dict[int, tuple[list[str | None], list[str], int, int]] = {}
    for i, (anchor, paths) in enumerate(groups):
        mask = 0
        for p in paths:
            mask |= beneath[p]
        alive[i] = ([anchor], paths, sum(closure.paths[p].nar_size for p in paths), mask)

    def extra(a: tuple[list[str | None], list[str], int, int], b: tuple[list[str | None], list[str], int, int]) -> int:
        both = (a[2] + b[2]) * (a[3] | b[3]).bit_count()
        return both - a[2] * a[3].bit_count() - b[2] * b[3].bit_count()

    heap = [(extra(alive[i], alive[j]), i, j) for i in alive for j in alive if i < j]
    heapq.heapify(heap)
    fresh = len(groups)
    while len(alive) > budget:
        _, i, j = heapq.heappop(heap)
        if i not in alive or j not in alive:
            continue  # one of the pair was merged already
        a, b = alive.pop(i), alive.pop(j)
        merged = (a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] | b[3])
        for k, other in alive.items():
            heapq.heappush(heap, (extra(other, merged), k, fresh))
        alive[fresh] = merged
        fresh += 1
    return [(anchors, paths) for anchors, paths, _, _ in alive.values()]


def _lone_paths(closure: Closure, order: list[str], users: dict[str, int], budget: int) -> tuple[list[str], list[str], list[tuple[str | None, list[str]]]]:
    """Return the roots that stand alone, the other lone paths by weight, and the
    rest's groups by anchor (maybe more than the layers left)."""
    position = {p: i for i, p in enumerate(order)}
    size = {p: closure.paths[p].nar_size for p in order}
    top = sorted(roots(closure), key=position.__getitem__)
    alone = top if len(top) < budget else []  # too many roots: they compete like the rest
    ranked = sorted(
        (p for p in order if p not in set(alone)),
        key=lambda p: (-size[p] * (users[p] + 1), position[p]),
    )
    left = budget - len(alone)
    count = left - max(1, min(MIN_REST, left // 2), round(left * REST_SHARE))
    while True:  # fewer anchors than layers kept for them: the spare ones go to lone paths
        groups = _groups(closure, order, set(alone) | set(ranked[:count]), users)
        spare = left - count - len(groups)
        if spare <= 0:
            return alone, ranked[:count], groups
        count += spare


def explain_layers(closure: Closure, budget: int) -> list[Layer]:
    """Return at most ``budget`` layers covering the closure exactly once, each
    with the reason its paths are together; exactly ``budget`` when the closure
    has more paths."""
    if budget < 1:
        raise ValueError("plan_layers needs a budget of at least one layer")
    order = ordered(closure)
    position = {p: i for i, p in enumerate(order)}
    size = {p: closure.paths[p].nar_size for p in order}
    if len(order) <= budget:
        return [Layer((p,), f"own layer: {_mib(size[p])}") for p in order]
    users = _users(closure, order)
    alone, heavy, groups = _lone_paths(closure, order, users, budget)
    layers = [Layer((p,), f"own layer: root of the closure, {_mib(size[p])}") for p in alone]
    layers += [Layer((p,), f"own layer: {_mib(size[p])} used by {users[p]} paths") for p in heavy]
    for anchors, paths in _merge(closure, order, groups, budget - len(layers)):
        names = ", ".join("nothing" if a is None else closure.paths[a].name for a in anchors)
        total = sum(size[p] for p in paths)
        count = f"{len(paths)} small path" + ("s" if len(paths) > 1 else "")
        paths = sorted(paths, key=position.__getitem__)  # the same set, the same list
        layers.append(Layer(tuple(paths), f"{count} ({_mib(total)}) on {names}"))
    return sorted(layers, key=lambda layer: position[layer.paths[0]])


def plan_layers(closure: Closure, budget: int) -> list[list[str]]:
    """Return at most ``budget`` groups of paths covering the closure exactly once."""
    return [list(layer.paths) for layer in explain_layers(closure, budget)]
