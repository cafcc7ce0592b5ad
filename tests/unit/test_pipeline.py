"""nixpkgs' layering pipeline (stowage.layers.pipeline), on a small graph worked by hand.

The graph is the one of nixpkgs' popularity-contest documentation::

    A - B - C - D - F        A -> B, G;  B -> C, E;  C -> D, E;  D -> F;  E -> F
     \\   \\   \\- E -/
      \\   \\- E
       \\- G

with sizes making the graph order (ascending narSize) G F E D C B A.
"""

from __future__ import annotations

from typing import Any

import pytest

from stowage.layers import pipeline
from stowage.store.closure import Closure, StorePath
from stowage.errors import UserError

REFS = {"a": "bg", "b": "ce", "c": "de", "d": "f", "e": "f", "f": "", "g": ""}
SIZE = {"g": 10, "f": 20, "e": 30, "d": 40, "c": 50, "b": 60, "a": 70}


def p(name: str) -> str:
    return f"/nix/store/{name * 32}-{name}"


CLOSURE = Closure(
    {p(n): StorePath(p(n), SIZE[n], tuple(p(r) for r in refs)) for n, refs in REFS.items()}
)


def layers(pipe: Any, closure: Closure = CLOSURE) -> list[str]:
    """The layers as strings of names ("FED"), after checking each path is placed once."""
    result = pipeline.plan_layers(closure, pipe)
    flat = [path for layer in result for path in layer]
    assert len(flat) == len(set(flat))
    return ["".join(path.rsplit("-", 1)[1] for path in layer).upper() for layer in result]


def test_popularity_scores_as_nixpkgs_documents_them() -> None:
    # F=9, E=5, D=4, C=3, B=2, G=2, A=1; B and G tie and go by name.
    graph = pipeline.Graph(CLOSURE, tuple(CLOSURE.paths))
    assert [x.rsplit("-", 1)[1] for x in pipeline.popularity(graph)] == list("fedcbga")


def test_popularity_contest_one_path_per_layer() -> None:
    assert layers([["popularity_contest"]]) == ["F", "E", "D", "C", "B", "G", "A"]


def test_limit_layers_keeps_n_minus_one_and_merges_the_rest() -> None:
    assert layers([["popularity_contest"], ["limit_layers", 3]]) == ["F", "E", "DCBGA"]


def test_limit_layers_with_fewer_values_keeps_them() -> None:
    assert layers([["popularity_contest"], ["limit_layers", 7]]) == list("FEDCBGA")
    assert layers([["popularity_contest"], ["limit_layers", 10]]) == list("FEDCBGA")
    assert layers([["popularity_contest"], ["limit_layers", 1]]) == ["FEDCBGA"]


def test_split_every_chunks_the_graph_in_size_order() -> None:
    assert layers([["split_every", 3]]) == ["GFE", "DCB", "A"]


def test_subcomponent_out_is_the_paths_and_their_dependencies() -> None:
    assert layers([["subcomponent_out", [p("c")]]]) == ["FEDC", "GBA"]


def test_subcomponent_in_is_the_paths_and_their_users() -> None:
    assert layers([["subcomponent_in", [p("e")]]]) == ["ECBA", "GFD"]


def test_subcomponent_ignores_paths_not_in_the_graph() -> None:
    assert layers([["subcomponent_out", ["/nix/store/elsewhere"]]]) == ["GFEDCBA"]


def test_over_rest_pipe_as_in_nixpkgs_docs() -> None:
    # rest = {G, F, D} with D -> F: F scores 2, D and G 1 (by name).
    pipe = [
        ["subcomponent_in", [p("e")]],
        ["over", "rest", ["pipe", [["popularity_contest"], ["limit_layers", 2]]]],
    ]
    assert layers(pipe) == ["ECBA", "F", "DG"]


def test_remove_paths_drops_them_from_the_image() -> None:
    assert layers([["remove_paths", [p("b"), "/nix/store/elsewhere"]]]) == ["GFEDCA"]
    assert layers([["remove_paths", p("g")], ["split_every", 3]]) == ["FED", "CBA"]


def test_reverse() -> None:
    assert layers([["popularity_contest"], ["reverse"]]) == list("AGBCDEF")


def test_map_applies_to_each_value_and_empty_graphs_make_no_layer() -> None:
    # [GFED, CBA]; D is only in the first: its main is FD, the second's is empty.
    pipe = [["split_every", 4], ["map", ["subcomponent_out", [p("d")]]]]
    assert layers(pipe) == ["FD", "GE", "CBA"]


