"""glibc's malloc told to keep what a compressing program frees.

Compressing a layer makes and drops a few objects of about 1 MiB per MiB of
input (the block, its deflated form, the stored form). glibc hands memory of
that size back to the kernel when it is freed (``mmap`` above a threshold
that starts at 128 KiB; the heap's top trimmed above 128 KiB), and gets it
again through page faults. A push of bench/push.py's 200 MB image spent
0.35-0.6 s in the kernel, and 0.2 s with the thresholds raised (wall time
1.88-2.19 s, then 1.70-1.84 s). The memory kept is what the program had in
use at its peak, which the compressors bound (a few blocks per thread).

Through ``ctypes`` (standard library); elsewhere than glibc, nothing changes.
"""

from __future__ import annotations

# mallopt's options (glibc's malloc.h).
_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2
_M_MMAP_THRESHOLD = -3


def keep_freed_memory() -> None:
    """Raise glibc's thresholds so that freed blocks stay in the process."""
    try:
        import ctypes  # a Python built without it only loses the speed-up

        mallopt = ctypes.CDLL(None).mallopt
    except (ImportError, OSError, AttributeError):  # no C library to ask, or not glibc's
        return
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    for option, value in ((_M_MMAP_THRESHOLD, 32 << 20), (_M_TRIM_THRESHOLD, 256 << 20), (_M_TOP_PAD, 64 << 20)):
        mallopt(option, value)
