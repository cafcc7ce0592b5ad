"""nixpkgs' layering pipeline language (``layeringPipeline``), over a closure.

A pipeline is a list of elements ``[name, args...]``; each element is a function
of one value, applied in turn, starting from the whole closure as one graph.
Values are graphs (a set of store paths, with the references among them), lists
of values, and dicts of values (``{"main", "rest"}`` from ``subcomponent_*``).
At the end the value is flattened (dict values in order, lists in order) into
graphs, and each graph becomes one layer, bottom first.

The meaning follows nixpkgs' ``flatten_references_graph`` (which uses igraph and
toolz; this is a standard-library reading of its documented behaviour):

- a graph's paths are in ascending ``narSize`` order (ties: by path), and every
  operation keeps that order (``split_every`` chunks it);
- ``split_paths`` on a graph of several roots works as if one added root
  referred to them all (as nixpkgs does);
- ``remove_paths`` drops paths from the image: they are in no layer;
- paths a pipeline names that are not in the graph are ignored;
- a graph that ends up empty makes no layer (nixpkgs would write an empty one);
- ``limit_layers n`` on n-1 or fewer values keeps them as they are (nixpkgs fails
  there, merging nothing).

Every other path of the closure ends up in exactly one layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Callable, Union

from stowage.store.closure import Closure, heights
from stowage.errors import UserError


@dataclass(frozen=True)
class Graph:
    """Some paths of ``closure``, in layer order; edges are the closure's among them."""

    closure: Closure
    paths: tuple[str, ...]

    @cached_property
    def members(self) -> frozenset[str]:
        return frozenset(self.paths)

    def keep(self, chosen: set[str]) -> "Graph":
        return Graph(self.closure, tuple(p for p in self.paths if p in chosen))

    def references(self, path: str) -> tuple[str, ...]:
        return tuple(r for r in self.closure.paths[path].references if r in self.members)


Value = Union[Graph, list[Any], dict[str, Any]]
Step = Callable[[Value], Value]

KNOWN = (
    "flatten", "limit_layers", "map", "over", "pipe", "popularity_contest",
    "remove_paths", "reverse", "split_every", "split_paths", "subcomponent_in", "subcomponent_out",
)


def _fail(message: str) -> UserError:
    return UserError(f"layeringPipeline: {message}")


def _kind(value: Any) -> str:
    if isinstance(value, Graph):
        return "a graph"
    if isinstance(value, dict):
        return "a dict with keys " + ", ".join(value)
    return "a list"


def _graph(op: str, value: Any, hint: str = "a graph") -> Graph:
    if not isinstance(value, Graph):
        raise _fail(f"{op} needs {hint}, got {_kind(value)}")
    return value


def _list(op: str, value: Any, hint: str) -> list[Any]:
    if not isinstance(value, list):
        raise _fail(f"{op} needs {hint}, got {_kind(value)}")
    return value


