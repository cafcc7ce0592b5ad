"""glibc's malloc keeps what is freed (stowage.output.allocator): blocks of
about 1 MiB, made and dropped, stop costing a page fault per page."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PYTHON = Path(__file__).resolve().parents[2] / "python"

# Each block is a little larger than the last one freed, so that glibc's own
# adaptive threshold never catches up: by default each is a fresh mapping whose
# pages are faulted in as they are written (the bytes are written, not zeroed:
# a fresh mapping needs no zeroing and would show no fault).
_PROGRAM = f"""
import resource, sys
sys.path.insert(0, {str(PYTHON)!r})
from stowage.output import allocator
if sys.argv[1] == "kept":
    allocator.keep_freed_memory()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for step in range(128):
    block = b"x" * ((1 << 20) + step * (64 << 10))
    del block
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _faults(mode: str) -> int:
    done = subprocess.run([sys.executable, "-SB", "-c", _PROGRAM, mode], capture_output=True, text=True, check=True)
    return int(done.stdout)


def test_freed_blocks_are_kept() -> None:
    default, kept = _faults("default"), _faults("kept")
    # Here: about 163,000 faults by default (every page of every block), about
    # 2,300 kept (the largest block's pages, once).
    assert default > 100_000 and kept < 10_000, (default, kept)
