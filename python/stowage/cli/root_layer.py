"""Builder of a root layer: the image root (``contents`` linked or copied, then
``extraCommands``) written as a layer tar, with its digest and size recorded.
It is the customisation layer of the layered builders, and buildImage's one new
layer (which also carries the store closure of what it copied).

Reads the build's structured attribute ``stowage`` (version 2; version 1 had no runAsRoot, chroot, rootShell)::

    {"version": 2, "contents": [paths], "merge": "link" | "copy", "keepDirlinks": bool,
     "extraCommands": str, "shell": path, "path": PATH for the commands,
     "mtime": RFC 3339 time, or "now" (then 1970-01-01T00:00:01Z: the layer is built once),
     "owner": {"uid": int, "gid": int},
     "storeClosure": bool, "fromImage": path or null, "fromImageTag": "name:tag" or null,
     "storeDir": path,
     "fakeRootCommands": str, "fakeroot": path, "perms": [rules, see stowage.root.perms],
     "nixDb": bool, "nixStore": path, "nixDbExclude": [paths], "python": path,
     "runAsRoot": str or null, "chroot": bool,
     "rootShell": {"shell": path, "path": PATH} or {"busybox": path} or null}

The structured attribute ``closure`` is Nix's references graph of ``contents``
(and, for the Nix database, of the image's config file). With ``storeClosure``,
the closure of what the copied items refer to is added under the store
directory, except the store paths ``fromImage`` already has. With ``nixDb``, the
closure minus ``nixDbExclude`` is registered in ``nix/var/nix/db``.

``fakeRootCommands`` run under fakeroot after ``extraCommands``; the layer is
then written inside the same fakeroot session (this program again, with
``--pack``), so owners set with chown reach the layer.

``runAsRoot`` (buildImage) and ``chroot`` (enableFakechroot) need the image
root as ``/`` (see stowage.root.session): the whole build then runs as one
session (this program again, with ``--session``; under fakeroot unless the
build runs as root). With ``runAsRoot``, ``fromImage``'s layers are unpacked
first (its store paths that the build's store lacks into ``base-store``, seen
beside the build's at the store directory: stowage.root.store_view), the
script runs after ``contents`` are copied, and the layer is the difference
from the unpacked base (stowage.root.diff). ``rootShell`` is the
shell the scripts run with inside the root: a store shell and its PATH, or (in
host mode) a static busybox that is put in the root for the script's time.

Writes ``$out/layer.tar``, ``$out/layer.json`` (``{"diffId", "size"}``) and
``$out/contents`` (the items, one per line: keeps them in the image's closure
even when an item adds no file).
"""

from __future__ import annotations

import json
import os
import posixpath
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any, Optional

from stowage.store import closure, nixdb
from stowage.archive import docker_archive
from stowage.layers import tarball as layer
from stowage.root import perms, session as root_session, tree as root_tree, diff as tree_diff, unpack
from stowage.errors import UserError
from stowage.formats import export as flatten
from stowage.contract.jsondoc import fields, optional_str, read_attrs, versioned
from stowage.layers.tarball import Entry
from stowage.output.sink import HashingSink, fd_output
from stowage.tar.headers import Stamp
from stowage.timestamps import NOW, epoch_seconds
from stowage.cli.common import output_path, run

PROGRAM = "root-layer"
#: Where host mode's busybox sits in the root while a script runs.
_TOOLS = ".stowage-tools"
#: The date scripts that see the image root as / get when the build sets none:
#: nixpkgs' stdenv's (1980-01-01), rather than the clock.
_SOURCE_DATE_EPOCH = "315532800"
VERSION = 2
_KEYS = {
    "version", "contents", "merge", "keepDirlinks", "extraCommands", "shell", "path", "mtime",
    "owner", "storeClosure", "fromImage", "storeDir", "fakeRootCommands", "fakeroot", "perms",
    "nixDb", "nixStore", "nixDbExclude", "python", "fromImageTag", "runAsRoot", "chroot", "rootShell",
}


def _run_commands(what: str, command: list[str], path: str, root: str) -> None:
    env = dict(os.environ, PATH=path)
    try:
        status = subprocess.run(command, cwd=root, env=env).returncode
    except OSError as error:
        raise UserError(f"{what} cannot run {command[0]}: {error.strerror}") from None
    if status != 0:
        raise UserError(f"{what} failed with exit status {status}")