def test_flatten_then_limit_layers() -> None:
    assert layers([["subcomponent_out", [p("c")]], ["flatten"], ["limit_layers", 1]]) == ["FEDCGBA"]


def test_pipe_nests_a_pipeline() -> None:
    assert layers([["pipe", [["popularity_contest"], ["limit_layers", 2]]]]) == ["F", "EDCBGA"]


def test_empty_pipeline_is_one_layer() -> None:
    assert layers([]) == ["GFEDCBA"]


def test_ties_in_size_go_by_path() -> None:
    closure = Closure({p(n): StorePath(p(n), 1, ()) for n in "cab"})
    assert layers([["split_every", 1]], closure) == ["A", "B", "C"]


@pytest.mark.parametrize(
    ("pipe", "message"),
    [
        ([["popularity"]], "the element ['popularity'] names no known operation"),
        ("popularity_contest", "a pipeline is a list of elements"),
        ([["over", "rest", ["reverse"]]], "over needs a dict (e.g. after subcomponent_in), got a graph"),
        ([["subcomponent_in", []], ["over", "common", ["reverse"]]], "over 'common': the dict has no such key"),
        ([["limit_layers", 2]], "limit_layers needs a list (e.g. after popularity_contest), got a graph"),
        ([["split_every", 2], ["split_every", 2]], "split_every needs a graph, got a list"),
        ([["split_every", 0]], "split_every takes a positive integer, got 0"),
        ([["reverse", 1]], "reverse takes 0 arguments, got 1"),
        ([["map", ["flatten"]]], "map needs a list, got a graph"),
        ([["subcomponent_out", "/nix/store/x"]], "subcomponent_out takes a list of store paths"),
        ([["popularity_contest"], ["map", ["popularity_contest"]], ["limit_layers", 2]], "limit_layers needs a list of graphs, got a list"),
    ],
)
def test_bad_pipelines_are_refused_by_name(pipe: Any, message: str) -> None:
    with pytest.raises(UserError, match="^layeringPipeline: ") as caught:
        pipeline.plan_layers(CLOSURE, pipe)
    assert message in str(caught.value)


def test_a_cycle_is_refused() -> None:
    closure = Closure({p("a"): StorePath(p("a"), 1, (p("b"),)), p("b"): StorePath(p("b"), 1, (p("a"),))})
    with pytest.raises(UserError, match="cycle"):
        pipeline.plan_layers(closure, [["popularity_contest"]])


def test_split_paths_main_common_rest() -> None:
    # C's closure is C D E F; the root reaches E and F without C: they are common.
    assert layers([["split_paths", [p("c")]]]) == ["DC", "FE", "GBA"]
    pipe = [["split_paths", [p("c")]], ["over", "common", ["split_every", 1]]]
    assert layers(pipe) == ["DC", "F", "E", "GBA"]


def test_split_paths_children_of_and_empty_parts_dropped() -> None:
    # The children of B are C and E; nothing else reaches them: no common part.
    assert layers([["split_paths", [{"children_of": p("b")}]], ["over", "rest", ["split_every", 1]]]) == [
        "FEDC", "G", "B", "A",
    ]
    with pytest.raises(UserError, match="over 'common': the dict has no such key, only main, rest"):
        pipeline.plan_layers(CLOSURE, [["split_paths", [{"children_of": [p("b")]}]], ["over", "common", ["flatten"]]])


def test_split_paths_of_the_root_or_of_nothing() -> None:
    assert layers([["split_paths", [p("a")]], ["over", "main", ["split_every", 4]]]) == ["GFED", "CBA"]
    assert layers([["split_paths", ["/nix/store/elsewhere"]], ["over", "rest", ["split_every", 4]]]) == ["GFED", "CBA"]


def test_split_paths_with_several_roots() -> None:
    # x -> y, w;  z -> y, v;  y -> w.  Splitting y: w is common (x reaches it).
    refs = {"x": "yw", "z": "yv", "y": "w", "w": "", "v": ""}
    size = {"w": 1, "v": 2, "y": 3, "x": 4, "z": 5}
    closure = Closure({p(n): StorePath(p(n), size[n], tuple(p(r) for r in rs)) for n, rs in refs.items()})
    assert layers([["split_paths", [p("y")]]], closure) == ["Y", "W", "VXZ"]
