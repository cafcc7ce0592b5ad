"""What a root layer holds besides the image root itself, worked out from the
references graph and the base image: the store closure that buildImage's
copies need (minus what the base already has), the one sorted order of tree and
store entries, and the directories the store and the Nix database need.
"""

from __future__ import annotations

import posixpath
from typing import Optional, Sequence

from stowage.archive import docker_archive
from stowage.formats import export as flatten
from stowage.layers.tarball import Entry
from stowage.store import closure
from stowage.store.closure import GraphNode

#: What the Nix database step writes below (parents first).
NIX_STATE_DIRS = [
    "nix", "nix/var", "nix/var/nix", "nix/var/nix/db", "nix/var/nix/gcroots",
    "nix/var/nix/gcroots/docker", "nix/var/nix/gcroots/per-user", "nix/var/nix/profiles",
    "nix/var/nix/profiles/per-user", "nix/var/nix/temproots", "nix/store",
]


def base_store_paths(path: Optional[str], tag: Optional[str], store_dir: str) -> set[str]:
    """Store paths that the layers of the image in ``path`` already hold."""
    if path is None:
        return set()
    found: set[str] = set()
    store = store_dir.strip("/")
    with docker_archive.open_archive(path) as archive:
        for layer_tar in flatten.open_layers(archive, tag):  # each checked against its diff_id
            with layer_tar:
                for name in layer_tar.getnames():
                    relative = posixpath.normpath("/" + name).lstrip("/")
                    parent, _, base = relative.rpartition("/")
                    if parent == store and base:
                        found.add("/" + relative)
    return found


def store_paths(graph: Sequence[GraphNode], contents: Sequence[str], exclude: set[str]) -> list[str]:
    """The closure of what ``contents`` refer to (and of an item that refers to
    itself), minus ``exclude``."""
    paths = closure.parse_graph(graph)
    start = [r for item in contents if item in paths.paths for r in paths.paths[item].references]
    start += [item for item in contents if item in paths.paths and _self_referencing(graph, item)]
    seen: set[str] = set()
    while start:
        path = start.pop()
        if path not in seen:
            seen.add(path)
            start.extend(paths.paths[path].references)
    return sorted(seen - exclude)


def _self_referencing(graph: Sequence[GraphNode], path: str) -> bool:
    return any(node.path == path and path in node.references for node in graph)


def combined(tree: list[Entry], store: list[Entry]) -> list[Entry]:
    """Tree and store entries in one sorted order, each directory once."""
    merged = sorted(tree + store, key=lambda e: e.name.rstrip(b"/").split(b"/"))
    result: list[Entry] = []
    for entry in merged:
        if result and result[-1].name == entry.name:
            continue
        result.append(entry)
    return result


def parents(store_dir: str) -> list[str]:
    """``nix`` and ``nix/store`` for ``/nix/store``: the store directory and its parents."""
    parts = store_dir.strip("/").split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]
