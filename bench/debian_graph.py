"""Real package graphs for the layering benchmark, from Debian's ``Packages`` files.

Two jobs:

- ``extract``: read ``dists/<suite>/main/binary-amd64/Packages.xz`` (fetched from the
  Debian mirror, or a local file) and keep only what the benchmark's images need:
  for every package of their closures its version, ``Installed-Size`` (KiB) and
  dependencies (``Depends`` and ``Pre-Depends``) resolved to package names. An
  alternative ``a | b`` takes the first that exists (as a package, or as a virtual
  package someone ``Provides``: then the provider first by name). The result is
  ``bench/data/closures-<suite>.json.gz``.
- ``store_graph``: turn that into store paths the way Nix would name them: each
  package's path is a hash of its name, version and its dependencies' paths, so a
  new version changes every path above it. Debian has dependency cycles (libc6 and
  libgcc-s1, perl and its modules); a cycle becomes one path, as Nix would need.

    python3 bench/debian_graph.py extract            # fetch both suites, rewrite data/
    python3 bench/debian_graph.py extract --packages trixie=/tmp/Packages-trixie.xz
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import lzma
import os
import re
import sys
import urllib.request
from dataclasses import dataclass

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
MIRROR = "http://deb.debian.org/debian"
SUITES = ("trixie", "sid")

#: Images the layering was tuned on: name -> root packages.
TUNING = {
    "django": ["python3-django", "gunicorn", "python3-psycopg2"],
    "science": ["python3-scipy", "python3-matplotlib", "python3-pandas", "python3-sklearn"],
    "node": ["nodejs", "npm"],
    "flask": ["python3-flask"],
    "nginx": ["nginx"],
    "postgres": ["postgresql"],
    "redis": ["redis-server"],
    "git": ["git", "openssh-client"],
}

#: Images kept out of the tuning, to check that the figures hold elsewhere.
HOLD_OUT = {
    "rails": ["ruby-rails", "puma"],
    "php": ["php-cli", "php-fpm", "php-mysql"],
    "java": ["default-jre-headless"],
    "golang": ["golang-go"],
    "rust": ["rustc", "cargo"],
    "texlive": ["texlive-latex-base"],
    "imagemagick": ["imagemagick"],
    "ansible": ["ansible-core"],
    "mojo": ["libmojolicious-perl", "starman"],
    "ffmpeg": ["ffmpeg"],
}

IMAGES = {**TUNING, **HOLD_OUT}

_FIELDS = ("Package", "Version", "Installed-Size", "Depends", "Pre-Depends", "Provides")
_NAME = re.compile(r"^\s*([^\s(:\[]+)")


def parse_packages(text: str) -> dict[str, dict[str, str]]:
    """Return the stanzas of a ``Packages`` file by package name (the first one wins)."""
    packages: dict[str, dict[str, str]] = {}
    for stanza in text.split("\n\n"):
        fields: dict[str, str] = {}
        for line in stanza.split("\n"):
            key, sep, value = line.partition(": ")
            if sep and key in _FIELDS:
                fields[key] = value.strip()
        name = fields.get("Package")
        if name and name not in packages:
            packages[name] = fields
    return packages


def _names(field: str) -> list[list[str]]:
    """``a (>= 1), b:any | c`` -> ``[["a"], ["b", "c"]]``."""
    clauses = []
    for clause in field.split(","):
        alternatives = [m.group(1) for alt in clause.split("|") if (m := _NAME.match(alt))]
        if alternatives:
            clauses.append(alternatives)
    return clauses


def resolve(packages: dict[str, dict[str, str]]) -> dict[str, tuple[str, int, list[str]]]:
    """Return every package's (version, Installed-Size, dependency names)."""
    providers: dict[str, list[str]] = {}
    for name, fields in packages.items():
        for provided in _names(fields.get("Provides", "")):
            providers.setdefault(provided[0], []).append(name)

    def pick(alternatives: list[str]) -> str | None:
        for alt in alternatives:
            if alt in packages:
                return alt
            if alt in providers:
                return min(providers[alt])
        return None

    result = {}
    for name, fields in packages.items():
        deps: list[str] = []
        for clause in _names(fields.get("Pre-Depends", "")) + _names(fields.get("Depends", "")):
            chosen = pick(clause)
            if chosen is not None and chosen != name and chosen not in deps:
                deps.append(chosen)
        result[name] = (fields["Version"], int(fields.get("Installed-Size", "0")), sorted(deps))
    return result


