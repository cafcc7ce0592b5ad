"""``load-image``: load an image (its plan) into ``docker load`` or
``podman load``; the executable behind ``copyToDockerDaemon`` and ``copyToPodman``.

    load-image --plan PLAN --engine docker|podman [--repo-tag NAME:TAG] [--quiet] [--all-layers]

The engine is the one on PATH (or named by ``$STOWAGE_DOCKER`` / ``$STOWAGE_PODMAN``).
It is first asked which layers it holds, and only the others are sent
(``engine.load``); ``--all-layers`` sends every layer without asking. What it
prints on stdout is passed on to ours once it ends (so that a failing write,
such as a full disk, is reported: the engines ignore it); nothing is written to
disk on the way.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Optional

from stowage.cli.arguments import ArgumentParser
from stowage.contract import plan as image_plan
from stowage.engine import load
from stowage.errors import UserError
from stowage.reference import parse_repo_tag
from stowage.cli.common import progress_printer, run, write_stdout

PROGRAM = "load-image"


def _parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(prog=PROGRAM, description="Load an image into Docker or podman.")
    parser.add_argument("--plan", required=True, help="the image plan (JSON)")
    parser.add_argument("--engine", required=True, choices=("docker", "podman"))
    parser.add_argument("-t", "--repo-tag", metavar="NAME:TAG", help="the name and tag to load the image as")
    parser.add_argument("-q", "--quiet", action="store_true", help="print no progress")
    parser.add_argument("--all-layers", action="store_true",
                        help="send every layer, without asking the engine which ones it holds")
    return parser


def main(argv: Optional[list[str]] = None) -> int:
    args = _parser().parse_args(argv)

    def body() -> int:
        repo_tag = None if args.repo_tag is None else parse_repo_tag(args.repo_tag, "--repo-tag")
        with open(args.plan, encoding="utf-8") as handle:
            plan = image_plan.parse(json.load(handle))
        progress = (lambda line: None) if args.quiet else progress_printer(PROGRAM)
        program = os.environ.get(f"STOWAGE_{args.engine.upper()}") or args.engine
        request = load.Request(plan, args.engine, program, repo_tag, incremental=not args.all_layers)
        outcome = load.load(request, progress, progress_printer(PROGRAM))
        sys.stderr.buffer.write(outcome.stderr)
        write_stdout(outcome.stdout)
        if outcome.status != 0:
            raise UserError(f"{args.engine} load failed (exit status {outcome.status})")
        return 0

    return run(PROGRAM, body, output=f"the image to {args.engine} load")


if __name__ == "__main__":
    sys.exit(main())
