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
7.5 % of the budget is kept for these groups (more when fewer lone paths are
needed); when there are more anchors than that, the two smallest groups in bytes
are merged, again and again, so that a change to a merged group rewrites little.

No order between layers is implied by dependencies: a layer is an overlay, and
Docker does not need a path's references in lower layers. The layers come bottom
first in a fixed order (by their first path in height-then-name order), so the
same groups stack the same way in every image.
"""

from __future__ import annotations

from dataclasses import dataclass

from .closure import Closure, heights, roots

#: Share of the layers (beyond the roots) left for groups of the rest.
REST_SHARE = 0.075  # 7 of 98 layers, 3 of 38: measured best of 0.05, 0.075, 0.1 (bench/layering.py)


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


def _merge(closure: Closure, groups: list[tuple[str | None, list[str]]], budget: int) -> list[tuple[list[str | None], list[str]]]:
    """Merge the two smallest groups (in bytes) until ``budget`` is met: a change to
    a merged group then rewrites as few bytes as can be."""
    merged = [([anchor], paths) for anchor, paths in groups]
    sizes = [sum(closure.paths[p].nar_size for p in paths) for _, paths in groups]
    while len(merged) > budget:
        i, j = sorted(sorted(range(len(merged)), key=lambda k: (sizes[k], k))[:2])
        merged[i] = (merged[i][0] + merged[j][0], merged[i][1] + merged[j][1])
        sizes[i] += sizes[j]
        del merged[j], sizes[j]
    return merged


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
    count = left - (max(1, round(left * REST_SHARE)) if left > 1 else 1)
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
    for anchors, paths in _merge(closure, groups, budget - len(layers)):
        names = ", ".join("nothing" if a is None else closure.paths[a].name for a in anchors)
        total = sum(size[p] for p in paths)
        layers.append(Layer(tuple(paths), f"{len(paths)} small paths ({_mib(total)}) on {names}"))
    return sorted(layers, key=lambda layer: position[layer.paths[0]])


def plan_layers(closure: Closure, budget: int) -> list[list[str]]:
    """Return at most ``budget`` groups of paths covering the closure exactly once."""
    return [list(layer.paths) for layer in explain_layers(closure, budget)]
