"""Builder of a root layer: the image root (``contents`` linked or copied, then
``extraCommands``) written as a layer tar, with its digest and size recorded.
It is the customisation layer of the layered builders, and buildImage's one new
layer (which also carries the store closure of what it copied).

Its request is ``stowage.contract.image_requests.RootLayerRequest``.

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

Writes ``$out/layer.tar``, ``$out/root-layer.json`` (its record, see
``stowage.contract.records``) and
``$out/contents`` (the items, one per line: keeps them in the image's closure
even when an item adds no file).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timezone
from typing import Optional, Sequence

from stowage.store import nixdb
from stowage.store.closure import GraphNode
from stowage.layers import tarball as layer
from stowage.root import linked, perms, session as root_session, tree as root_tree, diff as tree_diff, unpack
from stowage.root.store_paths import NIX_STATE_DIRS, base_store_paths, combined, parents, store_paths
from stowage.errors import UserError
from stowage.contract.image_requests import BusyboxShell, RootLayerRequest
from stowage.contract.records import RootLayerRecord, write_root_layer_record
from stowage.layers.tarball import Entry
from stowage.output.sink import HashingSink, fd_output
from stowage.tar.headers import Stamp
from stowage.timestamps import NOW, epoch_seconds
from stowage.cli.common import Step, read_step, run, run_builder, step_who

PROGRAM = "root-layer"
#: Where host mode's busybox sits in the root while a script runs.
_TOOLS = ".stowage-tools"
Graph = Sequence[GraphNode]
#: The date scripts that see the image root as / get when the build sets none:
#: nixpkgs' stdenv's (1980-01-01), rather than the clock.
_SOURCE_DATE_EPOCH = "315532800"


def _run_commands(what: str, command: list[str], path: str, root: str) -> None:
    env = dict(os.environ, PATH=path)
    try:
        status = subprocess.run(command, cwd=root, env=env).returncode
    except OSError as error:
        raise UserError(f"{what} cannot run {command[0]}: {error.strerror}") from None
    if status != 0:
        raise UserError(f"{what} failed with exit status {status}")


def _stamp(d: RootLayerRequest) -> Stamp:
    seconds = 1 if d.mtime == NOW else epoch_seconds(d.mtime, "mtime", datetime.now(timezone.utc))
    return Stamp(seconds, d.owner.uid, d.owner.gid, b"", b"")


def _needs(tool: Optional[str], what: str) -> str:
    if tool is None:
        raise UserError(f"{what}, but the root layer request names no program for it")
    return tool


def _place_contents(d: RootLayerRequest, graph: Graph, root: str) -> None:
    """Link or copy ``contents`` into ``root``."""
    if d.merge == "copy":
        closure_paths = {node.path for node in graph}  # what the items refer to
        root_tree.copy_contents(
            list(d.contents), root, keep_dirlinks=d.keep_dirlinks, store_dir=d.store_dir, closure=closure_paths
        )
    else:
        root_tree.merge_contents(list(d.contents), root)


def _extra_commands(d: RootLayerRequest, root: str) -> None:
    if d.extra_commands.strip():
        _run_commands("extraCommands", [d.shell, "-e", "-c", d.extra_commands], d.path, root)


def build(step: Step[RootLayerRequest], tmp: str) -> int:
    """Make the root in ``tmp``, then pack it (under fakeroot when asked); the exit status."""
    d, graph, out = step.request, step.graph, step.out
    if d.in_session:
        if root_session.real_ids()[0] == 0:
            session(d, graph, out, tmp)
            return 0
        # One fakeroot session keeps the owners from unpacking to packing; it reports its own errors.
        fakeroot = _needs(d.fakeroot, "runAsRoot needs fakeroot")
        program = [d.python, "-SB", os.path.realpath(sys.argv[0]), "--session", out, tmp]
        try:
            return subprocess.run([fakeroot, "--", *program], cwd=tmp).returncode
        except OSError as error:
            raise UserError(f"runAsRoot cannot run {fakeroot}: {error.strerror}") from None
    root = os.path.join(tmp, "root")
    if _only_links(d):  # nothing needs the root on disk: its entries from the contents' listings
        entries = linked.merged_entries(list(d.contents), parents(d.store_dir), _STORE_DIRS_WHY)
        pack(d, graph, out, root, own_owners=False, entries=entries)
        return 0
    os.mkdir(root, 0o755)
    _place_contents(d, graph, root)
    _extra_commands(d, root)
    _check_root(d, root)
    _nix_db(d, graph, root, tmp)
    if not d.fake_root_commands.strip():
        pack(d, graph, out, root, own_owners=False)
        return 0
    state = os.path.join(tmp, "fakeroot.state")
    fakeroot = _needs(d.fakeroot, "fakeRootCommands need fakeroot")
    command = [fakeroot, "-s", state, "--", d.shell, "-e", "-c", d.fake_root_commands]
    _run_commands("fakeRootCommands", command, d.path, root)
    # Nix starts builders with a bare argv[0], so sys.executable may be empty.
    program = [d.python, "-SB", os.path.realpath(sys.argv[0]), "--pack", out, root]
    _run_commands("packing under fakeroot", [fakeroot, "-i", state, "--", *program], d.path, root)
    return 0


def _only_links(d: RootLayerRequest) -> bool:
    """Whether the root is the contents linked and nothing else (see ``stowage.root.linked``)."""
    return (d.merge == "link" and not d.extra_commands.strip() and not d.fake_root_commands.strip()
            and not d.nix_db and not d.store_closure and not d.in_session)


_STORE_DIRS_WHY = "the store layers below put the image's store there"


def _check_root(d: RootLayerRequest, root: str) -> None:
    """Refuse a root whose store (or, with ``nixDb``, Nix state) directories are links or files."""
    store_dirs = parents(d.store_dir)
    contents = list(d.contents)
    root_tree.require_directories(root, store_dirs, contents, _STORE_DIRS_WHY)
    if d.nix_db:
        root_tree.require_directories(
            root, store_dirs + NIX_STATE_DIRS, contents, "includeNixDB writes the Nix database below it"
        )


def _nix_db(d: RootLayerRequest, graph: Graph, root: str, tmp: str) -> None:
    """With ``nixDb``: the Nix database of what the image holds, and its GC roots."""
    if not d.nix_db:
        return
    if d.store_closure:  # buildImage: what the copies refer to (here or in the parent)
        registered = store_paths(graph, d.contents, set())
    else:  # the layered builders: the image's whole closure
        registered = sorted({n.path for n in graph} - set(d.nix_db_exclude))
    nix_store = _needs(d.nix_store, "includeNixDB needs nix-store")
    nixdb.register(root, graph, registered, nix_store=nix_store, seconds=_stamp(d).mtime, scratch=tmp)
    nixdb.gc_roots(root, list(d.contents))


def _script(what: str, text: str, d: RootLayerRequest, root: str) -> root_session.Script:
    """``text`` as nixpkgs wraps it (``set -e``, PATH of the tools), for the root's shell."""
    shell = d.root_shell
    if shell is None:
        raise UserError(f"{what} runs in the image root, but the root layer request names no shell for it")
    if isinstance(shell, BusyboxShell):  # host mode: a static busybox, put in the root for the script's time
        tools = os.path.join(root, _TOOLS)
        os.mkdir(tools, 0o755)
        shutil.copy(shell.busybox, os.path.join(tools, "busybox"))
        listed = subprocess.run([shell.busybox, "--list"], capture_output=True, text=True).stdout
        for applet in sorted(set(listed.split()) - {"busybox"}):
            os.symlink("busybox", os.path.join(tools, applet))
        argv0, path = f"/{_TOOLS}/sh", f"/{_TOOLS}:/bin:/usr/bin"
    else:
        argv0, path = shell.shell, f"{shell.path}:/bin:/usr/bin"
    # The build's environment (with fakeroot's), but paths of the build directory.
    env = {k: v for k, v in os.environ.items() if k not in ("TMPDIR", "TEMPDIR", "TMP", "TEMP")}
    env.update(PATH=path, HOME="/root")
    # Tools that write today's date (useradd's /etc/shadow) write this one instead.
    env.setdefault("SOURCE_DATE_EPOCH", _SOURCE_DATE_EPOCH)
    return root_session.Script(what, [argv0, "-e", "-c", text], env)


