"""Each build step's builder is the part of python/ it runs (nix/python-source.nix):
a layer's derivation changes with the code that writes layer bytes, and with
nothing else; and every program runs from its part alone."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import NIX_OPTIONS, REPO, nix_eval, require, run

COMMANDS = sorted(p.name for p in (REPO / "python" / "bin").iterdir())
LAUNCHED = ["stowage.cli.stream", "stowage.cli.copy_to_registry", "stowage.cli.load_image", "stowage.cli.nix_prefetch_docker"]

# An image whose store layer is a derivation of its own without building anything
# at evaluation time (an explicit layer), plus its push and its root layer.
IMAGE = """
let
  lib = import {root} {{ }};
  pkg = builtins.derivation {{
    name = "pkg"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo > $out" ];
  }};
  image = lib.streamLayeredImage {{ name = "subset"; tag = "t"; layers = [ [ pkg ] ]; }};
in
{{
  layer = (builtins.head image.storeLayers).drvPath;
  root = image.customisationLayer.drvPath;
  push = image.copyToRegistry.drvPath;
}}
"""


def _drvs(root: Path) -> dict[str, str]:
    return nix_eval(IMAGE.format(root=root))


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "lib"
    shutil.copytree(REPO / "nix", root / "nix")
    shutil.copytree(REPO / "python", root / "python", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "default.nix", root / "default.nix")
    return root


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


def test_a_registry_edit_leaves_the_layer_derivations(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    before = _drvs(root)
    assert before["layer"] == _drvs(REPO)["layer"]  # the copy is the library
    _append(root / "python" / "stowage" / "registry" / "client.py", "\n# an edit of the registry client\n")
    after = _drvs(root)
    assert after["layer"] == before["layer"]
    assert after["root"] == before["root"]
    assert after["push"] != before["push"]  # the edit was seen: the push runs the client


def test_an_edit_of_the_layer_writer_changes_the_layer_derivations(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    before = _drvs(root)
    _append(root / "python" / "stowage" / "layers" / "tarball.py", "\n# an edit of the layer writer\n")
    after = _drvs(root)
    assert after["layer"] != before["layer"]
    assert after["root"] != before["root"]


def _subset(expr: str) -> Path:
    """The store path of a python/ subset, copied into the store."""
    require("nix-instantiate")
    out = run(["nix-instantiate", "--read-write-mode", "--eval", "--json", *NIX_OPTIONS, "-E",
               f'let s = import {REPO}/nix/python-source.nix; in "${{{expr}}}"']).stdout
    return Path(json.loads(out))


@pytest.mark.parametrize("command", COMMANDS)
def test_each_program_runs_from_its_subset(command: str, tmp_path: Path) -> None:
    """Given a request of no known version, each program stops with its own message
    (or its usage), never with an import error: all it imports is in its subset."""
    source = _subset(f's.forCommand "{command}"')
    (tmp_path / ".attrs.json").write_text(json.dumps({"stowage": {"version": 0}, "outputs": {"out": str(tmp_path / "out")}}))
    assert not (source / "python").exists() and (source / "bin" / command).is_file()
    result = subprocess.run(["python3", "-SB", str(source / "bin" / command)], capture_output=True, text=True,
                            stdin=subprocess.DEVNULL, cwd=tmp_path, timeout=60,
                            env={"PATH": "/usr/bin:/bin", "NIX_BUILD_TOP": str(tmp_path)})
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    assert f"{command}: error:" in result.stderr or "usage:" in result.stderr, result.stderr


@pytest.mark.parametrize("module", LAUNCHED)
def test_each_launched_module_imports_from_its_subset(module: str) -> None:
    source = _subset(f's.forModule "{module}"')
    run(["python3", "-SB", "-c", f"import sys; sys.path.insert(0, {str(source)!r}); import {module}"])


def test_a_subset_is_smaller_than_the_tree() -> None:
    layer = _subset('s.forCommand "store-path-to-layer"')
    files = {p.relative_to(layer).as_posix() for p in layer.rglob("*.py")}
    assert "stowage/layers/tarball.py" in files
    assert not any(f.startswith(("stowage/registry/", "stowage/push/", "stowage/formats/")) for f in files), files