def _base_store_paths(path: Optional[str], tag: Optional[str], store_dir: str) -> set[str]:
    """Store paths that the layers of the image in ``path`` already hold."""
    if path is None:
        return set()
    found: set[str] = set()
    store = store_dir.strip("/")
    with docker_archive.open_archive(path) as archive:
        for layer_tar in flatten.open_layers(archive, tag):  # each checked against its diff_id
            with layer_tar:
                for name in layer_tar.getnames():
                    relative = posixpath.normpath("/" + name).lstrip("/")
                    parent, _, base = relative.rpartition("/")
                    if parent == store and base:
                        found.add("/" + relative)
    return found


def _store_paths(graph: Any, contents: list[str], exclude: set[str]) -> list[str]:
    """The closure of what ``contents`` refer to, minus ``exclude``."""
    paths = closure.parse_graph(graph)
    start = [r for item in contents if item in paths.paths for r in paths.paths[item].references]
    start += [item for item in contents if item in paths.paths and _self_referencing(graph, item)]
    seen: set[str] = set()
    while start:
        path = start.pop()
        if path not in seen:
            seen.add(path)
            start.extend(paths.paths[path].references)
    return sorted(seen - exclude)


def _self_referencing(graph: Any, path: str) -> bool:
    return any(node["path"] == path and path in node["references"] for node in graph)


def _combined(tree: list[Entry], store: list[Entry]) -> list[Entry]:
    """Tree and store entries in one sorted order, each directory once."""
    merged = sorted(tree + store, key=lambda e: e.name.rstrip(b"/").split(b"/"))
    result: list[Entry] = []
    for entry in merged:
        if result and result[-1].name == entry.name:
            continue
        result.append(entry)
    return result


#: What the Nix database step writes below (parents first).
_NIX_STATE_DIRS = [
    "nix", "nix/var", "nix/var/nix", "nix/var/nix/db", "nix/var/nix/gcroots",
    "nix/var/nix/gcroots/docker", "nix/var/nix/gcroots/per-user", "nix/var/nix/profiles",
    "nix/var/nix/profiles/per-user", "nix/var/nix/temproots", "nix/store",
]


def _parents(store_dir: str) -> list[str]:
    """``nix`` and ``nix/store`` for ``/nix/store``: the store directory and its parents."""
    parts = store_dir.strip("/").split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _request(doc: Any) -> dict[str, Any]:
    return fields(versioned(doc, "the root layer request", VERSION), "the root layer request", _KEYS)


def _stamp(d: dict[str, Any]) -> Stamp:
    mtime = str(d["mtime"])
    seconds = 1 if mtime == NOW else epoch_seconds(mtime, "mtime", datetime.now(timezone.utc))
    owner = fields(d["owner"], "the root layer owner", {"uid", "gid"})
    return Stamp(seconds, int(owner["uid"]), int(owner["gid"]), b"", b"")


def build(doc: Any, graph: Any, out: str, tmp: str) -> int:
    """Make the root in ``tmp``, then pack it (under fakeroot when asked); the exit status."""
    d = _request(doc)
    if d["runAsRoot"] is not None or (d["chroot"] and str(d["fakeRootCommands"]).strip()):
        if root_session.real_ids()[0] == 0:
            session(d, graph, out, tmp)
            return 0
        # One fakeroot session keeps the owners from unpacking to packing; it reports its own errors.
        program = [str(d["python"]), "-SB", os.path.realpath(sys.argv[0]), "--session", out, tmp]
        try:
            return subprocess.run([str(d["fakeroot"]), "--", *program], cwd=tmp).returncode
        except OSError as error:
            raise UserError(f"runAsRoot cannot run {d['fakeroot']}: {error.strerror}") from None
    root = os.path.join(tmp, "root")
    os.mkdir(root, 0o755)
    contents = [str(c) for c in d["contents"]]
    if d["merge"] == "copy":
        closure_paths = {str(node["path"]) for node in graph}  # what the items refer to
        root_tree.copy_contents(contents, root, keep_dirlinks=bool(d["keepDirlinks"]), store_dir=str(d["storeDir"]), closure=closure_paths)
    else:
        root_tree.merge_contents(contents, root)
    shell, path = str(d["shell"]), str(d["path"])
    if str(d["extraCommands"]).strip():
        _run_commands("extraCommands", [shell, "-e", "-c", str(d["extraCommands"])], path, root)
    _check_root(d, contents, root)
    _nix_db(d, graph, contents, root=root, tmp=tmp)
    commands = str(d["fakeRootCommands"])
    if not commands.strip():
        pack(d, graph, out, root, own_owners=False)
        return 0
    state = os.path.join(tmp, "fakeroot.state")
    fakeroot = str(d["fakeroot"])
    _run_commands("fakeRootCommands", [fakeroot, "-s", state, "--", shell, "-e", "-c", commands], path, root)
    # Nix starts builders with a bare argv[0], so sys.executable may be empty.
    program = [str(d["python"]), "-SB", os.path.realpath(sys.argv[0]), "--pack", out, root]
    _run_commands("packing under fakeroot", [fakeroot, "-i", state, "--", *program], path, root)
    return 0