def _in_root(what: str, text: str, d: RootLayerRequest, root: str, base_store: Optional[str]) -> None:
    try:
        root_session.run(root, d.store_dir, _script(what, text, d, root), base_store)
    finally:
        shutil.rmtree(os.path.join(root, _TOOLS), ignore_errors=True)


def session(d: RootLayerRequest, graph: Graph, out: str, tmp: str) -> None:
    """Build the root with scripts that see it as ``/``, then write its layer."""
    root = os.path.join(tmp, "root")
    os.mkdir(root, 0o755)
    skip = [_TOOLS, *root_session.mount_points(d.store_dir)]
    before: Optional[tree_diff.Snapshot] = None
    base_store: Optional[str] = None  # the base's store paths that the build's store lacks
    if d.run_as_root is not None:
        if d.from_image is not None:
            copies = os.path.join(tmp, "base-store")
            os.mkdir(copies, 0o755)
            if unpack.unpack(d.from_image, d.from_image_tag, root, store_dir=d.store_dir, store_copy=copies):
                base_store = copies
        before = tree_diff.snapshot(root, skip)
    _place_contents(d, graph, root)
    if d.run_as_root is not None:
        _in_root("runAsRoot", d.run_as_root, d, root, base_store)
    _extra_commands(d, root)
    _check_root(d, root)
    _nix_db(d, graph, root, tmp)
    if d.fake_root_commands.strip():
        if d.chroot:
            _in_root("fakeRootCommands", d.fake_root_commands, d, root, base_store)
        else:
            _run_commands("fakeRootCommands", [d.shell, "-e", "-c", d.fake_root_commands], d.path, root)
    after = None if before is None else tree_diff.snapshot(root, skip)
    changed = None if before is None or after is None else tree_diff.changes(root, before, after, os.path.join(tmp, "whiteouts"))
    pack(d, graph, out, root, own_owners=True, entries=changed)


