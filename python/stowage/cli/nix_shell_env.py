"""Builder of a nix-shell image's files (streamNixShellImage, buildNixShellImage):
the rcfile, ``bin/buildDerivation`` and the files of the derivation's
``passAsFile`` attributes (see stowage.devshell.rcfile).

Its request is ``stowage.contract.step_requests.NixShellRequest`` (``drvBuilder``
and ``args``: the derivation's own builder and arguments).

Output: ``rc``, ``bin/buildDerivation`` and ``pass-as-file/<name>`` for each
passAsFile attribute (the image sets ``<name>Path`` to it).
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any, Optional

from stowage.errors import UserError
from stowage.contract import schema
from stowage.contract.step_requests import NixShellRequest
from stowage.devshell.rcfile import ShellImage, build_derivation, rcfile
from stowage.cli.common import Step, run_builder

PROGRAM = "nix-shell-env"
# A passAsFile attribute's name becomes a file name and, with "Path", a variable's.
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def shell_image(r: NixShellRequest) -> tuple[ShellImage, dict[str, str]]:
    """The request as a ShellImage and the passAsFile texts by name."""
    for name in r.pass_as_file:
        if not _NAME.fullmatch(name):
            raise UserError(f"passAsFile names the attribute {name!r}, which cannot be a variable's name")
    image = ShellImage(shell=r.shell, builder=r.drv_builder, args=r.args, command=r.command, run=r.run)
    return image, dict(r.pass_as_file)


def parse(doc: Any) -> tuple[ShellImage, dict[str, str]]:
    """Return the request ``doc`` (parsed JSON) as a ShellImage and the passAsFile texts."""
    return shell_image(schema.parse(NixShellRequest, doc, PROGRAM))


def _write(path: str, text: str, mode: int) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "x", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, mode)


def write(image: ShellImage, files: dict[str, str], out: str) -> None:
    """Write the rcfile, buildDerivation and the passAsFile files into the new directory ``out``."""
    os.mkdir(out)
    _write(os.path.join(out, "rc"), rcfile(image, os.path.join(out, "bin")), 0o444)
    _write(os.path.join(out, "bin", "buildDerivation"), build_derivation(image), 0o555)
    for name in sorted(files):
        _write(os.path.join(out, "pass-as-file", name), files[name], 0o444)


def build(step: Step[NixShellRequest]) -> None:
    write(*shell_image(step.request), step.out)


def main(argv: Optional[list[str]] = None) -> int:
    return run_builder(PROGRAM, NixShellRequest, build)


if __name__ == "__main__":
    sys.exit(main())
