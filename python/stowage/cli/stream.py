"""``stream``: write an image, described by its plan, to stdout as a docker-archive.

    stream --plan PLAN [--repo-tag NAME:TAG]
    stream CONF [--repo-tag NAME:TAG]     (nixpkgs' `streamScript conf`: CONF is the
                                           image's conf directory or its plan.json)
    stream ... --load docker|podman       (into the engine, only the layers it lacks:
                                           as copyToDockerDaemon / copyToPodman)

Progress goes to stderr, one line per layer; stdout carries only the archive.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import sys
from typing import Optional

from stowage.cli.arguments import ArgumentParser
from stowage.errors import UserError
from stowage.contract import plan as image_plan
from stowage.reference import parse_repo_tag
from stowage.formats.docker_archive import write_image
from stowage.output.sink import HashingSink, fd_output
from stowage.cli.common import progress_printer, run

PROGRAM = "stream"
_F_SETPIPE_SZ = 1031


def _parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog=PROGRAM, description="Write a container image to stdout as a docker-archive."
    )
    parser.add_argument("--plan", help="the image plan (JSON) to stream")
    parser.add_argument("conf", nargs="?", help="the image's conf (its directory, or its plan.json)")
    parser.add_argument(
        "-t", "--repo-tag", "--repo_tag", metavar="NAME:TAG", help="the name and tag to load the image as"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print no progress")
    parser.add_argument("--load", choices=("docker", "podman"),
                        help="load into this engine, sending only the layers it lacks, instead of writing stdout")
    parser.add_argument(
        "--verify", action="store_true",
        help="hash recorded layers too, and fail if a digest differs from its record",
    )
    return parser


def _widen_pipe(fd: int) -> None:
    """A 1 MiB pipe (the unprivileged maximum) halves the context switches."""
    try:
        fcntl.fcntl(fd, _F_SETPIPE_SZ, 1 << 20)
    except OSError:
        pass


def _plan_path(parser: argparse.ArgumentParser, args: argparse.Namespace) -> str:
    """The plan file named by --plan or by the conf argument (not both)."""
    if (args.plan is None) == (args.conf is None):
        parser.error("give the image's plan: --plan PLAN, or its conf as the one argument")
    if args.plan is not None:
        return str(args.plan)
    conf = str(args.conf)
    return os.path.join(conf, "plan.json") if os.path.isdir(conf) else conf


def _read_plan(path: str) -> object:
    """The image plan's JSON; a file that is missing or not JSON is a user error."""
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except OSError as error:
        raise UserError(f"cannot read the image plan {path}: {error.strerror}; "
                        "give the plan.json of an image (its conf)") from None
    except ValueError as error:
        raise UserError(f"the image plan {path} is not JSON ({error}); "
                        "give the plan.json of an image (its conf)") from None


def main(argv: Optional[list[str]] = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    plan_path = _plan_path(parser, args)

    def body() -> int:
        repo_tag = None if args.repo_tag is None else parse_repo_tag(args.repo_tag, "--repo-tag")
        plan = image_plan.parse(_read_plan(plan_path))
        if sys.stdout.isatty():
            print(f"{PROGRAM}: refusing to write an image to a terminal; pipe it, "
                  "e.g. into `docker load`", file=sys.stderr)
            return 1
        fd = sys.stdout.fileno()
        _widen_pipe(fd)
        progress = (lambda line: None) if args.quiet else progress_printer(PROGRAM)
        with HashingSink(fd_output(fd), direct_fd=fd) as sink:
            write_image(plan, sink, repo_tag=repo_tag, progress=progress, verify=args.verify)
        return 0

    if args.load is not None:
        # Imported here: loading into an engine needs modules that streaming does
        # not (about 9 ms of start-up less for every stream, measured here).
        from stowage.cli import load_image

        return load_image.main(["--plan", plan_path, "--engine", args.load,
                                *(["--repo-tag", args.repo_tag] if args.repo_tag else []),
                                *(["--quiet"] if args.quiet else [])])
    return run(PROGRAM, body, output="the image to standard output")


if __name__ == "__main__":
    sys.exit(main())
