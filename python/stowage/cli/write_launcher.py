"""Builder of the executables this library installs (such as the stream script of
``streamLayeredImage``): a Python script for the library's own interpreter that
runs one entry point with fixed leading arguments.

Its request is ``stowage.contract.step_requests.LauncherRequest``. With ``bin``,
$out is a package: the launcher is ``$out/bin/<bin>``.
"""

from __future__ import annotations

import os
import sys
from typing import Optional

from stowage.contract.step_requests import LauncherRequest
from stowage.cli.common import Step, run_builder

PROGRAM = "write-launcher"


def launcher(python: str, source: str, module: str, args: list[str]) -> str:
    """Return the launcher's text. The source replaces the launcher's own
    directory on ``sys.path``: that is the store itself for a launcher that is
    an output of its own, and Python would list its tens of thousands of
    entries the first time a module is not found before it (about 50 ms of a
    no-op push's 0.28 s)."""
    return (
        f"#!{python} -SB\n"
        "import sys\n"
        f"sys.path[0] = {source!r}\n"
        f"from {module} import main\n"
        f"sys.exit(main({args!r} + sys.argv[1:]))\n"
    )


def build(step: Step[LauncherRequest]) -> None:
    r, out = step.request, step.out
    text = launcher(r.python, r.source, r.module, list(r.args))
    if r.bin is not None:
        os.makedirs(os.path.join(out, "bin"))
        out = os.path.join(out, "bin", r.bin)
    with open(out, "x", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(out, 0o555)


def main(argv: Optional[list[str]] = None) -> int:
    return run_builder(PROGRAM, LauncherRequest, build)


if __name__ == "__main__":
    sys.exit(main())
