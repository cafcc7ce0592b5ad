"""Running a script as (fake) root with a directory as ``/``, with no virtual machine.

The script runs in new mount and PID namespaces (and a new user namespace,
mapping root to the build user, when the build does not run as root): the
directory becomes ``/`` by chroot, with the Nix store read-only (the build's,
and the base image's store paths it lacks: ``stowage.root.store_view``), a
``/proc`` of the new PID namespace and a ``/dev`` of the usual character
devices bound from the build's own ``/dev``. Owners other than root are kept
by the fakeroot session the caller runs under (see ``stowage.cli.root_layer``);
as real root they are real.

Mount points this module creates in the directory are removed afterwards;
``mount_points`` names them so that a caller comparing the tree can leave
them out.
"""

from __future__ import annotations

import ctypes
import os
from dataclasses import dataclass
from typing import Optional

from stowage.errors import UserError
from stowage.root import mounts, store_view

_DEVICES = ("null", "zero", "full", "random", "urandom", "tty")
#: The exit status by which the namespace child reports that it could not set up.
_SETUP_FAILED = 125
_USERNS_HINT = (
    "this machine allows the build no user namespace; allow unprivileged user namespaces "
    "(sysctl user.max_user_namespaces > 0, kernel.unprivileged_userns_clone=1 on Debian's "
    "older kernels, kernel.apparmor_restrict_unprivileged_userns=0 on Ubuntu) or build as root"
)


@dataclass(frozen=True)
class Script:
    """What to run: ``argv[0]`` is a path inside the new root (e.g. in the store)."""

    what: str  # "runAsRoot", for messages
    argv: list[str]
    env: dict[str, str]


def real_ids() -> tuple[int, int]:
    """The build's real uid and gid, read from the kernel: under fakeroot
    ``os.getuid()`` says 0."""
    with open("/proc/self/status", encoding="ascii") as status:
        lines = dict(line.split(":", 1) for line in status if ":" in line)
    return int(lines["Uid"].split()[0]), int(lines["Gid"].split()[0])


def mount_points(store_dir: str) -> list[str]:
    """The paths below the root (relative) that a session mounts over."""
    return ["proc", "dev", store_dir.strip("/")]


def _prepare(root: str, store_dir: str) -> list[str]:
    """Create the missing mount points; return them, deepest first, for removal.
    A missing /tmp is one too (for a scratch tmpfs, so it leaves nothing behind)."""
    created: list[str] = []
    store = store_dir.strip("/")
    for relative in ["proc", "dev", "tmp", *("/".join(store.split("/")[: i + 1]) for i in range(store.count("/") + 1))]:
        path = os.path.join(root, relative)
        if not os.path.lexists(path):
            os.mkdir(path, 0o755)
            created.append(path)
    for name in _DEVICES:
        path = os.path.join(root, "dev", name)
        if os.path.exists(os.path.join("/dev", name)) and not os.path.lexists(path):
            with open(path, "x"):
                pass
            created.append(path)
    return created[::-1]


def _enter(libc: ctypes.CDLL, as_root: bool) -> None:
    """Unshare the namespaces; without real root, map root to the build user."""
    uid, gid = real_ids()
    flags = mounts.CLONE_NEWNS | mounts.CLONE_NEWPID | (0 if as_root else mounts.CLONE_NEWUSER)
    try:
        mounts.check(libc.unshare(flags), "unshare")
    except OSError as error:
        what = "a mount namespace" if as_root else "a user namespace"
        raise UserError(f"cannot make {what} ({error.strerror})" + ("" if as_root else f": {_USERNS_HINT}")) from None
    if not as_root:
        for name, text in (("setgroups", "deny"), ("uid_map", f"0 {uid} 1"), ("gid_map", f"0 {gid} 1")):
            with open(f"/proc/self/{name}", "w", encoding="ascii") as handle:
                handle.write(text)
    mounts.mount(libc, None, "/", None, mounts.MS_REC | mounts.MS_PRIVATE)


@dataclass(frozen=True)
class _Where:
    """Where a session runs: the root, the build's store directory, and the
    directory of the base's store paths the build's store lacks (if any)."""

    root: str
    store_dir: str
    base_store: Optional[str]


def _mount_root(libc: ctypes.CDLL, where: _Where, scratch_tmp: bool) -> None:
    """In the new PID namespace: the store, /proc, /dev (and a scratch /tmp) of the new root."""
    root = where.root
    if scratch_tmp:
        mounts.mount(libc, "tmpfs", os.path.join(root, "tmp"), "tmpfs", mounts.MS_NOSUID, "mode=1777")
    store = os.path.join(root, where.store_dir.strip("/"))
    store_view.mount_store(libc, store, where.store_dir, where.base_store)
    proc = os.path.join(root, "proc")
    try:
        mounts.mount(libc, "proc", proc, "proc", mounts.MS_NOSUID)
    except OSError:  # a /proc that hides parts of itself forbids a new one: see the build's
        mounts.mount(libc, "/proc", proc, None, mounts.MS_BIND | mounts.MS_REC)
    for name in _DEVICES:
        target = os.path.join(root, "dev", name)
        if os.path.exists(os.path.join("/dev", name)) and os.path.isfile(target):
            mounts.mount(libc, os.path.join("/dev", name), target, None, mounts.MS_BIND)


def _child(where: _Where, script: Script, as_root: bool, report: int, scratch_tmp: bool) -> int:
    """The forked child: namespaces, then PID 1 of the new PID namespace runs the script."""
    libc = mounts.libc()
    try:
        _enter(libc, as_root)
        pid = os.fork()
        if pid == 0:
            _mount_root(libc, where, scratch_tmp)
            os.chroot(where.root)
            os.chdir("/")
            try:
                os.execve(script.argv[0], script.argv, script.env)
            except OSError as error:
                raise UserError(f"{script.argv[0]} in the image root: {error.strerror}") from None
        return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    except UserError as error:
        os.write(report, str(error).encode("utf-8", "replace"))
    except OSError as error:
        os.write(report, (error.strerror or str(error)).encode("utf-8", "replace"))
    return _SETUP_FAILED


def run(root: str, store_dir: str, script: Script, base_store: Optional[str] = None) -> None:
    """Run ``script`` with ``root`` as ``/``; a failure is a one-line user error.
    ``base_store`` holds the base image's store paths that ``store_dir`` lacks."""
    as_root = real_ids()[0] == 0
    created = _prepare(root, store_dir)
    scratch_tmp = os.path.join(root, "tmp") in created
    reader, writer = os.pipe()
    try:
        pid = os.fork()
        if pid == 0:
            os.close(reader)
            code = 1
            try:
                code = _child(_Where(root, store_dir, base_store), script, as_root, writer, scratch_tmp)
            finally:
                os._exit(code)
        os.close(writer)
        with os.fdopen(reader, "rb") as pipe:
            problem = pipe.read().decode("utf-8", "replace")
        status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    finally:
        for path in created:
            (os.rmdir if os.path.isdir(path) and not os.path.islink(path) else os.unlink)(path)
    if problem:
        raise UserError(f"{script.what} cannot start: {problem}")
    if status != 0:
        detail = f"signal {-status}" if status < 0 else f"exit status {status}"
        raise UserError(f"{script.what} failed with {detail}")
