"""The store closure of an image, from Nix's ``exportReferencesGraph``.

Nix writes, for structured-attrs builds, a list of
``{"path", "narSize", "narHash", "closureSize", "references"}`` objects, which
``stowage.contract.graph`` parses into ``GraphNode`` values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from stowage.errors import UserError


@dataclass(frozen=True)
class GraphNode:
    """One store path of Nix's references graph, as Nix describes it."""

    path: str
    nar_hash: str
    nar_size: int
    references: tuple[str, ...]


@dataclass(frozen=True)
class StorePath:
    path: str
    nar_size: int
    references: tuple[str, ...]

    @property
    def name(self) -> str:
        """The part after the hash: ``hello-2.12`` of ``/nix/store/<hash>-hello-2.12``."""
        base = self.path.rsplit("/", 1)[-1]
        return base.split("-", 1)[1] if "-" in base else base


@dataclass(frozen=True)
class Closure:
    """Store paths by path; references point only at paths of the closure."""

    paths: dict[str, StorePath]

    def without(self, excluded: Iterable[str]) -> "Closure":
        """Return the closure minus ``excluded`` (and references to them)."""
        drop = set(excluded)
        return Closure(
            {
                p: StorePath(
                    sp.path, sp.nar_size, tuple(r for r in sp.references if r not in drop)
                )
                for p, sp in self.paths.items()
                if p not in drop
            }
        )


def parse_graph(nodes: Sequence[GraphNode]) -> Closure:
    """Return the closure of the references graph ``nodes``."""
    paths: dict[str, StorePath] = {}
    for node in nodes:
        path = node.path
        paths[path] = StorePath(path, node.nar_size, tuple(sorted(set(node.references) - {path})))
    for sp in paths.values():
        for ref in sp.references:
            if ref not in paths:
                raise UserError(f"the references graph is not closed: {sp.path} refers to {ref}")
    return Closure(paths)


def heights(closure: Closure) -> dict[str, int]:
    """Return each path's height: 0 without references, else 1 + the highest
    reference's height. It depends only on the path's own closure, so the same
    path has the same height in every image."""
    result: dict[str, int] = {}
    for start in closure.paths:
        stack = [start]
        entered: set[str] = set()  # on the current walk, below an unfinished path
        while stack:
            path = stack[-1]
            if path in result:
                stack.pop()
                continue
            pending = [r for r in closure.paths[path].references if r not in result]
            if pending:
                if path in entered:
                    raise UserError(f"the references graph has a cycle through {path}")
                entered.add(path)
                stack.extend(pending)
                continue
            refs = closure.paths[path].references
            result[path] = 1 + max((result[r] for r in refs), default=-1)
            stack.pop()
    return result


def roots(closure: Closure) -> set[str]:
    """Return the paths no other path of the closure refers to."""
    referenced = {r for sp in closure.paths.values() for r in sp.references}
    return set(closure.paths) - referenced
