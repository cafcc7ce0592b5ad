"""Builder of one synthetic store path for the stream benchmark (run by Nix).

Everything is generated here from the derivation's attributes, so no file
content passes through Nix evaluation: the same attributes give the same bytes.

Attributes (environment variables):
    mix     "default": many small files and a few large ones
            "small":   small files only (64 B to 64 KiB, log-uniform)
            "tiny":    ``files`` files of 0 to 200 bytes (per-entry cost)
    seed    an integer; with ``index``, seeds every choice
    index   this path's position in the closure
    bytes   the file bytes to write (default and small mixes)
    data    "random" (the default): pseudo-random bytes, which deflate cannot
            shrink, like the already compressed files of a real closure;
            "text": compressible bytes, half the files text-like (words of a
            made-up vocabulary, Zipf-distributed), half binary-like (short
            "instructions" from a skewed table, addresses, zero runs), each
            file drawn anew; gzip -6 makes them about 40 % of their size
    files   the number of files to write (tiny mix)
    deps    store paths this one refers to (space-separated); they are written
            into some files, so Nix records them as references
"""

from __future__ import annotations

import math
import os
import random
from dataclasses import dataclass
from itertools import accumulate
from typing import Optional

SMALL_MIN, SMALL_MAX = 64, 64 << 10
FILES_PER_DIR = 150
# default mix: about 60 % of the bytes in files of 1 to 24 MB, like the
# libraries and binaries of a real closure; the rest as the small mix.
LARGE_SHARE = 0.6
LARGE_MIN, LARGE_MAX = 1 << 20, 24 << 20


def small_size(rng: random.Random) -> int:
    """A size drawn log-uniformly between 64 B and 64 KiB (mean about 9 KiB)."""
    return int(math.exp(rng.uniform(math.log(SMALL_MIN), math.log(SMALL_MAX))))


def sizes(mix: str, rng: random.Random, budget: int, files: int) -> list[int]:
    """Return the sizes of the files to write."""
    if mix == "tiny":
        return [rng.randrange(201) for _ in range(files)]
    out: list[int] = []
    large = int(budget * LARGE_SHARE) if mix == "default" else 0
    while large >= LARGE_MIN:
        size = min(large, rng.randrange(LARGE_MIN, LARGE_MAX))
        out.append(size)
        large -= size
    left = budget - sum(out)
    while left > 0:
        size = min(left, small_size(rng))
        out.append(size)
        left -= size
    rng.shuffle(out)
    return out


@dataclass(frozen=True)
class Table:
    """Items drawn with Zipf weights (the n-th with weight 1/n) to make compressible bytes."""

    items: list[bytes]
    cumulative: list[float]
    average: float

    @staticmethod
    def of(items: list[bytes]) -> "Table":
        return Table(items, list(accumulate(1 / (n + 1) for n in range(len(items)))),
                     sum(map(len, items)) / len(items))

    def draw(self, rng: random.Random, size: int) -> bytes:
        """``size`` bytes of items (the last one cut)."""
        out = b""
        while len(out) < size:
            out += b"".join(rng.choices(self.items, cum_weights=self.cumulative, k=int(size / self.average) + 1))
        return out[:size]


def text_table(rng: random.Random) -> Table:
    """Words (and line ends) of a made-up vocabulary."""
    letters = b"etaoinshrdlcumwfgypbvkjxqz"
    vocabulary = [bytes(rng.choices(letters, k=rng.randrange(1, 10))) + b" " for _ in range(4000)]
    vocabulary[::13] = [word[:-1] + b"\n" for word in vocabulary[::13]]
    return Table.of(vocabulary)


def binary_table(rng: random.Random) -> Table:
    """Machine-code-like pieces: frequent short sequences, addresses, zero runs."""
    codes = [rng.randbytes(rng.randrange(1, 8)) for _ in range(600)]
    codes += [rng.randbytes(4) for _ in range(300)] + [bytes(rng.randrange(4, 64)) for _ in range(20)]
    rng.shuffle(codes)
    return Table.of(codes)


def content(rng: random.Random, size: int, mention: bytes, table: Optional[Table] = None) -> bytes:
    """``size`` bytes (pseudo-random, or drawn from ``table``), starting with
    ``mention`` when it fits."""
    data = table.draw(rng, size) if table else rng.randbytes(size)
    if mention and len(mention) <= size:
        data = mention + data[len(mention) :]
    return data


def main() -> None:
    env = os.environ
    out = env["out"]
    mix = env["mix"]
    rng = random.Random(int(env["seed"]) * 1_000_003 + int(env["index"]))
    deps = [d.encode() for d in env.get("deps", "").split()]
    plan = sizes(mix, rng, int(env.get("bytes", "0")), int(env.get("files", "0")))
    tables = [text_table(rng), binary_table(rng)] if env.get("data", "random") == "text" else [None]
    os.mkdir(out)
    for number, size in enumerate(plan):
        directory = os.path.join(out, "share", f"d{number // FILES_PER_DIR:04d}")
        if number % FILES_PER_DIR == 0:
            os.makedirs(directory)
        # One file in 50 refers to a dependency, as RPATHs and scripts do.
        mention = deps[number % len(deps)] if deps and number % 50 == 0 else b""
        with open(os.path.join(directory, f"f{number:06d}"), "wb") as handle:
            handle.write(content(rng, size, mention, tables[number % len(tables)]))
        if number % 100 == 7:
            os.symlink(f"f{number:06d}", os.path.join(directory, f"link{number:06d}"))
    os.makedirs(os.path.join(out, "nix-support"))
    with open(os.path.join(out, "nix-support", "deps"), "wb") as handle:
        handle.write(b"".join(d + b"\n" for d in deps))


if __name__ == "__main__":
    main()
