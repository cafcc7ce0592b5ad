"""Builder of small file trees (the image helpers: fakeNss, binSh, usrBinEnv,
caCertificates): text files, copies of files and symlinks, described in JSON.

Structured attribute ``stowage`` (version 1)::

    {"version": 1, "entries": [
        {"path": "etc/passwd", "text": "root:x:0:0::/root:/bin/sh\\n"},
        {"path": "bin/busybox", "copy": "/bin/busybox"},
        {"path": "bin/sh", "symlink": "busybox"},
        {"path": "var/empty", "directory": true}]}

Parent directories are made as needed. A copy keeps the source's execute bit.
"""

from __future__ import annotations

import os
import shutil
import sys
from typing import Any, Optional

from stowage.errors import UserError
from stowage.contract.jsondoc import fields, versioned
from stowage.cli.common import run_builder

PROGRAM = "write-tree"
VERSION = 1
_KINDS = ("text", "copy", "symlink", "directory")


def _write_entry(out: str, entry: Any) -> None:
    kind = next((k for k in _KINDS if k in entry), None)
    d = fields(entry, "a tree entry", {"path", kind} if kind else {"path", "text"})
    target = os.path.join(out, str(d["path"]))
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if kind == "text":
        with open(target, "x", encoding="utf-8") as handle:
            handle.write(str(d["text"]))
    elif kind == "copy":
        source = str(d["copy"])
        if not os.path.isfile(source):
            raise UserError(f"{source} does not exist on this machine; install it (see the README) or pass pkgs")
        shutil.copyfile(source, target)
        os.chmod(target, 0o555 if os.access(source, os.X_OK) else 0o444)
    elif kind == "symlink":
        os.symlink(str(d["symlink"]), target)
    else:
        os.makedirs(target, exist_ok=True)


def build(doc: Any, out: str) -> None:
    d = fields(versioned(doc, "the tree request", VERSION), "the tree request", {"version", "entries"})
    os.mkdir(out)
    for entry in d["entries"]:
        _write_entry(out, entry)


def main(argv: Optional[list[str]] = None) -> int:
    return run_builder(PROGRAM, build)


if __name__ == "__main__":
    sys.exit(main())
