"""Deflate's stored blocks (RFC 1951, section 3.2.4) for data deflate cannot
shrink, and the tests that pick out that data and data that is random but for
runs of one byte (deflated with zlib's run-length strategy).

Compressed files (.gz, .xz, .deb, zipped archives) and random bytes leave
deflate nothing to gain, and zlib at level 6 still spends about 25 ms per MiB
searching them for matches before it writes them as stored blocks. ``stored``
writes the same kind of blocks directly, at memory speed.

The choice, ``segments``, looks at a fixed sample of the block in integer
arithmetic, so that it depends on the bytes alone: no zlib version (a level-1
trial compression would depend on the zlib, or zlib-ng, at hand), no floating
point, no thread count. The sample is ``SPOTS`` slices of ``SPOT`` bytes, a
quarter of them spread evenly over each quarter of the block (all over a block
under 256 KiB; a tar layer mixes files: small slices see each kind in its share,
tar headers included). Bytes
are stored when both parts of deflate would find nothing in their sample:

- Huffman coding (order 0): the sample's byte counts give

      256 * 1000 * sum(count ** 2) < STORE * n * (n + 256)    (n: bytes sampled)

  that is, within 3.5 % of what uniform random bytes give, a collision (Rényi
  order-2) entropy above 7.93 bits per byte for the whole block's 16 KiB
  (7.86 for a quarter's 4 KiB). Shannon entropy is never below it, so no Huffman
  code of the sampled bytes as literals saves more than 0.9 % (1.7 %). Random
  bytes are at 1000 on average, with a standard deviation of 1.4 (5.5 for a
  quarter); text, code and binaries give 2000 and more; random files with 2 %
  of tar headers and padding about 1100, and are compressed.
- Matches (LZ77): of the sample's 4-byte strings (at every offset), at least
  ``DISTINCT`` per mille are different. Random bytes repeat one with a
  probability of about 2 ** -32 per pair (none in a sample, as a rule); a
  byte-uniform but periodic block (a table 0, 1, …, 255 repeated) fails,
  whatever its period up to the sample's length.

The whole block is stored when its sample passes. Otherwise each quarter is
given a kind (all of a block under 256 KiB is one quarter): stored when its
sample passes; "runs" when its only repeated 4-byte strings are runs of one
byte (four equal bytes), which make up at least ``RUNS_MIN`` per mille of them,
and of the others at least ``RUN_DISTINCT`` per mille are distinct (after a
quicker test of its byte counts but the largest, ``RUNS_FLAT``); deflate
otherwise. Each run of quarters of one kind is written in turn (with the 32 KiB
before it as dictionary); a block whose quarters are all "deflate" is deflated
as a whole, exactly as before stored blocks existed.

"Runs" is random bytes between zero runs: small compressed or random files with
their tar headers and padding (about 8 % zeros). The Huffman test fails on them
(the zeros), deflate shrinks them by 7-15 %, and zlib at level 6 takes about
20 ms per MiB to do it; zlib's run-length strategy (``Z_RLE``: matches at
distance 1 only, which the zeros are) takes about 5 ms and loses only what the
headers' repeated names and fields would give: on 1 MiB blocks of a tar of
random files of 64 B to 64 KiB (log-uniform, the benchmarks' small files),
0.9332 of the input against 0.9270 (0.67 % more bytes, 3.6 times as fast); of
1 to 10 KiB, 0.8624 against 0.8475 (1.8 % more). On a Debian 12 machine's files
(the quarters of 1 MiB blocks not stored, at most 200 files of each kind),
"runs" is chosen for none of the ELF programs (1536 quarters), none of the
.jar files (108) or Python sources (112), and 2 of the 2284 quarters of shared
libraries (where it made 0.9 % fewer bytes than the default). Without the runs
condition, ELF quarters with 99.3 % distinct strings exist (deflate makes them
25 % smaller than ``Z_RLE`` does), and a threshold of 97 % takes one ELF
quarter that ``Z_RLE`` makes 8.5 % larger.

On a Debian 12 machine's files (1 MiB blocks, at most 200 files of each
kind), 96 % of the bytes of /usr/share/doc/*/*.gz and 99.6 % of Debian
packages are stored (deflate would have added bytes to them), 7.7 % of .jar
files (deflate would have saved 1.4 % of those), and none of the programs in
/usr/bin, of the shared libraries or of .png files.

What the sample cannot see is a repeat of high-entropy bytes far from it (the
same compressed file twice within deflate's 32 KiB window): such a block is
stored, a few kB larger than deflate would make it, and as valid.

It costs about 0.5 ms per MiB block of compressible data and 1.5 ms of random
data (``collections.Counter`` and ``struct.unpack`` in C), against about 25 ms
for zlib at level 6; a block of small random files among their tar headers,
which goes through both tests, about 3 ms (then 5 ms of ``Z_RLE``).
"""

