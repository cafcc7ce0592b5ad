"""A Nix database in the image root (``includeNixDB``): ``nix/var/nix/db``
registering exactly the image's store closure, so that Nix inside the container
knows the paths it has.

The registration is loaded with the Nix of the tools (``nix-store --load-db``,
with ``USER`` set: newer Nix refuses to run without it), then the registration
times are reset with sqlite3 and the file rewritten (VACUUM, rollback journal)
so the same closure gives the same bytes.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from typing import Any, Iterable

from .errors import UserError


def registration(graph: list[dict[str, Any]], paths: Iterable[str]) -> str:
    """Return the ``nix-store --load-db`` input (the ``--dump-db`` format) for ``paths``."""
    wanted = set(paths)
    lines: list[str] = []
    for node in sorted(graph, key=lambda n: str(n["path"])):
        if node["path"] not in wanted:
            continue
        refs = sorted(r for r in node["references"] if r in wanted)
        lines += [node["path"], node["narHash"], str(node["narSize"]), "", str(len(refs)), *refs]
    return "".join(line + "\n" for line in lines)


def register(root: str, graph: list[dict[str, Any]], paths: list[str], nix_store: str, seconds: int) -> None:
    """Create ``root/nix/var/nix/db`` registering ``paths`` (a closed set)."""
    env = dict(os.environ, USER="nobody", NIX_REMOTE=f"local?root={root}")
    env.pop("NIX_STATE_DIR", None)
    try:
        result = subprocess.run(
            [nix_store, "--load-db"], input=registration(graph, paths), text=True, env=env,
            capture_output=True,
        )
    except OSError as error:
        raise UserError(f"includeNixDB needs nix-store, but {nix_store} cannot run: {error.strerror}") from None
    if result.returncode != 0:
        raise UserError(f"nix-store --load-db failed: {result.stderr.strip()}")
    database = os.path.join(root, "nix", "var", "nix", "db", "db.sqlite")
    connection = sqlite3.connect(database, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=DELETE")
        connection.execute("UPDATE ValidPaths SET registrationTime = ?", (seconds,))
        connection.execute("VACUUM")
    finally:
        connection.close()
    _remove_volatile(root)


def _remove_volatile(root: str) -> None:
    """Drop what Nix leaves that says nothing about the store (locks, temp roots,
    directories named after the build user) and give ``nix`` and ``nix/store``
    the same 0755 as the store layers, so that the image does not depend on
    which machine or build user made it."""
    state_dir = os.path.join(root, "nix", "var", "nix")
    for directory, _, files in os.walk(state_dir):
        for name in files:
            if name.endswith(".lock") or name in ("reserved", "big-lock") or directory.endswith("temproots"):
                os.unlink(os.path.join(directory, name))
    for per_user in ("gcroots/per-user", "profiles/per-user"):
        directory = os.path.join(state_dir, per_user)
        if os.path.isdir(directory):
            shutil.rmtree(directory)
            os.mkdir(directory, 0o755)
    links = os.path.join(root, "nix", "store", ".links")
    if os.path.isdir(links):
        shutil.rmtree(links)
    for directory in (os.path.join(root, "nix"), os.path.join(root, "nix", "store")):
        if os.path.isdir(directory):
            os.chmod(directory, 0o755)


def gc_roots(root: str, roots: list[str]) -> None:
    """Add ``nix/var/nix/gcroots/docker/<name>`` links to the image's roots."""
    directory = os.path.join(root, "nix", "var", "nix", "gcroots", "docker")
    os.makedirs(directory, exist_ok=True)
    for path in roots:
        link = os.path.join(directory, os.path.basename(path))
        if not os.path.lexists(link):
            os.symlink(path, link)