def _check_root(d: dict[str, Any], contents: list[str], root: str) -> None:
    """Refuse a root whose store (or, with ``nixDb``, Nix state) directories are links or files."""
    store_dirs = _parents(str(d["storeDir"]))
    root_tree.require_directories(
        root, store_dirs, contents, "the store layers below put the image's store there"
    )
    if d["nixDb"]:
        root_tree.require_directories(
            root, store_dirs + _NIX_STATE_DIRS, contents, "includeNixDB writes the Nix database below it"
        )


def _nix_db(d: dict[str, Any], graph: Any, contents: list[str], *, root: str, tmp: str) -> None:
    """With ``nixDb``: the Nix database of what the image holds, and its GC roots."""
    if not d["nixDb"]:
        return
    if d["storeClosure"]:  # buildImage: what the copies refer to (here or in the parent)
        registered = _store_paths(graph, contents, set())
    else:  # the layered builders: the image's whole closure
        registered = sorted({str(n["path"]) for n in graph} - set(d["nixDbExclude"]))
    nixdb.register(root, graph, registered, nix_store=str(d["nixStore"]), seconds=_stamp(d).mtime, scratch=tmp)
    nixdb.gc_roots(root, contents)


def _script(what: str, text: str, d: dict[str, Any], root: str) -> root_session.Script:
    """``text`` as nixpkgs wraps it (``set -e``, PATH of the tools), for the root's shell."""
    shell = fields(d["rootShell"], "the root shell", set(), frozenset({"shell", "path", "busybox"}))
    if "busybox" in shell:  # host mode: a static busybox, put in the root for the script's time
        tools = os.path.join(root, _TOOLS)
        os.mkdir(tools, 0o755)
        shutil.copy(str(shell["busybox"]), os.path.join(tools, "busybox"))
        listed = subprocess.run([str(shell["busybox"]), "--list"], capture_output=True, text=True).stdout
        for applet in sorted(set(listed.split()) - {"busybox"}):
            os.symlink("busybox", os.path.join(tools, applet))
        argv0, path = f"/{_TOOLS}/sh", f"/{_TOOLS}:/bin:/usr/bin"
    else:
        argv0, path = str(shell["shell"]), f"{shell['path']}:/bin:/usr/bin"
    # The build's environment (with fakeroot's), but paths of the build directory.
    env = {k: v for k, v in os.environ.items() if k not in ("TMPDIR", "TEMPDIR", "TMP", "TEMP")}
    env.update(PATH=path, HOME="/root")
    # Tools that write today's date (useradd's /etc/shadow) write this one instead.
    env.setdefault("SOURCE_DATE_EPOCH", _SOURCE_DATE_EPOCH)
    return root_session.Script(what, [argv0, "-e", "-c", text], env)


def _in_root(what: str, text: str, d: dict[str, Any], root: str, base_store: Optional[str]) -> None:
    try:
        root_session.run(root, str(d["storeDir"]), _script(what, text, d, root), base_store)
    finally:
        shutil.rmtree(os.path.join(root, _TOOLS), ignore_errors=True)


