"""What every command line entry point shares: error reporting and exit codes."""

from __future__ import annotations

import os
import select
import sys
from dataclasses import dataclass
from typing import Callable, Generic, Optional, TypeVar

from stowage.errors import UserError
from stowage.contract import graph as references_graph
from stowage.contract.jsondoc import read_attrs
from stowage.contract.schema import ContractError, builder_of, parse
from stowage.output.sink import OutputError
from stowage.store.closure import GraphNode
from stowage.cli.reaper import reap_if_init

R = TypeVar("R")


@dataclass(frozen=True)
class Step(Generic[R]):
    """What a build step gets from Nix: its parsed request, the output path and
    the references graph (empty unless the derivation exports one)."""

    request: R
    out: str
    graph: tuple[GraphNode, ...]


def read_step(program: str, request_type: type[R]) -> Step[R]:
    """Read the build's structured attributes: the request ``stowage`` parsed
    as ``request_type``, ``out`` and the graph ``closure``."""
    attrs = read_attrs()
    raw = attrs.get("stowage")
    who = builder_of(raw, program)
    request = parse(request_type, raw, program)
    graph = references_graph.parse_graph(attrs.get("closure", []), who)
    return Step(request, output_path(attrs), graph)


def run_builder(program: str, request_type: type[R], build: Callable[[Step[R]], Optional[int]]) -> int:
    """Run a build step: ``build(step)``, its errors told as the public builder's
    (``buildLayeredImage: error: ...``), which the request names."""
    def body() -> int:
        status = build(read_step(program, request_type))
        return 0 if status is None else status

    return run(step_who(program), body)


def step_who(program: str) -> str:
    """Who a build step's errors name: the public builder its request names."""
    try:
        return builder_of(read_attrs().get("stowage"), None) or program
    except (OSError, ValueError):
        return program  # the step reads the attributes again, and tells


def run(program: str, body: Callable[[], int], output: str = "the output") -> int:
    """Run ``body``; a user error prints one line, a closed pipe ends quietly.
    ``output`` names what the program writes, for a write that fails."""
    if sys.stdout is None or not _is_open(1):
        print(f"{program}: error: standard output is closed; redirect it to a file or a pipe "
              "(e.g. > /dev/null)", file=sys.stderr)
        return 1
    reap_if_init()  # in Nix's sandbox a builder is PID 1 and must reap orphans
    try:
        return _flushed(program, body())
    except ContractError as error:
        print(f"{error.who or program}: error: {error.message}", file=sys.stderr)
        return 1
    except UserError as error:
        print(f"{program}: error: {error}", file=sys.stderr)
        return 1
    except OutputError as failure:
        print(f"{program}: error: cannot write {failure.what or output}: {failure.error.strerror}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        if not _stdout_reader_gone():
            raise  # another pipe (a child's): its writer reports it
        # The reader went away (e.g. `./stream | head`): nothing useful to say.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


def write_stdout(data: bytes) -> None:
    """Write ``data`` to standard output now; a failure is an ``OutputError``."""
    try:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as error:
        raise OutputError(error, "to standard output") from None


def _flushed(program: str, status: int) -> int:
    """Flush what was printed, while a failure (a full disk) can still be told."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as error:
        print(f"{program}: error: cannot write to standard output: {error.strerror}", file=sys.stderr)
        return 1
    return status


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def _stdout_reader_gone() -> bool:
    """Whether standard output is a pipe whose reader has closed it."""
    poller = select.poll()
    poller.register(1, select.POLLOUT)
    return any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0))


def progress_printer(program: str) -> Callable[[str], None]:
    def show(line: str) -> None:
        print(f"{program}: {line}", file=sys.stderr, flush=True)

    return show


def output_path(attrs: dict[str, object]) -> str:
    """Return the build's ``out`` path from its structured attributes."""
    outputs = attrs.get("outputs")
    assert isinstance(outputs, dict), "structured attributes without outputs"
    return str(outputs["out"])
