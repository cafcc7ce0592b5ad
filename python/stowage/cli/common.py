"""What every command line entry point shares: error reporting and exit codes."""

from __future__ import annotations

import os
import sys
from typing import Any, Callable

from ..errors import UserError
from ..jsondoc import read_attrs
from .reaper import reap_if_init


def run_builder(program: str, build: Callable[[Any, str], None]) -> int:
    """Run a build step: ``build(request, out)`` with the structured attribute
    ``stowage`` (the step's versioned request) and the build's output path."""

    def body() -> int:
        attrs = read_attrs()
        build(attrs["stowage"], output_path(attrs))
        return 0

    return run(program, body)


def run(program: str, body: Callable[[], int]) -> int:
    """Run ``body``; a user error prints one line, a closed pipe ends quietly."""
    reap_if_init()  # in Nix's sandbox a builder is PID 1 and must reap orphans
    try:
        return body()
    except UserError as error:
        print(f"{program}: error: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (e.g. `./stream | head`): nothing useful to say.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


def progress_printer(program: str) -> Callable[[str], None]:
    def show(line: str) -> None:
        print(f"{program}: {line}", file=sys.stderr, flush=True)

    return show


def output_path(attrs: dict[str, object]) -> str:
    """Return the build's ``out`` path from its structured attributes."""
    outputs = attrs.get("outputs")
    assert isinstance(outputs, dict), "structured attributes without outputs"
    return str(outputs["out"])