def session(d: dict[str, Any], graph: Any, out: str, tmp: str) -> None:
    """Build the root with scripts that see it as ``/``, then write its layer."""
    root = os.path.join(tmp, "root")
    os.mkdir(root, 0o755)
    skip = [_TOOLS, *root_session.mount_points(str(d["storeDir"]))]
    before: Optional[tree_diff.Snapshot] = None
    base_store: Optional[str] = None  # the base's store paths that the build's store lacks
    if d["runAsRoot"] is not None:
        if d["fromImage"] is not None:
            copies = os.path.join(tmp, "base-store")
            os.mkdir(copies, 0o755)
            tag = optional_str(d["fromImageTag"])
            if unpack.unpack(str(d["fromImage"]), tag, root, store_dir=str(d["storeDir"]), store_copy=copies):
                base_store = copies
        before = tree_diff.snapshot(root, skip)
    contents = [str(c) for c in d["contents"]]
    if d["merge"] == "copy":
        closure_paths = {str(node["path"]) for node in graph}  # what the items refer to
        root_tree.copy_contents(contents, root, keep_dirlinks=bool(d["keepDirlinks"]), store_dir=str(d["storeDir"]), closure=closure_paths)
    else:
        root_tree.merge_contents(contents, root)
    if d["runAsRoot"] is not None:
        _in_root("runAsRoot", str(d["runAsRoot"]), d, root, base_store)
    shell, path = str(d["shell"]), str(d["path"])
    if str(d["extraCommands"]).strip():
        _run_commands("extraCommands", [shell, "-e", "-c", str(d["extraCommands"])], path, root)
    _check_root(d, contents, root)
    _nix_db(d, graph, contents, root=root, tmp=tmp)
    if str(d["fakeRootCommands"]).strip():
        if d["chroot"]:
            _in_root("fakeRootCommands", str(d["fakeRootCommands"]), d, root, base_store)
        else:
            _run_commands("fakeRootCommands", [shell, "-e", "-c", str(d["fakeRootCommands"])], path, root)
    after = None if before is None else tree_diff.snapshot(root, skip)
    changed = None if before is None or after is None else tree_diff.changes(root, before, after, os.path.join(tmp, "whiteouts"))
    pack(d, graph, out, root, own_owners=True, entries=changed)


def pack(
    d: dict[str, Any], graph: Any, out: str, root: str, *, own_owners: bool, entries: Optional[list[Entry]] = None
) -> None:
    """Write the layer of ``root`` (or ``entries`` of it), and the store closure if asked, to ``out``."""
    stamp = _stamp(d)
    if entries is None:
        entries = layer.tree_entries(root, own_owners)
    # Made here: the whiteouts of what runAsRoot deleted live outside the root.
    top = os.fsencode(root) + b"/"
    hiding = layer.first_whiteout(e for e in entries if e.root in (b"", top))
    if hiding is not None:  # contents were checked while linked or copied
        raise UserError(
            f"/{os.fsdecode(hiding.name.rstrip(b'/'))} in the image root is named like a whiteout, "
            "which would make Docker hide files of the layers below; extraCommands, runAsRoot or "
            "fakeRootCommands made it: rename or remove it"
        )
    in_store = layer.first_in_store(entries, str(d["storeDir"]))
    if in_store is not None:
        raise UserError(
            f"/{os.fsdecode(in_store.name.rstrip(b'/'))} in the image root is inside the store, where it "
            "would replace what the image's store paths hold; contents, copyToRoot, extraCommands, "
            "fakeRootCommands or runAsRoot put it there: store paths reach an image only through its closure"
        )
    if own_owners:  # owner 0:0 is fakeroot's view of the build user: use the stamp's
        entries = [e if e.owner != (0, 0) else replace(e, owner=None) for e in entries]
    entries = perms.apply(entries, perms.parse(d["perms"]), (stamp.uid, stamp.gid))
    contents = [str(c) for c in d["contents"]]
    if d["storeClosure"]:
        store_dir = str(d["storeDir"])
        exclude = _base_store_paths(optional_str(d["fromImage"]), optional_str(d["fromImageTag"]), store_dir)
        store = layer.store_entries(store_dir, _store_paths(graph, contents, exclude))
        entries = _combined(entries, store)
    _write(out, entries, stamp, contents)


def _write(out: str, entries: list[Entry], stamp: Stamp, contents: list[str]) -> None:
    os.mkdir(out)
    fd = os.open(os.path.join(out, "layer.tar"), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
    try:
        with HashingSink(fd_output(fd)) as sink:
            sink.begin_digest()
            layer.write(entries, stamp, sink)
            diff_id, size = sink.end_digest()
    finally:
        os.close(fd)
    with open(os.path.join(out, "layer.json"), "w", encoding="utf-8") as handle:
        json.dump({"diffId": diff_id, "size": size}, handle, sort_keys=True)
    with open(os.path.join(out, "contents"), "w", encoding="utf-8") as handle:
        handle.writelines(c + "\n" for c in contents)


def main(argv: Optional[list[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv

    def body() -> int:
        attrs = read_attrs()
        graph = attrs.get("closure", [])
        if args[:1] == ["--pack"]:  # run by build() under fakeroot
            pack(_request(attrs["stowage"]), graph, args[1], args[2], own_owners=True)
        elif args[:1] == ["--session"]:  # run by build() under fakeroot
            session(_request(attrs["stowage"]), graph, args[1], args[2])
        else:
            return build(attrs["stowage"], graph, output_path(attrs), os.environ.get("TMPDIR", "/tmp"))
        return 0

    return run(PROGRAM, body)


if __name__ == "__main__":
    sys.exit(main())
