"""Grouping store paths into layers (stowage.layers.grouping)."""

from __future__ import annotations

import hashlib
import random

import pytest

from stowage.layers import grouping as layering
from stowage.store.closure import Closure, StorePath

MB = 1 << 20

# name: references (by name). Shared by every image below, like a stdenv runtime.
BASE = {
    "glibc-2.38": [],
    "gcc-13.2.0-lib": ["glibc-2.38"],
    "zlib-1.3": ["glibc-2.38"],
    "bzip2-1.0.8": ["glibc-2.38"],
    "xz-5.4.5": ["glibc-2.38"],
    "attr-2.5.1": ["glibc-2.38"],
    "acl-2.3.1": ["glibc-2.38", "attr-2.5.1"],
    "gmp-6.3.0": ["glibc-2.38", "gcc-13.2.0-lib"],
    "libunistring-1.1": ["glibc-2.38"],
    "libidn2-2.3.4": ["glibc-2.38", "libunistring-1.1"],
    "ncurses-6.4": ["glibc-2.38"],
    "readline-8.2p7": ["glibc-2.38", "ncurses-6.4"],
    "bash-5.2p21": ["glibc-2.38"],
    "coreutils-9.4": ["glibc-2.38", "acl-2.3.1", "attr-2.5.1", "gmp-6.3.0"],
    "openssl-3.0.12": ["glibc-2.38"],
    "libffi-3.4.4": ["glibc-2.38"],
    "expat-2.5.0": ["glibc-2.38"],
    "sqlite-3.44.0": ["glibc-2.38", "zlib-1.3", "readline-8.2p7", "ncurses-6.4"],
    "gdbm-1.23": ["glibc-2.38", "readline-8.2p7"],
    "tzdata-2023c": [],
    "mailcap-2.1.53": [],
    "iana-etc-20231117": [],
    "nss-cacert-3.95": [],
    "curl-8.4.0": ["glibc-2.38", "openssl-3.0.12", "zlib-1.3", "libidn2-2.3.4", "nss-cacert-3.95"],
}

PYTHON_APP = {
    "python3-3.11.6": [
        "glibc-2.38", "bzip2-1.0.8", "xz-5.4.5", "zlib-1.3", "openssl-3.0.12", "libffi-3.4.4",
        "expat-2.5.0", "sqlite-3.44.0", "gdbm-1.23", "readline-8.2p7", "ncurses-6.4",
        "tzdata-2023c", "mailcap-2.1.53", "bash-5.2p21",
    ],
    **{
        f"python3.11-{lib}": ["python3-3.11.6"]
        for lib in ("idna-3.4", "certifi-2023.7.22", "urllib3-2.0.7", "markupsafe-2.1.3",
                    "click-8.1.7", "itsdangerous-2.1.2", "blinker-1.7.0")
    },
    "python3.11-requests-2.31.0": ["python3-3.11.6", "python3.11-idna-3.4",
                                   "python3.11-certifi-2023.7.22", "python3.11-urllib3-2.0.7"],
    "python3.11-jinja2-3.1.2": ["python3-3.11.6", "python3.11-markupsafe-2.1.3"],
    "python3.11-werkzeug-3.0.1": ["python3-3.11.6", "python3.11-markupsafe-2.1.3"],
    "python3.11-flask-3.0.0": ["python3-3.11.6", "python3.11-jinja2-3.1.2",
                               "python3.11-werkzeug-3.0.1", "python3.11-click-8.1.7",
                               "python3.11-itsdangerous-2.1.2", "python3.11-blinker-1.7.0"],
    # An application refers to all of the base (as a buildEnv of it would), so the
    # base paths are not roots of the graph.
    "webapp-1.0": ["python3.11-flask-3.0.0", "python3.11-requests-2.31.0", *BASE],
}

NODE_APP = {
    "icu4c-73.2": ["glibc-2.38", "gcc-13.2.0-lib"],
    "libuv-1.46.0": ["glibc-2.38"],
    "c-ares-1.19.1": ["glibc-2.38"],
    "nghttp2-1.57.0-lib": ["glibc-2.38"],
    "brotli-1.1.0-lib": ["glibc-2.38"],
    "nodejs-20.9.0": ["glibc-2.38", "gcc-13.2.0-lib", "icu4c-73.2", "libuv-1.46.0", "c-ares-1.19.1",
                      "nghttp2-1.57.0-lib", "brotli-1.1.0-lib", "openssl-3.0.12", "zlib-1.3",
                      "bash-5.2p21"],
    "node-modules-express": ["nodejs-20.9.0"],
    "api-2.3": ["nodejs-20.9.0", "node-modules-express", *BASE],
}


