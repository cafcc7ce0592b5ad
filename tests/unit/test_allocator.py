"""glibc's malloc keeps what the gzip writer frees (stowage.output.allocator):
compressing 96 MiB costs a fraction of the page faults it costs by default."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PYTHON = Path(__file__).resolve().parents[2] / "python"

_PROGRAM = f"""
import os, resource, sys
sys.path.insert(0, {str(PYTHON)!r})
from stowage.output import allocator, pgzip
if sys.argv[1] == "kept":
    allocator.keep_freed_memory()
data = os.urandom(1 << 20) * 96

class Discard:
    def write(self, data):
        return len(data)

before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
with pgzip.ParallelGzipWriter(Discard(), threads=2) as writer:
    for start in range(0, len(data), 300_000):
        writer.write(data[start : start + 300_000])
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _faults(mode: str) -> int:
    done = subprocess.run([sys.executable, "-SB", "-c", _PROGRAM, mode], capture_output=True, text=True, check=True)
    return int(done.stdout)


def test_freed_blocks_are_kept() -> None:
    default, kept = _faults("default"), _faults("kept")
    # By default each freed MiB goes back to the kernel and is faulted in again
    # (about 26,000 faults here); kept, 2,000-4,000.
    assert kept * 3 < default, (kept, default)
