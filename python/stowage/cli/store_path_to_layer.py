"""``store-path-to-layer``: write the layer tar of a set of store paths to a file
and print its record, ``{"diffId": "sha256:...", "size": n, "paths": [...]}``.

    store-path-to-layer --output FILE [--mtime SECONDS] [--owner UID:GID:UNAME:GNAME]
                        [--store-dir DIR] PATH...

The layer is the same, byte for byte, as the one ``stream`` writes for these paths.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Optional

from stowage.layers import tarball as layer
from stowage.errors import UserError
from stowage.output.sink import HashingSink, fd_output
from stowage.tar.headers import Stamp
from stowage.cli.common import run

PROGRAM = "store-path-to-layer"


def _owner(text: str) -> tuple[int, int, bytes, bytes]:
    parts = text.split(":")
    if len(parts) != 4 or not parts[0].isdigit() or not parts[1].isdigit():
        raise UserError(f"--owner must be UID:GID:UNAME:GNAME, e.g. 0:0:root:root; got {text!r}")
    return int(parts[0]), int(parts[1]), parts[2].encode(), parts[3].encode()


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog=PROGRAM, description="Write the layer tar of store paths.")
    parser.add_argument("--output", required=True)
    parser.add_argument("--mtime", type=int, default=1)
    parser.add_argument("--owner", default="0:0:root:root")
    parser.add_argument("--store-dir", default=os.environ.get("NIX_STORE", "/nix/store"))
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args(argv)

    def body() -> int:
        stamp = Stamp(args.mtime, *_owner(args.owner))
        entries = layer.store_entries(args.store_dir, args.paths)
        tmp = args.output + ".tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            with HashingSink(fd_output(fd)) as sink:
                sink.begin_digest()
                layer.write(entries, stamp, sink)
                diff_id, size = sink.end_digest()
        except BaseException:
            os.close(fd)
            os.unlink(tmp)
            raise
        os.close(fd)
        os.replace(tmp, args.output)
        print(json.dumps({"diffId": diff_id, "size": size, "paths": sorted(args.paths)}))
        return 0

    return run(PROGRAM, body)


if __name__ == "__main__":
    sys.exit(main())
