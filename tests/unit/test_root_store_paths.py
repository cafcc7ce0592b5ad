"""What a root layer holds besides its root (stowage.root.store_paths)."""

from __future__ import annotations

from stowage.layers.tarball import Entry
from stowage.root import store_paths
from stowage.store.closure import GraphNode


def node(name: str, *refs: str) -> GraphNode:
    return GraphNode(f"/nix/store/{name}", "sha256-x", 1, tuple(f"/nix/store/{r}" for r in refs))


GRAPH = (
    node("h1-libc"),
    node("h2-lib", "h1-libc"),
    node("h3-item", "h2-lib"),
    node("h4-self", "h4-self", "h1-libc"),
)


def test_the_closure_of_what_the_items_refer_to() -> None:
    assert store_paths.store_paths(GRAPH, ["/nix/store/h3-item"], set()) == ["/nix/store/h1-libc", "/nix/store/h2-lib"]


def test_an_item_that_refers_to_itself_is_in_the_closure() -> None:
    assert store_paths.store_paths(GRAPH, ["/nix/store/h4-self"], set()) == ["/nix/store/h1-libc", "/nix/store/h4-self"]


def test_what_the_base_has_is_left_out() -> None:
    assert store_paths.store_paths(GRAPH, ["/nix/store/h3-item"], {"/nix/store/h1-libc"}) == ["/nix/store/h2-lib"]


def test_the_store_directory_and_its_parents() -> None:
    assert store_paths.parents("/nix/store") == ["nix", "nix/store"]
    assert store_paths.parents("/gnu/store/") == ["gnu", "gnu/store"]


def test_entries_in_one_order_each_directory_once() -> None:
    tree = [Entry(b"nix/", b"5", 0o755), Entry(b"etc/", b"5", 0o755)]
    store = [Entry(b"nix/", b"5", 0o755), Entry(b"nix/store/", b"5", 0o755)]
    names = [e.name for e in store_paths.combined(tree, store)]
    assert names == [b"etc/", b"nix/", b"nix/store/"]


def test_no_base_has_no_store_paths() -> None:
    assert store_paths.base_store_paths(None, None, "/nix/store") == set()
