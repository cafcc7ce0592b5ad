"""The root layer: fakeRootCommands, perms and the Nix database."""

from __future__ import annotations

import sqlite3
import tarfile
from pathlib import Path

import pytest

from conftest import NIX_OPTIONS, PACKAGES, run
from test_layered import IMAGES, archive_bytes, build, docker_load, read_archive

pytestmark = pytest.mark.e2e


def _stat(docker: str, ref: str, *paths: str) -> list[str]:
    script = "stat -c '%n %u:%g %a' " + " ".join(paths)
    return run([docker, "run", "--rm", "--network", "none", ref, "/bin/sh", "-c", script]).stdout.splitlines()


def test_fake_root_commands_and_perms_in_a_layered_image(docker: str) -> None:
    ref = docker_load(docker, "fakeRoot")
    assert _stat(docker, ref, "/home/alice", "/home/bob", "/data", "/data/deep", "/home") == [
        "/home/alice 1000:1000 755",
        "/home/bob 1001:1002 700",
        "/data 2000:2001 750",
        "/data/deep 2000:2001 750",
        "/home 0:0 755",
    ]


def test_fake_root_commands_and_perms_in_build_image(docker: str) -> None:
    ref = docker_load(docker, "biFakeRoot")
    assert _stat(docker, ref, "/home/alice", "/bin") == ["/home/alice 1000:1000 755", "/bin 0:0 711"]


def _database(attr: str, tmp_path: Path) -> sqlite3.Connection:
    manifest, _, tar = read_archive(archive_bytes(attr))
    with tarfile.open(fileobj=tar.extractfile(manifest["Layers"][-1])) as layer:
        data = layer.extractfile("nix/var/nix/db/db.sqlite").read()  # type: ignore[union-attr]
    path = tmp_path / f"{attr}.sqlite"
    path.write_bytes(data)
    return sqlite3.connect(path)


def _closure(*paths: str) -> set[str]:
    out = run(["nix-store", "--query", "--requisites", *paths]).stdout
    return set(out.split())


def test_layered_nix_db_registers_the_image_closure(tmp_path: Path) -> None:
    db = _database("layeredNixDb", tmp_path)
    try:
        valid = {row[0] for row in db.execute("SELECT path FROM ValidPaths")}
        times = {row[0] for row in db.execute("SELECT registrationTime FROM ValidPaths")}
        refs = set(db.execute(
            "SELECT a.path, b.path FROM Refs JOIN ValidPaths a ON a.id = Refs.referrer "
            "JOIN ValidPaths b ON b.id = Refs.reference"))
    finally:
        db.close()
    # contents (busybox, app) and what config mentions (hello), with their closures.
    expected = _closure(str(build("app")), *_store_paths_of("busybox"), *_store_paths_of("hello"))
    assert valid == expected
    assert times == {1}
    app = str(build("app"))
    lib_b = next(p for p in valid if p.endswith("-lib-b"))
    assert (app, lib_b) in refs


def _store_paths_of(package: str) -> list[str]:
    expr = f'{PACKAGES}.{package}'
    return [run(["nix-build", "--no-out-link", *NIX_OPTIONS, "-E", expr]).stdout.strip()]


def test_build_image_nix_db_registers_what_is_in_the_image(tmp_path: Path) -> None:
    db = _database("biNixDb", tmp_path)
    try:
        valid = {row[0] for row in db.execute("SELECT path FROM ValidPaths")}
    finally:
        db.close()
    assert {p.split("-", 1)[1] for p in valid} == {"lib-a", "lib-b"}


def test_nix_db_images_rebuild_bit_for_bit() -> None:
    for attr in ("layeredNixDb.customisationLayer", "biNixDb.layer", "fakeRoot.customisationLayer"):
        run(["nix-build", "--no-out-link", *NIX_OPTIONS, str(IMAGES), "-A", attr])
        run(["nix-build", "--no-out-link", *NIX_OPTIONS, str(IMAGES), "-A", attr, "--check"])