def pack(
    d: RootLayerRequest, graph: Graph, out: str, root: str, *, own_owners: bool, entries: Optional[list[Entry]] = None
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
    in_store = layer.first_in_store(entries, d.store_dir)
    if in_store is not None:
        raise UserError(
            f"/{os.fsdecode(in_store.name.rstrip(b'/'))} in the image root is inside the store, where it "
            "would replace what the image's store paths hold; contents, copyToRoot, extraCommands, "
            "fakeRootCommands or runAsRoot put it there: store paths reach an image only through its closure"
        )
    if own_owners:  # owner 0:0 is fakeroot's view of the build user: use the stamp's
        entries = [e if e.owner != (0, 0) else replace(e, owner=None) for e in entries]
    entries = perms.apply(entries, perms.rules(d.perms), (stamp.uid, stamp.gid))
    if d.store_closure:
        exclude = base_store_paths(d.from_image, d.from_image_tag, d.store_dir)
        store = layer.store_entries(d.store_dir, store_paths(graph, d.contents, exclude))
        entries = combined(entries, store)
    _write(out, entries, stamp, list(d.contents))


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
    write_root_layer_record(out, RootLayerRecord(diff_id, size))
    with open(os.path.join(out, "contents"), "w", encoding="utf-8") as handle:
        handle.writelines(c + "\n" for c in contents)


def main(argv: Optional[list[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] in (["--pack"], ["--session"]):  # run by build() under fakeroot

        def again() -> int:
            step = read_step(PROGRAM, RootLayerRequest)
            if args[0] == "--pack":
                pack(step.request, step.graph, args[1], args[2], own_owners=True)
            else:
                session(step.request, step.graph, args[1], args[2])
            return 0

        return run(step_who(PROGRAM), again)
    return run_builder(PROGRAM, RootLayerRequest, lambda step: build(step, os.environ.get("TMPDIR", "/tmp")))


if __name__ == "__main__":
    sys.exit(main())
