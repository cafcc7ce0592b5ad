"""Builder of an image's ``config`` as a store file, so that Nix finds the store
paths the config mentions (they join the image's closure).

Its request is ``stowage.contract.image_requests.ConfigRequest``; writes the
config's canonical JSON to $out.
"""

from __future__ import annotations

import sys
from typing import Optional

from stowage import canonical_json
from stowage.contract.image_requests import ConfigRequest
from stowage.cli.common import Step, run_builder

PROGRAM = "write-config"


def build(step: Step[ConfigRequest]) -> None:
    with open(step.out, "xb") as handle:
        handle.write(canonical_json.dumps(step.request.config))


def main(argv: Optional[list[str]] = None) -> int:
    return run_builder(PROGRAM, ConfigRequest, build)


if __name__ == "__main__":
    sys.exit(main())
