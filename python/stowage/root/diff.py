"""The layer that turns one state of an image root into a later one, as
overlayfs' upper directory would hold it (the OCI image spec's changeset):
new and changed paths with their parent directories, and a whiteout
``.wh.<name>`` for each path that is gone (a gone directory's whiteout hides
all below it, so nothing below it is listed).

A path counts as changed when anything ``lstat`` reports of it differs: type,
mode, owner, size, modification time or change time (which every write,
chmod and chown moves on, and no script can set back).
"""

from __future__ import annotations

import os
import stat
from typing import Iterable

from stowage.layers import tarball as layer
from stowage.tar import headers as tarformat
from stowage.layers.tarball import Entry

Snapshot = dict[bytes, tuple[int, ...]]
_WHITEOUT = b".wh."


def snapshot(root: str, skip: Iterable[str]) -> Snapshot:
    """What ``lstat`` says of every path below ``root`` (relative names), but ``skip``."""
    top = os.fsencode(root) + b"/"
    skipped = {os.fsencode(s) for s in skip}
    state: Snapshot = {}
    stack = [name for name in os.listdir(top)]
    while stack:
        name = stack.pop()
        if name in skipped:
            continue
        st = os.lstat(top + name)
        state[name] = (st.st_mode, st.st_uid, st.st_gid, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        if stat.S_ISDIR(st.st_mode):
            stack.extend(name + b"/" + child for child in os.listdir(top + name))
    return state


def _parent(name: bytes) -> bytes:
    return name.rpartition(b"/")[0]


def _is_dir(state: Snapshot, name: bytes) -> bool:
    return name == b"" or (name in state and stat.S_ISDIR(state[name][0]))


def changes(root: str, before: Snapshot, after: Snapshot, scratch: str) -> list[Entry]:
    """The entries of the layer from ``before`` to ``after`` (both of ``root``), sorted,
    each with the owner the file system reports. The whiteouts' empty files are made
    in the new directory ``scratch`` (every regular entry is read from a file)."""
    changed = {name for name, key in after.items() if before.get(name) != key}
    gone = sorted(
        name for name in before
        if name not in after and _is_dir(after, _parent(name)) and _is_dir(before, _parent(name))
    )
    listed = set(changed)
    for name in list(changed) + gone:
        parent = _parent(name)
        while parent and parent not in listed:
            listed.add(parent)
            parent = _parent(parent)
    top = os.fsencode(root) + b"/"
    entries = [layer._entry_for(top, name, own_owner=True) for name in listed]
    empty = os.fsencode(scratch) + b"/"
    for name in gone:
        parent, _, base = name.rpartition(b"/")
        whiteout = (parent + b"/" if parent else b"") + _WHITEOUT + base
        os.makedirs(empty + parent, exist_ok=True)
        with open(empty + whiteout, "xb"):
            pass
        entries.append(Entry(whiteout, tarformat.REGTYPE, 0o644, root=empty, owner=(0, 0)))
    return sorted(entries, key=lambda e: e.name.rstrip(b"/").split(b"/"))
