"""Builder of an image's ``config`` as a store file, so that Nix finds the store
paths the config mentions (they join the image's closure).

Structured attribute ``stowage`` (version 1): ``{"version": 1, "config": {...}}``;
writes the config's canonical JSON to $out.
"""

from __future__ import annotations

import sys
from typing import Optional

from stowage import canonical_json
from stowage.contract.jsondoc import fields, read_attrs, versioned
from stowage.cli.common import output_path, run

PROGRAM = "write-config"
VERSION = 1


def main(argv: Optional[list[str]] = None) -> int:
    def body() -> int:
        attrs = read_attrs()
        d = fields(versioned(attrs["stowage"], "the config request", VERSION),
                   "the config request", {"version", "config"})
        with open(output_path(attrs), "xb") as handle:
            handle.write(canonical_json.dumps(d["config"] or {}))
        return 0

    return run(PROGRAM, body)


if __name__ == "__main__":
    sys.exit(main())