from __future__ import annotations

import enum
import struct
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise
from typing import Union

#: Sampled bytes: 128 slices of 128 bytes (16 KiB, a sixty-fourth of a 1 MiB
#: block), 32 in each quarter; small slices, so that a block of small files
#: sees their tar headers.
SPOTS = 128
SPOT = 128
#: Blocks are tested in quarters (when each is at least MIN_BLOCK).
PARTS = 4
#: Blocks shorter than this are always deflated (the sample would be most of
#: them, and their share of a layer is small).
MIN_BLOCK = 64 * 1024
#: The sample's sum(count ** 2), in per mille of what uniform random bytes give
#: (about n * (n + 256) / 256): under STORE, stored.
STORE = 1035
#: Of the sample's 4-byte strings, at least this share (per mille) distinct.
DISTINCT = 995
#: Of the sample's 4-byte strings that are not one byte four times (runs),
#: at least this share (per mille) distinct, and runs at least RUNS_MIN per
#: mille of all: deflated with zlib's run-length strategy.
RUN_DISTINCT = 990
RUNS_MIN = 20
#: A quicker test first: the sample's byte counts but the largest, as for
#: STORE, under RUNS_FLAT per mille (random bytes and one byte more often:
#: 990 to 1130 on tars of random files; text and code far more).
RUNS_FLAT = 1200
#: The largest stored block deflate allows (LEN is 16 bits).
MAX_STORED = 65535


class Kind(enum.Enum):
    """How a segment is written."""

    DEFLATE = "deflate"  # zlib's default strategy, at the level asked for
    RUNS = "runs"  # zlib's run-length strategy (Z_RLE): random bytes with runs between them
    STORED = "stored"  # stored blocks


@dataclass(frozen=True)
class Segment:
    """Bytes ``start`` to ``end`` of a block, and how they are written."""

    start: int
    end: int
    kind: Kind


def _sample(block: bytes, start: int, end: int, spots: int) -> bytes:
    """``spots`` slices of ``SPOT`` bytes of ``block[start:end]``, the first at
    its start, the last at its end."""
    step = (end - start - SPOT) // (spots - 1)
    return b"".join(block[start + i * step : start + i * step + SPOT] for i in range(spots))


def _flat(counts: "Counter[int]", size: int) -> bool:
    """Whether byte counts of ``size`` bytes are as even as random bytes' (within STORE)."""
    squares = sum(count * count for count in counts.values())
    return 256 * squares * 1000 // (size * (size + 256)) < STORE


def _strings(sample: bytes) -> list[int]:
    """``sample``'s 4-byte strings, at every offset, as integers."""
    strings: list[int] = []
    for shift in range(4):
        words = (len(sample) - shift) // 4
        strings.extend(struct.unpack(f"<{words}I", sample[shift : shift + 4 * words]))
    return strings


def _unrepeated(sample: bytes) -> bool:
    """Whether ``sample``'s 4-byte strings hardly repeat (deflate would find few matches)."""
    return len(set(_strings(sample))) * 1000 >= (len(sample) - 3) * DISTINCT


def _flat_but_one(counts: "Counter[int]", size: int) -> bool:
    """Whether byte counts of ``size`` bytes, the largest left out, are nearly
    as even as random bytes' (within RUNS_FLAT)."""
    top = max(counts.values())
    rest = size - top
    squares = sum(count * count for count in counts.values()) - top * top
    return rest > 0 and 256 * squares * 1000 // (rest * (rest + 256)) < RUNS_FLAT


#: The 4-byte strings that are one byte four times, as ``_strings`` gives them.
_RUN_WORDS = frozenset(byte * 0x01010101 for byte in range(256))
#: bytes.translate table: a zero byte becomes 1, any other 0.
_ZERO_TO_ONE = bytes([1] + [0] * 255)


