"""The mount(2) and unshare(2) system calls through libc, for the namespaces
in which scripts see an image root as ``/`` (``stowage.root.session``).

A mount made in a user namespace from one of a more privileged namespace
keeps that one's flags locked (``nosuid``, ``nodev``, ``noexec``, the atime
flags): a remount that would drop one fails with EPERM. ``bind_read_only``
therefore carries the flags the source already has.
"""

from __future__ import annotations

import ctypes
import os
from typing import Optional

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_NOATIME, MS_NODIRATIME, MS_BIND, MS_REC = 32, 1024, 2048, 4096, 16384
MS_PRIVATE, MS_RELATIME = 1 << 18, 1 << 21
#: statvfs(3)'s f_flag bits and the mount flags they stand for.
_KEPT = (
    (os.ST_NOSUID, MS_NOSUID),
    (os.ST_NODEV, MS_NODEV),
    (os.ST_NOEXEC, MS_NOEXEC),
    (os.ST_NOATIME, MS_NOATIME),
    (os.ST_NODIRATIME, MS_NODIRATIME),
    (os.ST_RELATIME, MS_RELATIME),
)


def libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def check(result: int, what: str) -> None:
    """Raise the errno of a failed call as an ``OSError`` naming ``what``."""
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")  # str(): "[Errno n] what: …"


def _bytes(value: Optional[str]) -> Optional[bytes]:
    return None if value is None else os.fsencode(value)


def mount(
    lib: ctypes.CDLL, source: Optional[str], target: str, fstype: Optional[str], flags: int, data: Optional[str] = None
) -> None:
    result = lib.mount(_bytes(source), _bytes(target), _bytes(fstype), ctypes.c_ulong(flags), _bytes(data))
    check(result, f"mount {target}")


def bind_read_only(lib: ctypes.CDLL, source: str, target: str) -> None:
    """Bind ``source`` (and the mounts below it) at ``target``, read-only and nosuid."""
    mount(lib, source, target, None, MS_BIND | MS_REC)
    kept = os.statvfs(target).f_flag
    flags = MS_NOSUID | sum(flag for bit, flag in _KEPT if kept & bit)
    mount(lib, None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | flags)
