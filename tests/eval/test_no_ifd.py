"""The defaults need no import from derivation: Hydra, nixpkgs' CI and `nix flake
check` of another system refuse it (`allow-import-from-derivation = false`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import NIX_OPTIONS, require, run

CASES = Path(__file__).resolve().parent / "no-ifd.nix"
NO_IFD = ["--option", "allow-import-from-derivation", "false"]


def _instantiate(*args: str, check: bool = True) -> tuple[int, str, str]:
    require("nix-instantiate")
    expr = f"builtins.attrValues (import {CASES} {{ {' '.join(args)} }})"
    result = run(["nix-instantiate", *NIX_OPTIONS, *NO_IFD, "-E", expr], check=check)
    return result.returncode, result.stdout, result.stderr


@pytest.mark.parametrize("system", ["x86_64-linux", "aarch64-linux"])
def test_every_builder_instantiates_without_import_from_derivation(system: str) -> None:
    _, out, _ = _instantiate(f'system = "{system}";')
    derivations = out.split()
    assert len(derivations) >= 50 and all(d.endswith(".drv") for d in derivations)


def test_cached_layers_are_the_import_from_derivation() -> None:
    """The opt-in that needs it is refused, so the test above can fail."""
    status, _, err = _instantiate("extra.cachedLayers = true;", check=False)
    assert status != 0 and "allow-import-from-derivation" in err, err
