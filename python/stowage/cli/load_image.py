"""``load-image``: stream an image (its plan) into ``docker load`` or
``podman load``; the executable behind ``copyToDockerDaemon`` and ``copyToPodman``.

    load-image --plan PLAN --engine docker|podman [--repo-tag NAME:TAG] [--quiet]

The engine is the one on PATH (or named by ``$STOWAGE_DOCKER`` / ``$STOWAGE_PODMAN``);
what it prints on stdout is passed on to ours once it ends (so that a failing
write, such as a full disk, is reported: the engines ignore it); nothing is
written to disk on the way.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
from typing import Optional

from stowage.cli.arguments import ArgumentParser
from stowage.contract import plan as image_plan
from stowage.errors import UserError
from stowage.formats.docker_archive import write_image
from stowage.reference import parse_repo_tag
from stowage.output.sink import HashingSink, fd_output
from stowage.cli.common import progress_printer, run, write_stdout

PROGRAM = "load-image"


def _parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(prog=PROGRAM, description="Load an image into Docker or podman.")
    parser.add_argument("--plan", required=True, help="the image plan (JSON)")
    parser.add_argument("--engine", required=True, choices=("docker", "podman"))
    parser.add_argument("-t", "--repo-tag", metavar="NAME:TAG", help="the name and tag to load the image as")
    parser.add_argument("-q", "--quiet", action="store_true", help="print no progress")
    return parser


def _spawn(engine: str) -> subprocess.Popen[bytes]:
    program = os.environ.get(f"STOWAGE_{engine.upper()}") or engine
    try:
        return subprocess.Popen([program, "load"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    except OSError as error:
        raise UserError(f"cannot run {program} load: {error.strerror}; install {engine} or put it on PATH") from None


def main(argv: Optional[list[str]] = None) -> int:
    args = _parser().parse_args(argv)

    def body() -> int:
        repo_tag = None if args.repo_tag is None else parse_repo_tag(args.repo_tag, "--repo-tag")
        with open(args.plan, encoding="utf-8") as handle:
            plan = image_plan.parse(json.load(handle))
        progress = (lambda line: None) if args.quiet else progress_printer(PROGRAM)
        process = _spawn(args.engine)
        assert process.stdin is not None and process.stdout is not None
        said: list[bytes] = []  # read alongside, so that the engine never blocks on it
        reader = threading.Thread(target=lambda: said.append(process.stdout.read()))  # type: ignore[union-attr]
        reader.start()
        fd = process.stdin.fileno()
        try:
            with HashingSink(fd_output(fd), direct_fd=fd) as sink:
                write_image(plan, sink, repo_tag=repo_tag, progress=progress)
        except BrokenPipeError:
            pass  # the engine stopped reading: its status says why
        finally:
            process.stdin.close()
            reader.join()
            process.stdout.close()
        write_stdout(b"".join(said))
        if process.wait() != 0:
            raise UserError(f"{args.engine} load failed (exit status {process.returncode})")
        return 0

    return run(PROGRAM, body, output=f"the image to {args.engine} load")


if __name__ == "__main__":
    sys.exit(main())
