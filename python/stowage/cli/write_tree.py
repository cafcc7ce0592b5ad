"""Builder of small file trees (the image helpers: fakeNss, binSh, usrBinEnv,
caCertificates): text files, copies of files and symlinks, described in JSON.

Its request is ``stowage.contract.step_requests.TreeRequest``: entries such as
``{"path": "etc/passwd", "text": "root:x:0:0::/root:/bin/sh\\n"}``,
``{"path": "bin/busybox", "copy": "/bin/busybox"}``, ``{"path": "bin/sh", "symlink":
"busybox"}`` and ``{"path": "var/empty", "directory": true}``.

Parent directories are made as needed. A copy keeps the source's execute bit.
"""

from __future__ import annotations

import os
import shutil
import sys
from typing import Optional

from stowage.errors import UserError
from stowage.contract.step_requests import CopyEntry, SymlinkEntry, TextEntry, TreeEntry, TreeRequest
from stowage.cli.common import Step, run_builder

PROGRAM = "write-tree"


def _write_entry(out: str, entry: TreeEntry) -> None:
    target = os.path.join(out, entry.path)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if isinstance(entry, TextEntry):
        with open(target, "x", encoding="utf-8") as handle:
            handle.write(entry.text)
    elif isinstance(entry, CopyEntry):
        if not os.path.isfile(entry.copy):
            raise UserError(f"{entry.copy} does not exist on this machine; install it (see the README) or pass pkgs")
        shutil.copyfile(entry.copy, target)
        os.chmod(target, 0o555 if os.access(entry.copy, os.X_OK) else 0o444)
    elif isinstance(entry, SymlinkEntry):
        os.symlink(entry.symlink, target)
    else:
        os.makedirs(target, exist_ok=True)


def build(step: Step[TreeRequest]) -> None:
    os.mkdir(step.out)
    for entry in step.request.entries:
        _write_entry(step.out, entry)


def main(argv: Optional[list[str]] = None) -> int:
    return run_builder(PROGRAM, TreeRequest, build)


if __name__ == "__main__":
    sys.exit(main())
