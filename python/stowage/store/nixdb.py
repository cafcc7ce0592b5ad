"""A Nix database in the image root (``includeNixDB``): ``nix/var/nix/db``
registering exactly the image's store closure, so that Nix inside the container
knows the paths it has.

The registration is loaded with the Nix of the tools (``nix-store --load-db``,
with ``USER`` set: newer Nix refuses to run without it), then the registration
times are reset with sqlite3 and the file rewritten (VACUUM, rollback journal)
so the same closure gives the same bytes.

All of that happens in a fresh directory of the build's own, never in the image
root: a package of ``contents`` may bring ``nix/var`` as a symlink (to the build
machine's ``/nix/var``, say), and Nix and sqlite would follow it. The finished
state is then copied into the root, refusing any directory on the way that is a
symlink and replacing (never writing through) the files already there.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import tempfile
from typing import Iterable, Sequence

from stowage.errors import UserError
from stowage.store.closure import GraphNode


def registration(graph: Sequence[GraphNode], paths: Iterable[str]) -> str:
    """Return the ``nix-store --load-db`` input (the ``--dump-db`` format) for ``paths``."""
    wanted = set(paths)
    lines: list[str] = []
    for node in sorted(graph, key=lambda n: n.path.encode()):
        if node.path not in wanted:
            continue
        refs = sorted(r for r in node.references if r in wanted)
        lines += [node.path, node.nar_hash, str(node.nar_size), "", str(len(refs)), *refs]
    return "".join(line + "\n" for line in lines)


def register(
    root: str, graph: Sequence[GraphNode], paths: list[str], *, nix_store: str, seconds: int, scratch: str
) -> None:
    """Create ``root/nix/var/nix/db`` registering ``paths`` (a closed set); the
    database is made in a new directory under ``scratch``, then copied in."""
    fresh = tempfile.mkdtemp(prefix="nixdb-", dir=scratch)
    _load(fresh, registration(graph, paths), nix_store)
    database = os.path.join(fresh, "nix", "var", "nix", "db", "db.sqlite")
    connection = sqlite3.connect(database, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=DELETE")
        connection.execute("UPDATE ValidPaths SET registrationTime = ?", (seconds,))
        connection.execute("VACUUM")
    finally:
        connection.close()
    _remove_volatile(fresh)
    _relocate_links(fresh)
    _install(os.path.join(fresh, "nix"), os.path.join(root, "nix"), root)
    shutil.rmtree(fresh)


def _load(fresh: str, dump: str, nix_store: str) -> None:
    """Run ``nix-store --load-db`` on a store rooted at ``fresh``."""
    env = dict(os.environ, USER="nobody", NIX_REMOTE=f"local?root={fresh}")
    env.pop("NIX_STATE_DIR", None)
    try:
        result = subprocess.run([nix_store, "--load-db"], input=dump, text=True, env=env, capture_output=True)
    except OSError as error:
        raise UserError(f"includeNixDB needs nix-store, but {nix_store} cannot run: {error.strerror}") from None
    if result.returncode != 0:
        raise UserError(f"nix-store --load-db failed: {result.stderr.strip()}")


def _relocate_links(fresh: str) -> None:
    """Point the links Nix made into ``fresh`` (``gcroots/profiles``) at the same
    place in the image: the build directory's name must not reach the image."""
    for directory, dirs, files in os.walk(fresh):
        for name in dirs + files:  # a link to a directory is listed in dirs
            path = os.path.join(directory, name)
            target = os.readlink(path) if os.path.islink(path) else ""
            if target.startswith(fresh + "/"):
                os.unlink(path)
                os.symlink(target[len(fresh):], path)


def _install(source: str, target: str, root: str) -> None:
    """Copy the tree ``source`` to ``target``: new directories keep their mode,
    files replace what is there; a symlink where a directory goes is refused."""
    if os.path.islink(target) or (os.path.lexists(target) and not os.path.isdir(target)):
        raise UserError(
            f"includeNixDB: /{os.path.relpath(target, root)} in the image root is not a directory, "
            "so the Nix database cannot go below it; remove it from contents"
        )
    if not os.path.lexists(target):
        os.mkdir(target, stat.S_IMODE(os.lstat(source).st_mode))
    for name in sorted(os.listdir(source)):
        src, dst = os.path.join(source, name), os.path.join(target, name)
        if os.path.isdir(src) and not os.path.islink(src):
            _install(src, dst, root)
            continue
        if os.path.isdir(dst) and not os.path.islink(dst):
            shutil.rmtree(dst)
        elif os.path.lexists(dst):
            os.unlink(dst)
        if os.path.islink(src):
            os.symlink(os.readlink(src), dst)
        else:
            _copy_file(src, dst)


def _copy_file(src: str, dst: str) -> None:
    """Copy a regular file to a new name (``O_EXCL``: never through a link)."""
    mode = stat.S_IMODE(os.lstat(src).st_mode)
    fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    with open(src, "rb") as reader, os.fdopen(fd, "wb") as writer:
        shutil.copyfileobj(reader, writer)
    os.chmod(dst, mode)


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
        if os.path.isdir(directory) and not os.path.islink(directory):
            os.chmod(directory, 0o755)


def gc_roots(root: str, roots: list[str]) -> None:
    """Add ``nix/var/nix/gcroots/docker/<name>`` links to the image's roots."""
    directory = os.path.join(root, "nix", "var", "nix", "gcroots", "docker")
    os.makedirs(directory, exist_ok=True)
    for path in roots:
        link = os.path.join(directory, os.path.basename(path))
        if not os.path.lexists(link):
            os.symlink(path, link)
