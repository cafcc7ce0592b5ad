"""python/stowage's packages stand in one order, bottom up (docs/architecture.md):
no module imports from a package above its own, and cli/ is imported by nothing
outside it. Read from the import lines, as Python reads them."""

from __future__ import annotations

import ast
from pathlib import Path

STOWAGE = Path(__file__).resolve().parents[2] / "python" / "stowage"
#: The order of docs/architecture.md; "" is the foundation (the modules at the top).
ORDER = ["", "tar", "output", "store", "contract", "image", "supply", "archive", "layers",
         "formats", "devshell", "root", "engine", "registry", "push", "cli"]


def _package(module: str) -> str:
    """The package of ``stowage.<package>.<module>``, or "" for the foundation."""
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and (STOWAGE / parts[1]).is_dir()) else ""


def _imports() -> list[tuple[str, str, str]]:
    """(file, its package, the package it imports) for every stowage import."""
    found = []
    for path in sorted(STOWAGE.rglob("*.py")):
        relative = path.relative_to(STOWAGE.parent).with_suffix("")
        own = _package(".".join(relative.parts))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("stowage"):
                module = str(node.module)
                targets = [f"{module}.{a.name}" for a in node.names] if module == "stowage" else [module]
                found.extend((str(relative), own, _package(t)) for t in targets)
            elif isinstance(node, ast.ImportFrom) and node.level:
                raise AssertionError(f"{relative}: relative import; the project imports absolutely")
    return found


def test_every_package_is_in_the_order() -> None:
    packages = {p.name for p in STOWAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages == set(ORDER) - {""}


def test_no_module_imports_from_a_package_above_its_own() -> None:
    rank = {name: i for i, name in enumerate(ORDER)}
    upward = [(f, own, target) for f, own, target in _imports() if rank[target] > rank[own]]
    assert upward == []
