"""Builder of a multi-platform image (see ``stowage.push.multi_arch``); its
request is ``stowage.contract.step_requests.MultiArchRequest``.
"""

from __future__ import annotations

import sys
from typing import Optional

from stowage.push import multi_arch
from stowage.push import plan as push_plan
from stowage.contract.step_requests import MultiArchRequest
from stowage.cli.common import Step, run_builder

PROGRAM = "multi-arch-image"


def build(step: Step[MultiArchRequest]) -> None:
    images = [push_plan.read(p) for p in step.request.images]
    multi_arch.write(step.out, step.request.repo_tag, images, dict(sorted(step.request.annotations.items())))


def main(argv: Optional[list[str]] = None) -> int:
    return run_builder(PROGRAM, MultiArchRequest, build)


if __name__ == "__main__":
    sys.exit(main())
