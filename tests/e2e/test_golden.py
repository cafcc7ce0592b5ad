"""Golden digests: the exact sha256 of every kind of output the library writes.

`nix-build --check` only finds bytes that change from one build to the next; these
find bytes that change from one version of the code to the next. The images of
tests/e2e/golden.nix are made only of files written from literal text by
`/bin/sh` and `builtins.toFile` (no compiled binary, no copied host file), have
fixed tags and times, and hold no store path made by the library's own code, so
their digests are the same on every machine of one system and do not move when
unrelated Python code changes (only host mode: pkgs mode has other store paths).

When a change of output bytes is intended, regenerate the table and give the
reason in the commit message:

    STOWAGE_GOLDEN_UPDATE=1 tests/run -k golden

which rewrites tests/golden.json and prints what changed.
"""

from __future__ import annotations

import difflib
import gzip
import hashlib
import json
import os
import re
import sys
import subprocess
from functools import lru_cache
from pathlib import Path

import pytest

from conftest import NIX_OPTIONS, REPO, host_mode_only, nix_eval, require, run

pytestmark = [
    pytest.mark.e2e,
    # The recorded bytes are those of packages written by the host's /bin/sh and
    # coreutils (host mode's script); nixpkgs mode's packages are other store paths.
    host_mode_only("the golden images are made of host-mode packages"),
]

GOLDEN_NIX = REPO / "tests" / "e2e" / "golden.nix"
TABLE = REPO / "tests" / "golden.json"
UPDATE = os.environ.get("STOWAGE_GOLDEN_UPDATE", "") not in ("", "0")

# The test's own packages: the only store paths an image's bytes may name.
PACKAGES = {"golden-app", "golden-lib-a", "golden-lib-b", "golden-note.txt", "golden-etc-note"}


def _system() -> str:
    return str(nix_eval("builtins.currentSystem"))


@lru_cache(maxsize=None)
def _outputs() -> dict[str, Path]:
    """Every golden image, built: attribute name -> output path."""
    require("nix-build")
    run(["nix-build", "--no-out-link", *NIX_OPTIONS, str(GOLDEN_NIX)])
    paths = nix_eval(f"builtins.mapAttrs (_: v: v.outPath) (import {GOLDEN_NIX} {{ }})")
    return {name: Path(path) for name, path in paths.items()}


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sha256_tree(root: Path) -> str:
    """One digest for a directory: its files' relative paths and digests, sorted."""
    lines = [f"{p.relative_to(root).as_posix()} {_sha256_file(p)}\n"
             for p in sorted(root.rglob("*")) if p.is_file()]
    assert lines, f"{root} holds no file"
    return hashlib.sha256("".join(lines).encode()).hexdigest()


def _sha256_stream(script: Path) -> str:
    result = subprocess.run([str(script), "--quiet"], capture_output=True, check=True)
    return hashlib.sha256(result.stdout).hexdigest()


def _digest(name: str, out: Path) -> str:
    if out.is_dir():
        return _sha256_tree(out)
    if name.startswith("stream"):
        return _sha256_stream(out)
    return _sha256_file(out)


@lru_cache(maxsize=None)
def _digests() -> dict[str, str]:
    """The digests of this checkout's outputs, for this machine's system."""
    return {name: _digest(name, out) for name, out in sorted(_outputs().items())}


def _table() -> dict[str, dict[str, str]]:
    return json.loads(TABLE.read_text()) if TABLE.exists() else {}


def _write_table(system: str, digests: dict[str, str]) -> str:
    """Rewrite the table for `system`; return what changed, as a unified diff."""
    table = _table()
    old = json.dumps(table.get(system, {}), indent=2, sort_keys=True).splitlines()
    new = json.dumps(digests, indent=2, sort_keys=True).splitlines()
    table[system] = digests
    TABLE.write_text(json.dumps(table, indent=2, sort_keys=True) + "\n")
    diff = "\n".join(difflib.unified_diff(old, new, f"{TABLE.name} (was)", f"{TABLE.name} (now)", lineterm=""))
    return f"{TABLE}: {system}: " + (f"updated\n{diff}" if diff else "unchanged")


@pytest.fixture(scope="module")
def golden(pytestconfig: pytest.Config) -> tuple[dict[str, str], dict[str, str]]:
    """(expected, actual) digests for this machine's system."""
    system = _system()
    actual = _digests()
    if UPDATE:
        report = _write_table(system, actual)
        capture = pytestconfig.pluginmanager.get_plugin("capturemanager")
        with capture.global_and_fixture_disabled():
            print("\n" + report, file=sys.stderr)
    expected = _table().get(system)
    if expected is None:
        pytest.fail(f"{TABLE} has no digests for {system}; run STOWAGE_GOLDEN_UPDATE=1 tests/run -k golden "
                    "on such a machine and commit the table")
    return expected, actual


def test_table_lists_exactly_the_golden_images(golden: tuple[dict[str, str], dict[str, str]]) -> None:
    expected, actual = golden
    assert sorted(expected) == sorted(actual), (
        f"{TABLE} and {GOLDEN_NIX} name different images; run STOWAGE_GOLDEN_UPDATE=1 tests/run -k golden")


@pytest.mark.parametrize("name", ["layeredNone", "layeredGz", "stream", "layeredCached", "streamCached", "buildImage",
                                  "chainBuildImage", "chainLayered", "merged", "exported", "ociLayout", "ociArchive"])
def test_output_bytes_are_the_golden_ones(name: str, golden: tuple[dict[str, str], dict[str, str]]) -> None:
    expected, actual = golden
    assert name in actual, f"{GOLDEN_NIX} has no image {name}"
    assert actual[name] == expected.get(name), (
        f"the bytes of {name} ({GOLDEN_NIX.name}) changed: sha256 {actual[name]}, "
        f"{TABLE.name} says {expected.get(name)}. If the change is intended, run "
        "STOWAGE_GOLDEN_UPDATE=1 tests/run -k golden and give the reason in the commit; "
        "otherwise the change altered output bytes it should not have")


def test_recorded_layers_give_the_same_bytes(golden: tuple[dict[str, str], dict[str, str]]) -> None:
    _, actual = golden
    assert actual["layeredCached"] == actual["layeredNone"] and actual["streamCached"] == actual["stream"]


def test_golden_images_hold_no_store_path_made_by_library_code() -> None:
    """Only the test's own packages may appear in the bytes, so that a change of the
    library's Python code alone cannot move a digest (store paths of build steps
    depend on that code)."""
    seen: set[str] = set()
    for name, out in _outputs().items():
        files = sorted(p for p in out.rglob("*") if p.is_file()) if out.is_dir() else [out]
        data = b"".join(p.read_bytes() for p in files)
        if name == "layeredGz":
            data = gzip.decompress(data)
        elif name.startswith("stream"):
            data = subprocess.run([str(out), "--quiet"], capture_output=True, check=True).stdout
        found = {m.decode().split("-", 1)[1] for m in re.findall(rb"nix/store/[0-9a-z]{32}-[A-Za-z0-9._+-]+", data)}
        assert found <= PACKAGES, f"{name} holds store paths other than the test's packages: {sorted(found - PACKAGES)}"
        seen |= found
    assert "golden-app" in seen, "no image names a store path: this check would see nothing"
