"""Deflate's stored blocks (RFC 1951, section 3.2.4) for data deflate cannot
shrink, and the test that picks that data out.

Compressed files (.gz, .xz, .deb, zipped archives) and random bytes leave
deflate nothing to gain, and zlib at level 6 still spends about 25 ms per MiB
searching them for matches before it writes them as stored blocks. ``stored``
writes the same kind of blocks directly, at memory speed.

The test, ``incompressible``, looks at a fixed sample of the block in integer
arithmetic, so that its answer depends on the bytes alone: no zlib version (a
level-1 trial compression would depend on the zlib, or zlib-ng, at hand), no
floating point, no thread count. The sample is ``SPOTS`` slices of ``SPOT``
bytes spread evenly over the block (a tar layer mixes files: the spots see each
kind in its share). The block is stored when both parts of deflate would find
nothing in the sample:

- Huffman coding (order 0): the sample's byte counts give

      256 * sum(count ** 2) < LIMIT * n ** 2        (n: bytes sampled)

  that is, a collision (Rényi order-2) entropy above 8 - log2(LIMIT) = 7.93
  bits per byte. Shannon entropy is never below it, so no Huffman code of the
  sampled bytes as literals saves more than about 0.9 %. Random bytes give
  1 + 255 / n = 1.016 (standard deviation 0.0014 at n = 16 KiB), far from the
  limit; text, code and binaries give 2 and more; random files with 2 % of tar
  headers and padding give 1.10, and are compressed.
- Matches (LZ77): of the sample's 4-byte strings (at every offset), at least
  ``DISTINCT`` per mille are different. Random bytes repeat one with a
  probability of about 2 ** -32 per pair (none in a sample, as a rule); a
  byte-uniform but periodic block (a table 0, 1, …, 255 repeated) fails,
  whatever its period up to the sample's length; so does a PNG file that
  deflate still shrinks by 4 % (98.5 % distinct), while .gz files and Debian
  packages (99.7–100 %, deflate saves under 0.1 %) pass.

On a Debian 12 machine's files (1 MiB blocks, at most 200 files of each
kind), the test stores 184 of 191 blocks of /usr/share/doc/*/*.gz and 528 of
539 of Debian packages, to which deflate would have added bytes, and none of
747 blocks of /usr/bin, 130 of .jar files and 7 of .png files.

What the sample cannot see is a repeat of high-entropy bytes far from it (the
same compressed file twice within deflate's 32 KiB window): such a block is
stored, a few kB larger than deflate would make it, and as valid.

It costs about 1 ms per MiB block (``collections.Counter`` and
``struct.unpack`` in C), against about 25 ms for zlib at level 6; compressible
blocks are deflated exactly as before.
"""

from __future__ import annotations

import struct
from collections import Counter
from typing import Union

#: Sampled bytes: 16 slices of 1 KiB (16 KiB, a sixty-fourth of a 1 MiB block).
SPOTS = 16
SPOT = 1024
#: Blocks shorter than this are always deflated (the sample would be most of
#: them, and their share of a layer is small).
MIN_BLOCK = 64 * 1024
#: 256 * sum(count ** 2) / n ** 2 under LIMIT_NUM / LIMIT_DEN means stored.
LIMIT_NUM, LIMIT_DEN = 21, 20
#: Of the sample's 4-byte strings, at least this share (per mille) distinct.
DISTINCT = 995
#: The largest stored block deflate allows (LEN is 16 bits).
MAX_STORED = 65535


def _sample(block: bytes) -> bytes:
    """``SPOTS`` slices of ``SPOT`` bytes, the first at the start, the last at the end."""
    step = (len(block) - SPOT) // (SPOTS - 1)
    return b"".join(block[i * step : i * step + SPOT] for i in range(SPOTS))


def _flat(sample: bytes) -> bool:
    """Whether Huffman coding cannot shrink ``sample`` (its collision entropy is high)."""
    squares = sum(count * count for count in Counter(sample).values())
    return 256 * squares * LIMIT_DEN < LIMIT_NUM * len(sample) ** 2


def _unrepeated(sample: bytes) -> bool:
    """Whether ``sample``'s 4-byte strings hardly repeat (deflate would find few matches)."""
    count = len(sample) - 3
    strings: set[int] = set()
    for shift in range(4):
        words = (len(sample) - shift) // 4
        strings.update(struct.unpack(f"<{words}I", sample[shift : shift + 4 * words]))
    return len(strings) * 1000 >= count * DISTINCT


def incompressible(block: bytes) -> bool:
    """Whether ``block`` is to be written as stored blocks (see the module's docstring)."""
    if len(block) < MIN_BLOCK:
        return False
    sample = _sample(block)
    return _flat(sample) and _unrepeated(sample)


def stored(block: bytes, last: bool) -> bytes:
    """``block`` as stored deflate blocks, starting on a byte boundary; the
    last one is final (BFINAL) when ``last``."""
    view = memoryview(block)
    pieces: list[Union[bytes, memoryview]] = []
    starts = range(0, len(block), MAX_STORED)
    for start in starts:
        piece = view[start : start + MAX_STORED]
        final = last and start == starts[-1]
        pieces.append(struct.pack("<BHH", 1 if final else 0, len(piece), len(piece) ^ 0xFFFF))
        pieces.append(piece)
    return b"".join(pieces)