def _run_count(sample: bytes) -> int:
    """How many of ``sample``'s 4-byte strings are one byte four times, in
    big-integer arithmetic (C speed): where a byte equals the next, their XOR
    is zero; a string is a run where three such XORs in a row are."""
    width = len(sample) - 1
    if width < 3:
        return 0
    equal = (int.from_bytes(sample[:-1], "big") ^ int.from_bytes(sample[1:], "big")).to_bytes(width, "big")
    ones = int.from_bytes(equal.translate(_ZERO_TO_ONE), "big")
    return (ones & (ones >> 8) & (ones >> 16)).bit_count()


def _random_with_runs(sample: bytes) -> bool:
    """Whether ``sample``'s only repeated 4-byte strings are runs of one byte,
    which make up at least RUNS_MIN per mille of them (random files between
    zero-filled tar headers and padding)."""
    strings = _strings(sample)
    distinct = set(strings)
    runs = _run_count(sample)
    other, distinct_other = len(strings) - runs, len(distinct) - len(_RUN_WORDS.intersection(distinct))
    return runs * 1000 >= len(strings) * RUNS_MIN and distinct_other * 1000 >= other * RUN_DISTINCT


def _passes(counts: "Counter[int]", sample: bytes) -> bool:
    """Whether ``sample`` (with its byte ``counts``) shows nothing deflate could use."""
    return _flat(counts, len(sample)) and _unrepeated(sample)


def _kind(counts: "Counter[int]", sample: bytes, quarter: bool) -> Kind:
    """How a part whose ``sample`` has byte ``counts`` is written (a
    ``quarter`` of a block may be stored; a whole block was tested already)."""
    if quarter and _passes(counts, sample):
        return Kind.STORED
    runs = _flat_but_one(counts, len(sample)) and _random_with_runs(sample)
    return Kind.RUNS if runs else Kind.DEFLATE


def _runs(ranges: list[tuple[int, int]], kinds: list[Kind]) -> list[Segment]:
    """The ranges, adjacent ones of one kind merged."""
    out: list[Segment] = []
    for (start, end), kind in zip(ranges, kinds, strict=True):
        if out and out[-1].kind == kind:
            out[-1] = Segment(out[-1].start, end, kind)
        else:
            out.append(Segment(start, end, kind))
    return out


#: A block's choice as one letter per part (``choose``), by kind.
_LETTERS = {Kind.DEFLATE: "d", Kind.RUNS: "r", Kind.STORED: "s"}
_KINDS = {letter: kind for kind, letter in _LETTERS.items()}


def _ranges(size: int) -> list[tuple[int, int]]:
    """The parts a block of ``size`` bytes is tested in: its quarters, or all of it."""
    if size < MIN_BLOCK:
        return [(0, size)]
    parts = PARTS if size >= PARTS * MIN_BLOCK else 1
    return list(pairwise(size * part // parts for part in range(parts + 1)))


def choice_length(size: int) -> int:
    """The letters of the choice of a block of ``size`` bytes."""
    return len(_ranges(size))


def choose(block: bytes) -> str:
    """How ``block`` is written, one letter per part (``d`` deflate, ``r``
    runs, ``s`` stored): what ``segments`` decides, in a form a record keeps
    so that the same block is written again without testing it."""
    size = len(block)
    ranges = _ranges(size)
    if size < MIN_BLOCK:
        return "d"
    samples = [_sample(block, start, end, SPOTS // len(ranges)) for start, end in ranges]
    whole = b"".join(samples)
    if _passes(Counter(whole), whole):
        return "s" * len(ranges)
    return "".join(_LETTERS[_kind(Counter(sample), sample, len(ranges) > 1)] for sample in samples)


def segments_of(choice: str, size: int) -> list[Segment]:
    """The segments of a block of ``size`` bytes whose ``choice`` is given
    (``ValueError`` when it does not fit such a block)."""
    ranges = _ranges(size)
    if len(choice) != len(ranges) or not set(choice) <= _KINDS.keys():
        raise ValueError(f"{choice!r} is not the choice of a block of {size} bytes")
    return _runs(ranges, [_KINDS[letter] for letter in choice])


def segments(block: bytes) -> list[Segment]:
    """How ``block`` is written: stored, deflated, or, when some of its
    quarters are of another kind than others, each run of quarters of one
    kind in turn (see the module's docstring)."""
    return segments_of(choose(block), len(block))


def incompressible(block: bytes) -> bool:
    """Whether ``block`` as a whole is to be written as stored blocks."""
    return segments(block) == [Segment(0, len(block), Kind.STORED)]


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
