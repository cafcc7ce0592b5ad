"""Reaping orphans when a builder is PID 1 of its PID namespace.

In Nix's sandbox the builder is PID 1: every orphaned process is re-parented to
it (fakeroot's ``faked`` daemon is one), and one that is never waited for stays
a zombie. ``kill`` still finds a zombie, so fakeroot's exit loop (``while kill
-s TERM $PID; do sleep 0.1; done``) would spin for ever. PID 1 therefore forks:
the child does the build and keeps the usual parent-child relations (its own
``subprocess.run`` still gets its own child's status), while PID 1 only reaps,
and exits with the child's status once the child has ended.

Outside a PID namespace (no sandbox) orphans go to the host's init or a
subreaper, which reaps them; there is nothing to do.
"""

from __future__ import annotations

import os
import signal


def reap_if_init() -> None:
    """Return in a process that does the work; as PID 1, never return."""
    if os.getpid() != 1:
        return
    worker = os.fork()
    if worker == 0:
        return
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        # PID 1 ignores signals it has no handler for: pass them on.
        signal.signal(number, lambda sig, _frame: os.kill(worker, sig))
    os._exit(_reap_until(worker))


def _reap_until(worker: int) -> int:
    """Wait for every child (orphans included) until ``worker`` exits; its exit code."""
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:  # cannot happen while the worker lives
            return 1
        if pid == worker:
            code = os.waitstatus_to_exitcode(status)
            return code if code >= 0 else 128 - code
