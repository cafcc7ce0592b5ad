"""A builder that is PID 1 (as in Nix's sandbox) reaps orphans (stowage.cli.reaper)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PYTHON = Path(__file__).resolve().parents[2] / "python"

# What fakeroot does on exit: signal its daemon (an orphan by then) until it is
# gone. A zombie still counts as there, so without a reaper this never ends.
PROGRAM = f"""
import os, subprocess, sys, time
sys.path.insert(0, {str(PYTHON)!r})
from stowage.cli.common import run

def body():
    started = subprocess.run(["sh", "-c", "sh -c 'exit 0' & echo $!"], capture_output=True, text=True)
    orphan = int(started.stdout)
    for _ in range(50):
        try:
            os.kill(orphan, 0)
        except ProcessLookupError:
            return 7 + started.returncode
        time.sleep(0.1)
    return 99

sys.exit(run("reaper-test", body))
"""


def test_pid_1_reaps_orphans_and_keeps_the_exit_status() -> None:
    if shutil.which("unshare") is None:
        pytest.fail("unshare (util-linux) is needed to start a PID namespace")
    command = ["unshare", "--user", "--map-root-user", "--pid", "--fork", sys.executable, "-SB", "-c", PROGRAM]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 7, result.stderr


def test_not_pid_1_runs_in_place() -> None:
    code = "import os, sys; sys.path.insert(0, %r); from stowage.cli.reaper import reap_if_init; " \
        "pid = os.getpid(); reap_if_init(); sys.exit(0 if os.getpid() == pid else 1)" % str(PYTHON)
    assert subprocess.run([sys.executable, "-SB", "-c", code]).returncode == 0
