"""Closures from Nix's exportReferencesGraph (stowage.store.closure)."""

from __future__ import annotations

from typing import Any

import pytest

from stowage.contract.graph import parse_graph
from stowage.store import closure
from stowage.store.closure import Closure, StorePath
from stowage.errors import UserError


def graph_of(nodes: Any) -> Closure:
    """The closure of a graph as Nix writes it, read through the contract."""
    return closure.parse_graph(parse_graph(nodes, "buildLayeredImage"))


def node(name: str, *refs: str, size: int = 100) -> dict[str, Any]:
    """One graph entry as Nix writes it."""
    return {
        "path": f"/nix/store/{name}",
        "narSize": size,
        "narHash": "sha256-AAAA",
        "closureSize": size,
        "references": [f"/nix/store/{r}" for r in refs],
    }


#    app ─► lib ─► libc
#     │             ▲
#     └──► tool ────┘      other ─► libc
GRAPH = [
    node("h1-libc"),
    node("h2-lib", "h1-libc"),
    node("h3-tool", "h1-libc", "h3-tool"),  # a self-reference, as Nix writes them
    node("h4-app", "h2-lib", "h3-tool", "h1-libc"),
    node("h5-other", "h1-libc"),
]


def test_parse_graph() -> None:
    parsed = graph_of(GRAPH)
    assert set(parsed.paths) == {n["path"] for n in GRAPH}
    app = parsed.paths["/nix/store/h4-app"]
    assert app == StorePath(
        "/nix/store/h4-app", 100, ("/nix/store/h1-libc", "/nix/store/h2-lib", "/nix/store/h3-tool")
    )
    assert parsed.paths["/nix/store/h3-tool"].references == ("/nix/store/h1-libc",)


def test_parse_graph_refuses_a_graph_that_is_not_a_list() -> None:
    with pytest.raises(UserError, match=r"^buildLayeredImage: Nix's references graph \(exportReferencesGraph\) must be a list"):
        graph_of({"path": "/nix/store/h1-libc"})


def test_parse_graph_refuses_a_graph_that_is_not_closed() -> None:
    with pytest.raises(UserError, match="not closed: /nix/store/h2-lib refers to /nix/store/h9-gone"):
        graph_of([node("h1-libc"), node("h2-lib", "h9-gone")])


def test_heights() -> None:
    assert closure.heights(graph_of(GRAPH)) == {
        "/nix/store/h1-libc": 0,
        "/nix/store/h2-lib": 1,
        "/nix/store/h3-tool": 1,
        "/nix/store/h4-app": 2,
        "/nix/store/h5-other": 1,
    }


def test_heights_of_a_deep_chain_need_no_recursion() -> None:
    depth = 5000  # far beyond Python's recursion limit
    graph = [node("p0")] + [node(f"p{i}", f"p{i - 1}") for i in range(1, depth)]
    heights = closure.heights(graph_of(graph))
    assert heights[f"/nix/store/p{depth - 1}"] == depth - 1


def test_a_path_has_the_same_height_in_every_closure() -> None:
    small = closure.heights(graph_of(GRAPH[:3]))
    full = closure.heights(graph_of(GRAPH))
    assert all(full[p] == h for p, h in small.items())


def test_roots() -> None:
    assert closure.roots(graph_of(GRAPH)) == {"/nix/store/h4-app", "/nix/store/h5-other"}
    assert closure.roots(Closure({})) == set()


def test_without_drops_paths_and_references_to_them() -> None:
    smaller = graph_of(GRAPH).without(["/nix/store/h3-tool", "/nix/store/h5-other"])
    assert set(smaller.paths) == {"/nix/store/h1-libc", "/nix/store/h2-lib", "/nix/store/h4-app"}
    assert smaller.paths["/nix/store/h4-app"].references == ("/nix/store/h1-libc", "/nix/store/h2-lib")


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/nix/store/0123abcd-hello-2.12", "hello-2.12"),
        ("/nix/store/0123abcd-hello", "hello"),
        ("/nix/store/nohash", "nohash"),
    ],
)
def test_store_path_name(path: str, name: str) -> None:
    assert StorePath(path, 0, ()).name == name


def test_a_cycle_is_an_error_not_a_hang() -> None:
    from stowage.store.closure import Closure, StorePath, heights

    cyclic = Closure({"/s/a": StorePath("/s/a", 1, ("/s/b",)), "/s/b": StorePath("/s/b", 1, ("/s/a",))})
    with pytest.raises(UserError, match="the references graph has a cycle through /s/"):
        heights(cyclic)