def store_path(name: str, salt: str = "") -> str:
    digest = hashlib.sha256((salt + name).encode()).hexdigest()[:32]
    return f"/nix/store/{digest}-{name}"


def make_closure(
    graph: dict[str, list[str]],
    *,
    sizes: dict[str, int] | None = None,
    salts: dict[str, str] | None = None,
) -> Closure:
    """A closure of ``graph`` (names); ``salts`` changes the hash of some paths."""
    salts = salts or {}
    path = {name: store_path(name, salts.get(name, "")) for name in graph}
    return Closure(
        {
            path[name]: StorePath(
                path[name], (sizes or {}).get(name, MB), tuple(sorted(path[r] for r in refs))
            )
            for name, refs in graph.items()
        }
    )


def names(groups: list[list[str]]) -> list[list[str]]:
    return [[p.split("-", 1)[1] for p in group] for group in groups]


WEBAPP = {**BASE, **PYTHON_APP}
API = {**BASE, **NODE_APP}


def valid(closure: Closure, groups: list[list[str]], budget: int) -> None:
    assert sorted(p for g in groups for p in g) == sorted(closure.paths)
    assert 1 <= len(groups) <= budget
    assert all(groups)


@pytest.mark.parametrize("budget", [1, 2, 3, 5, 8, 12, 20, 40, 100])
@pytest.mark.parametrize("graph", [WEBAPP, API], ids=["webapp", "api"])
def test_every_path_once_within_budget(graph: dict[str, list[str]], budget: int) -> None:
    closure = make_closure(graph)
    valid(closure, layering.plan_layers(closure, budget), budget)


def test_budget_one_makes_one_group() -> None:
    closure = make_closure(WEBAPP)
    assert sorted(layering.plan_layers(closure, 1)[0]) == sorted(closure.paths)


def test_a_budget_large_enough_gives_each_path_its_own_group() -> None:
    closure = make_closure(WEBAPP)
    groups = layering.plan_layers(closure, len(WEBAPP))
    assert groups == [[p] for p in layering.ordered(closure)]


@pytest.mark.parametrize("budget", [5, 12, 20])
def test_the_budget_is_used(budget: int) -> None:
    closure = make_closure({**WEBAPP, **NODE_APP})
    assert len(layering.plan_layers(closure, budget)) >= 0.9 * budget


def test_a_budget_below_one_is_a_bug() -> None:
    with pytest.raises(ValueError, match="at least one layer"):
        layering.plan_layers(make_closure(WEBAPP), 0)


def test_the_order_of_the_graph_does_not_matter() -> None:
    forward = make_closure(WEBAPP)
    backward = Closure(dict(reversed(list(forward.paths.items()))))
    for budget in (3, 10):
        assert layering.plan_layers(forward, budget) == layering.plan_layers(backward, budget)
        assert layering.plan_layers(forward, budget) == layering.plan_layers(forward, budget)


def test_heavy_paths_stand_alone_first() -> None:
    # Weight is size times (users + 1): a big runtime, and the library all use.
    sizes = {"python3-3.11.6": 80 * MB, "python3.11-flask-3.0.0": 40 * MB}
    closure = make_closure(WEBAPP, sizes=sizes)
    groups = names(layering.plan_layers(closure, 6))
    assert ["python3-3.11.6"] in groups
    assert ["python3.11-flask-3.0.0"] in groups
    assert ["glibc-2.38"] in groups  # 1 MB, but every other path uses it


def test_roots_stand_alone_when_the_budget_allows() -> None:
    graph = {**WEBAPP, **NODE_APP}  # two roots: webapp and api
    groups = names(layering.plan_layers(make_closure(graph), 10))
    assert ["webapp-1.0"] in groups
    assert ["api-2.3"] in groups


def test_every_layer_says_why_its_paths_are_together() -> None:
    closure = make_closure({**WEBAPP, **NODE_APP})
    layers = layering.explain_layers(closure, 12)
    assert [list(layer.paths) for layer in layers] == layering.plan_layers(closure, 12)
    for layer in layers:
        if len(layer.paths) == 1:
            assert layer.reason.startswith(("own layer: ", "1 small path ("))
        else:
            assert layer.reason.startswith(f"{len(layer.paths)} small paths (")
    assert any("root of the closure" in layer.reason for layer in layers)


def unchanged(before: list[list[str]], after: list[list[str]], changed: set[str]) -> None:
    """Every group free of ``changed`` paths is in both plans."""
    keep_before = [g for g in before if not changed & set(g)]
    keep_after = [g for g in after if not changed & set(g)]
    assert keep_before == keep_after


