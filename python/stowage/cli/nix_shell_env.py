"""Builder of a nix-shell image's files (streamNixShellImage): the rcfile,
``bin/buildDerivation`` and the files of the derivation's ``passAsFile``
attributes (see stowage.devshell.rcfile).

Structured attribute ``stowage`` (version 1)::

    {"version": 1, "shell": "/nix/store/..-bash/bin/bash",
     "builder": "/nix/store/..-bash/bin/bash", "args": ["-e", "/nix/store/..-builder.sh"],
     "command": null, "run": "buildDerivation",
     "passAsFile": {"str": "this is a string"}}

Output: ``rc``, ``bin/buildDerivation`` and ``pass-as-file/<name>`` for each
passAsFile attribute (streamNixShellImage sets ``<name>Path`` to it).
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any, Optional

from stowage.errors import UserError
from stowage.contract.jsondoc import fields, optional_str, string, strings, versioned
from stowage.devshell.rcfile import ShellImage, build_derivation, rcfile
from stowage.cli.common import run_builder

PROGRAM = "nix-shell-env"
VERSION = 1
_KEYS = {"version", "shell", "builder", "args", "command", "run", "passAsFile"}
# A passAsFile attribute's name becomes a file name and, with "Path", a variable's.
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def parse(doc: Any) -> tuple[ShellImage, dict[str, str]]:
    """Return the request as a ShellImage and the passAsFile texts by name."""
    d = fields(versioned(doc, "the nix-shell request", VERSION), "the nix-shell request", _KEYS)
    image = ShellImage(
        shell=string(d["shell"], "shell"),
        builder=string(d["builder"], "builder"),
        args=strings(d["args"], "args"),
        command=optional_str(d["command"]),
        run=optional_str(d["run"]),
    )
    files = d["passAsFile"]
    if not isinstance(files, dict):
        raise UserError(f"passAsFile must be an object of texts; got {files!r}")
    for name in files:
        if not _NAME.fullmatch(name):
            raise UserError(f"passAsFile names the attribute {name!r}, which cannot be a variable's name")
    return image, {name: string(text, f"passAsFile's {name}") for name, text in files.items()}


def _write(path: str, text: str, mode: int) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "x", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, mode)


def build(doc: Any, out: str) -> None:
    image, files = parse(doc)
    os.mkdir(out)
    _write(os.path.join(out, "rc"), rcfile(image, os.path.join(out, "bin")), 0o444)
    _write(os.path.join(out, "bin", "buildDerivation"), build_derivation(image), 0o555)
    for name in sorted(files):
        _write(os.path.join(out, "pass-as-file", name), files[name], 0o444)


def main(argv: Optional[list[str]] = None) -> int:
    return run_builder(PROGRAM, build)


if __name__ == "__main__":
    sys.exit(main())