def package_closure(graph: dict[str, tuple[str, int, list[str]]], roots: list[str]) -> set[str]:
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        if name not in graph:
            raise SystemExit(f"debian_graph: error: no package {name}; pick another root")
        seen.add(name)
        stack.extend(graph[name][2])
    return seen


def extract(suite: str, source: str | None) -> None:
    """Write ``data/closures-<suite>.json.gz`` from a Packages.xz file or the mirror."""
    if source is None:
        url = f"{MIRROR}/dists/{suite}/main/binary-amd64/Packages.xz"
        with urllib.request.urlopen(url) as response:
            raw = response.read()
    else:
        with open(source, "rb") as handle:
            raw = handle.read()
    graph = resolve(parse_packages(lzma.decompress(raw).decode("utf-8")))
    keep: set[str] = set()
    for roots in IMAGES.values():
        keep |= package_closure(graph, roots)
    doc = {
        "suite": suite,
        "images": IMAGES,
        "packages": {name: list(graph[name]) for name in sorted(keep)},
    }
    os.makedirs(DATA, exist_ok=True)
    path = os.path.join(DATA, f"closures-{suite}.json.gz")
    body = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
    with open(path, "wb") as handle:
        handle.write(gzip.compress(body, 9, mtime=0))
    print(f"{path}: {len(keep)} packages, {os.path.getsize(path)} bytes")


@dataclass(frozen=True)
class Node:
    """One store path: ``name`` (the packages of a cycle joined by ``+``), bytes, refs."""

    path: str
    name: str
    size: int
    references: tuple[str, ...]


def load(suite: str) -> dict:
    with gzip.open(os.path.join(DATA, f"closures-{suite}.json.gz"), "rt", encoding="utf-8") as f:
        return json.load(f)


def _components(deps: dict[str, list[str]]) -> list[list[str]]:
    """Strongly connected components (Tarjan, iterative), dependencies first."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    for start in sorted(deps):
        if start in index:
            continue
        work = [(start, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            children = deps[node]
            if i < len(children):
                work.append((node, i + 1))
                child = children[i]
                if child not in index:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            for child in children:
                if child in on_stack:
                    low[node] = min(low[node], low[child])
            if low[node] == index[node]:
                component = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                out.append(sorted(component))
    return out


def store_graph(packages: dict[str, list], overrides: dict[str, str] | None = None) -> dict[str, Node]:
    """Return store paths by package name (a cycle's packages share one Node).

    ``overrides`` replaces some packages' versions (a library bump)."""
    overrides = overrides or {}
    deps = {name: list(info[2]) for name, info in packages.items()}
    node_of: dict[str, Node] = {}
    for component in _components(deps):
        members = set(component)
        refs = sorted({node_of[d].path for m in component for d in deps[m] if d not in members})
        versions = [overrides.get(m, packages[m][0]) for m in component]
        key = json.dumps([component, versions, refs]).encode()
        name = "+".join(component)
        path = f"/nix/store/{hashlib.sha256(key).hexdigest()[:32]}-{name}-{versions[0]}"
        node = Node(path, name, sum(packages[m][1] for m in component) * 1024, tuple(refs))
        for m in component:
            node_of[m] = node
    return node_of


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["extract"])
    parser.add_argument("--packages", action="append", default=[], metavar="SUITE=FILE",
                        help="read this Packages.xz instead of fetching it")
    args = parser.parse_args(argv)
    local = dict(item.split("=", 1) for item in args.packages)
    for suite in SUITES:
        extract(suite, local.get(suite))
    return 0


if __name__ == "__main__":
    sys.exit(main())
