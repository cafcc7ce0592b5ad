"""nixpkgs' two layerings, written again from their published descriptions, so
that ``layering.py`` can measure ours against them on the same graphs.

- ``popularity``: ``referencesByPopularity`` with ``limit_layers``: each path
  scores, over every route from a root down to it, one per route and one more per
  level above it; the most popular ``budget - 1`` paths get a layer each and the
  rest share one last "bulk" layer.
- ``auto_layer``: today's default. Paths are taken as "primaries", largest first;
  each path belongs to the set of primaries that need it (ignoring a primary that
  already reaches it through another), that set is its layer, and primaries are
  added while the number of distinct sets stays within the budget.

Both take a ``stowage.store.closure.Closure`` and return groups of paths.
"""

from __future__ import annotations

import sys
import os

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))

from stowage.store.closure import Closure, roots  # noqa: E402


def _package_name(path: str) -> str:
    """``/nix/store/<hash>-foo-1.0`` -> ``foo-1.0-<hash>``: the tie-break of the contest."""
    base = path.rsplit("/", 1)[-1]
    digest, _, name = base.partition("-")
    return f"{name}-{digest}"


def popularity_order(closure: Closure) -> list[str]:
    """Paths by descending popularity, ties by package name."""
    below: dict[str, dict[str, int]] = {}

    def descendants(path: str) -> dict[str, int]:
        # Memoised and iterative: route counts grow fast, the recursion depth not.
        stack = [path]
        while stack:
            top = stack[-1]
            refs = closure.paths[top].references
            missing = [r for r in refs if r not in below]
            if missing:
                stack.extend(missing)
                continue
            stack.pop()
            if top in below:
                continue
            score: dict[str, int] = {}
            for ref in refs:
                score[ref] = score.get(ref, 0) + 1
                for sub, count in below[ref].items():
                    score[sub] = score.get(sub, 0) + count + 1
            below[top] = score
        return below[path]

    popularity: dict[str, int] = {}
    for root in sorted(roots(closure)):
        popularity[root] = popularity.get(root, 0) + 1
        for sub, count in descendants(root).items():
            popularity[sub] = popularity.get(sub, 0) + count + 1
    order = sorted(popularity, key=lambda p: (-popularity[p], _package_name(p)))
    return order + sorted(set(closure.paths) - set(order))


def popularity(closure: Closure, budget: int) -> list[list[str]]:
    order = popularity_order(closure)
    if len(order) <= budget:
        return [[p] for p in order]
    return [[p] for p in order[: budget - 1]] + [order[budget - 1 :]]


def _reach(start: str, edges: dict[str, tuple[str, ...]]) -> set[str]:
    seen: set[str] = set()
    stack = list(edges[start])
    while stack:
        p = stack.pop()
        if p not in seen:
            seen.add(p)
            stack.extend(edges[p])
    return seen


def auto_layer(closure: Closure, budget: int) -> list[list[str]]:
    refs = {p: sp.references for p, sp in closure.paths.items()}
    users: dict[str, list[str]] = {p: [] for p in refs}
    for p, rs in refs.items():
        for r in rs:
            users[r].append(p)
    user_edges = {p: tuple(u) for p, u in users.items()}
    ordered = sorted(sorted(refs), key=lambda p: closure.paths[p].nar_size)  # stable, ascending
    split: dict[str, frozenset[str]] = {p: frozenset() for p in refs}
    for primary in reversed(ordered):
        deps = _reach(primary, refs)
        above = _reach(primary, user_edges)
        trial = dict(split)
        trial[primary] = frozenset([primary])
        for dep in deps:
            needed_by = trial[dep] - above
            if not needed_by & deps:
                needed_by = needed_by | {primary}
            trial[dep] = frozenset(needed_by)
        if len(set(trial.values())) > budget:
            break
        split = trial
    layers: dict[frozenset[str], list[str]] = {}
    for p in sorted(refs):
        layers.setdefault(split[p], []).append(p)

    def closure_size(group: list[str]) -> int:
        everything = set(group)
        for p in group:
            everything |= _reach(p, refs)
        return sum(closure.paths[p].nar_size for p in everything)

    groups = [sorted(g, key=lambda p: (closure.paths[p].name, p)) for g in layers.values()]
    return sorted(groups, key=lambda g: (closure_size(g), g))