def _dict(op: str, value: Any, hint: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(f"{op} needs {hint}, got {_kind(value)}")
    return value


def _path_list(op: str, arg: Any, single_ok: bool = False) -> list[str]:
    if single_ok and isinstance(arg, str):
        return [arg]
    if isinstance(arg, list) and all(isinstance(p, str) for p in arg):
        return list(arg)
    raise _fail(f"{op} takes a list of store paths, got {arg!r}")


def _count(op: str, arg: Any) -> int:
    if isinstance(arg, int) and not isinstance(arg, bool) and arg >= 1:
        return arg
    raise _fail(f"{op} takes a positive integer, got {arg!r}")


def _subcomponent(op: str, arg: Any, downwards: bool) -> Step:
    """main: the paths and what they depend on (out) or what depends on them (in)."""
    starts = _path_list(op, arg)

    def run(value: Value) -> Value:
        graph = _graph(op, value)
        members = set(graph.paths)
        users: dict[str, list[str]] = {p: [] for p in graph.paths}
        for p in graph.paths:
            for r in graph.references(p):
                users[r].append(p)
        seen = {p for p in starts if p in members}
        stack = list(seen)
        while stack:
            p = stack.pop()
            for q in graph.references(p) if downwards else users[p]:
                if q not in seen:
                    seen.add(q)
                    stack.append(q)
        return {"main": graph.keep(seen), "rest": graph.keep(members - seen)}

    return run


def _reach(graph: Graph, starts: set[str], skip: frozenset[str] = frozenset()) -> set[str]:
    """``starts`` and every path reachable from them, not entering ``skip``."""
    seen = set(starts)
    stack = list(starts)
    while stack:
        for q in graph.references(stack.pop()):
            if q not in seen and q not in skip:
                seen.add(q)
                stack.append(q)
    return seen


def _split_targets(arg: Any) -> list[Union[str, tuple[str, ...]]]:
    """split_paths' specs: a path, or {"children_of": a path or paths}."""
    if not isinstance(arg, list):
        raise _fail(f"split_paths takes a list of store paths or {{children_of = ...;}} sets, got {arg!r}")
    specs: list[Union[str, tuple[str, ...]]] = []
    for spec in arg:
        if isinstance(spec, str):
            specs.append(spec)
        elif isinstance(spec, dict) and set(spec) == {"children_of"}:
            specs.append(tuple(_path_list("split_paths' children_of", spec["children_of"], single_ok=True)))
        else:
            raise _fail(f"split_paths takes store paths or {{children_of = ...;}} sets, got {spec!r}")
    return specs


def _split_paths(arg: Any) -> Step:
    """main: the split paths and what only they need; common: what they share with
    the rest; rest: the others. Empty parts are left out."""
    specs = _split_targets(arg)

    def run(value: Value) -> Value:
        graph = _graph("split_paths", value)
        members = set(graph.paths)
        split: set[str] = set()
        for spec in specs:
            if isinstance(spec, str):
                split |= {spec} & members
            else:
                split |= {r for p in spec if p in members for r in graph.references(p)}
        if not split:
            return {"rest": graph}
        referenced = {r for p in graph.paths for r in graph.references(p)}
        tops = members - referenced
        if len(tops) == 1 and tops <= split:
            return {"main": graph}
        off = _reach(graph, split)
        # What the roots reach without entering a split path.
        rest_with_common = _reach(graph, tops - split, frozenset(split))
        common = off & rest_with_common
        parts = {"main": off - common, "common": common, "rest": rest_with_common - common}
        return {k: graph.keep(v) for k, v in parts.items() if v}

    return run


def popularity(graph: Graph) -> list[str]:
    """The paths, most popular first, as nixpkgs' popularity contest ranks them.

    Each path scores, over every route to it from a root of the graph, one plus
    its distance along that route; ties go by name-then-hash.
    """
    memo: dict[str, dict[str, int]] = {}

    def below(path: str) -> dict[str, int]:
        # Scores of the paths beneath `path`, counted from it (iterative post-order).
        stack = [path]
        while stack:
            top = stack[-1]
            pending = [r for r in graph.references(top) if r not in memo]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            if top in memo:
                continue
            score: dict[str, int] = {}
            for child in graph.references(top):
                score[child] = score.get(child, 0) + 1
                for sub, n in memo[child].items():
                    score[sub] = score.get(sub, 0) + n + 1
            memo[top] = score
        return memo[path]

    referenced = {r for p in graph.paths for r in graph.references(p)}
    total: dict[str, int] = {}
    for root in (p for p in graph.paths if p not in referenced):
        total[root] = total.get(root, 0) + 1
        for sub, n in below(root).items():
            total[sub] = total.get(sub, 0) + n + 1

    def name_then_hash(path: str) -> str:
        first, _, rest = path.partition("-")
        return f"{rest}-{first}" if rest else first

    ranked = sorted(total, key=lambda p: (-total[p], name_then_hash(p)))
    # Only a cycle (no root above it) escapes the count: such paths go last.
    return ranked + sorted(p for p in graph.paths if p not in total)


def _popularity_contest(value: Value) -> Value:
    graph = _graph("popularity_contest", value)
    return [Graph(graph.closure, (p,)) for p in popularity(graph)]


def _merge(values: list[Value]) -> Graph:
    graphs = [_graph("limit_layers", g, "a list of graphs") for g in values]
    paths = [p for g in graphs for p in g.paths]
    return Graph(graphs[0].closure, tuple(paths))


def _limit_layers(arg: Any) -> Step:
    n = _count("limit_layers", arg)

    def run(value: Value) -> Value:
        items = _list("limit_layers", value, "a list (e.g. after popularity_contest)")
        if len(items) <= n:
            return list(items)
        return items[: n - 1] + [_merge(items[n - 1 :])]

    return run


def _split_every(arg: Any) -> Step:
    n = _count("split_every", arg)

    def run(value: Value) -> Value:
        graph = _graph("split_every", value)
        return [Graph(graph.closure, graph.paths[i : i + n]) for i in range(0, len(graph.paths), n)]

    return run


def _remove_paths(arg: Any) -> Step:
    drop = set(_path_list("remove_paths", arg, single_ok=True))

    def run(value: Value) -> Value:
        graph = _graph("remove_paths", value)
        return graph.keep(set(graph.paths) - drop)

    return run


def _over(key: Any, inner: Any) -> Step:
    if not isinstance(key, str):
        raise _fail(f"over takes a key (\"main\" or \"rest\") first, got {key!r}")
    apply = compile_element(inner)

    def run(value: Value) -> Value:
        parts = _dict("over", value, "a dict (e.g. after subcomponent_in)")
        if key not in parts:
            raise _fail(f"over {key!r}: the dict has no such key, only {', '.join(parts)}")
        return {k: (apply(v) if k == key else v) for k, v in parts.items()}

    return run


def _map(inner: Any) -> Step:
    apply = compile_element(inner)

    def run(value: Value) -> Value:
        return [apply(v) for v in _list("map", value, "a list")]

    return run


def _reverse(value: Value) -> Value:
    return list(reversed(_list("reverse", value, "a list")))


def flatten(value: Value) -> list[Graph]:
    """The graphs of a value: dict values in order, nested lists in order."""
    if isinstance(value, Graph):
        return [value]
    items = value.values() if isinstance(value, dict) else value
    return [g for item in items for g in flatten(item)]


def _arity(name: str, args: list[Any], count: int) -> None:
    if len(args) != count:
        raise _fail(f"{name} takes {count} argument{'s' if count != 1 else ''}, got {len(args)}: {args!r}")


def compile_element(element: Any) -> Step:
    """The function of one pipeline element, checked before anything runs."""
    if not isinstance(element, list) or not element or element[0] not in KNOWN:
        raise _fail(f"the element {element!r} names no known operation; known: {', '.join(KNOWN)}")
    name, args = element[0], element[1:]
    if name in ("popularity_contest", "flatten", "reverse"):
        _arity(name, args, 0)
        return {"popularity_contest": _popularity_contest, "flatten": flatten, "reverse": _reverse}[name]
    if name == "over":
        _arity(name, args, 2)
        return _over(args[0], args[1])
    _arity(name, args, 1)
    if name == "pipe":
        return compile_pipeline(args[0])
    one: dict[str, Callable[[Any], Step]] = {
        "limit_layers": _limit_layers,
        "split_every": _split_every,
        "remove_paths": _remove_paths,
        "map": _map,
        "split_paths": _split_paths,
        "subcomponent_in": lambda a: _subcomponent("subcomponent_in", a, downwards=False),
        "subcomponent_out": lambda a: _subcomponent("subcomponent_out", a, downwards=True),
    }
    return one[name](args[0])


def compile_pipeline(pipeline: Any) -> Step:
    if not isinstance(pipeline, list):
        raise _fail(f"a pipeline is a list of elements, got {pipeline!r}")
    steps = [compile_element(e) for e in pipeline]

    def run(value: Value) -> Value:
        for step in steps:
            value = step(value)
        return value

    return run


def plan_layers(closure: Closure, pipeline: Any) -> list[list[str]]:
    """The layers (bottom first) the pipeline makes of the closure; empty ones dropped."""
    run = compile_pipeline(pipeline)
    heights(closure)  # refuses a cycle, which the walks below assume away
    order = sorted(closure.paths, key=lambda p: (closure.paths[p].nar_size, p))
    graphs = flatten(run(Graph(closure, tuple(order))))
    layers = [list(g.paths) for g in graphs if g.paths]
    seen: set[str] = set()
    for layer in layers:
        for p in layer:
            assert p not in seen, f"pipeline placed {p} twice"
            seen.add(p)
    return layers
