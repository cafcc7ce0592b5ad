"""The command line parser of every entry point: argparse, with its mistakes
told in one line and its help written like any other output (a full disk or a
closed pipe is one line or a quiet end, never a traceback)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, NoReturn, Optional

if TYPE_CHECKING:
    from _typeshed import SupportsWrite


class ArgumentParser(argparse.ArgumentParser):
    """argparse's parser whose errors and help follow the project's CLI rules."""

    def error(self, message: str) -> NoReturn:
        """A usage mistake: one line naming the program, and exit status 2."""
        print(f"{self.prog}: error: {message}; see {self.prog} --help", file=sys.stderr)
        sys.exit(2)

    def _print_message(self, message: str, file: Optional[SupportsWrite[str]] = None) -> None:
        if not message:
            return
        stream = sys.stderr if file is None else file
        try:
            stream.write(message)
            flush = getattr(stream, "flush", None)
            if flush is not None:
                flush()
        except OSError as error:
            # A closed pipe (`--help | head`) ends quietly; anything else (a full
            # disk) is one line. Either way the stream is pointed at /dev/null, so
            # that nothing is left for the interpreter to flush into it at exit.
            if not isinstance(error, BrokenPipeError) and stream is not sys.stderr:
                print(f"{self.prog}: error: cannot write the help: {error.strerror}", file=sys.stderr)
            os.dup2(os.open(os.devnull, os.O_WRONLY), 1 if stream is sys.stdout else 2)
            sys.exit(1)