@pytest.mark.parametrize("budget", [2, 4, 8, 12, 20])
def test_a_new_application_version_changes_only_its_own_group(budget: int) -> None:
    old = make_closure(WEBAPP)
    graph = dict(WEBAPP)
    graph["webapp-1.1"] = graph.pop("webapp-1.0")
    new = make_closure(graph)
    changed = {store_path("webapp-1.0"), store_path("webapp-1.1")}
    before, after = layering.plan_layers(old, budget), layering.plan_layers(new, budget)
    unchanged(before, after, changed)
    assert [store_path("webapp-1.1")] in after  # alone: the change rewrites 1 MB


@pytest.mark.parametrize("budget", [4, 8, 12, 20])
def test_a_rebuilt_library_changes_only_the_groups_of_it_and_its_users(budget: int) -> None:
    # A patched markupsafe (same name, new hash) gives its users new hashes too.
    rebuilt = ["python3.11-markupsafe-2.1.3", "python3.11-jinja2-3.1.2",
               "python3.11-werkzeug-3.0.1", "python3.11-flask-3.0.0", "webapp-1.0"]
    old = make_closure(WEBAPP)
    new = make_closure(WEBAPP, salts={name: "patched" for name in rebuilt})
    changed = set(old.paths) ^ set(new.paths)
    assert len(changed) == 2 * len(rebuilt)
    unchanged(layering.plan_layers(old, budget), layering.plan_layers(new, budget), changed)


@pytest.mark.parametrize("budget", [8, 12, 20])
def test_an_unrelated_path_changes_only_the_group_it_lands_in(budget: int) -> None:
    # A small path only the application uses (another of its own modules).
    old = make_closure(WEBAPP)
    graph = dict(WEBAPP)
    graph["webapp-static-1.0"] = ["glibc-2.38"]
    graph["webapp-1.0"] = [*graph["webapp-1.0"], "webapp-static-1.0"]
    new = make_closure(graph, sizes={"webapp-static-1.0": 100_000})
    before, after = layering.plan_layers(old, budget), layering.plan_layers(new, budget)
    changed = {store_path("webapp-static-1.0"), store_path("webapp-1.0")}
    landed = next(set(g) for g in after if store_path("webapp-static-1.0") in g)
    unchanged(before, after, changed | landed)


def test_images_on_a_shared_base_share_its_heavy_layers() -> None:
    sizes = {"glibc-2.38": 30 * MB, "openssl-3.0.12": 6 * MB, "python3-3.11.6": 60 * MB,
             "nodejs-20.9.0": 70 * MB, "icu4c-73.2": 35 * MB}
    budget = 12
    webapp = layering.plan_layers(make_closure(WEBAPP, sizes=sizes), budget)
    api = layering.plan_layers(make_closure(API, sizes=sizes), budget)
    common = [g for g in webapp if g in api]
    for name in ("glibc-2.38", "openssl-3.0.12", "zlib-1.3"):
        assert [store_path(name)] in common, name


def generated(count: int, seed: int) -> Closure:
    """A random DAG of ``count`` paths with heavy-tailed sizes."""
    rng = random.Random(seed)
    made: list[str] = []
    paths = {}
    for i in range(count):
        refs = tuple(sorted(set(rng.sample(made, min(len(made), rng.randint(0, 6))))))
        path = store_path(f"p{i}")
        paths[path] = StorePath(path, int(rng.paretovariate(1.2) * 20_000), refs)
        made.append(path)
    return Closure(paths)


@pytest.mark.parametrize("budget", [1, 39, 99, 127])
def test_a_2000_path_graph_gets_a_valid_plan(budget: int) -> None:
    closure = generated(2000, seed=budget)
    groups = layering.plan_layers(closure, budget)
    valid(closure, groups, budget)
    assert len(groups) >= 0.9 * budget


@pytest.mark.parametrize("seed", range(40))
def test_random_graphs_use_the_whole_budget(seed: int) -> None:
    rng = random.Random(seed)
    closure = generated(rng.randint(1, 150), seed)
    budget = rng.randint(1, 60)
    groups = layering.plan_layers(closure, budget)
    valid(closure, groups, budget)
    assert len(groups) == min(budget, len(closure.paths))


def test_more_roots_than_layers() -> None:
    graph = {"glibc": [], "zlib": ["glibc"], **{f"tool{i}": ["glibc", "zlib"] for i in range(6)}}
    closure = make_closure(graph)
    for budget in (1, 2, 3, 6):
        groups = layering.plan_layers(closure, budget)
        valid(closure, groups, budget)
        assert len(groups) == budget
