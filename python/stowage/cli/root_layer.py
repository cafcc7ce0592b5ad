"""Builder of the customisation layer: the image root (``contents`` merged, then
``extraCommands``) written as a layer tar, with its digest and size recorded.

Reads the build's structured attribute ``stowage`` (version 1)::

    {"version": 1, "contents": [paths], "extraCommands": str,
     "shell": path, "path": PATH for the commands,
     "mtime": RFC 3339 time, or "now" (then 1970-01-01T00:00:01Z: the layer is built once)}

Writes ``$out/layer.tar``, ``$out/layer.json`` (``{"diffId", "size"}``) and
``$out/contents`` (the items, one per line: keeps them in the image's closure
even when an item adds no file).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from typing import Optional

from .. import layer, root_tree
from ..errors import UserError
from ..jsondoc import fields, read_attrs, versioned
from ..sink import HashingSink, fd_output
from ..tarformat import Stamp
from ..timestamps import NOW, epoch_seconds
from .common import output_path, run

PROGRAM = "customisation-layer"
VERSION = 1
ROOT_STAMP_OWNER = (0, 0, b"root", b"root")


def _run_commands(commands: str, shell: str, path: str, root: str) -> None:
    if not commands.strip():
        return
    env = dict(os.environ, PATH=path)
    status = subprocess.run([shell, "-e", "-c", commands], cwd=root, env=env).returncode
    if status != 0:
        raise UserError(f"extraCommands failed with exit status {status}")


def build(doc: dict[str, object], out: str, tmp: str) -> None:
    d = fields(versioned(doc, "the customisation layer request", VERSION),
               "the customisation layer request",
               {"version", "contents", "extraCommands", "shell", "path", "mtime"})
    root = os.path.join(tmp, "root")
    os.mkdir(root, 0o755)
    contents = [str(c) for c in d["contents"]]
    root_tree.merge_contents(contents, root)
    _run_commands(str(d["extraCommands"]), str(d["shell"]), str(d["path"]), root)
    mtime = str(d["mtime"])
    seconds = 1 if mtime == NOW else epoch_seconds(mtime, "mtime", datetime.now(timezone.utc))
    stamp = Stamp(seconds, *ROOT_STAMP_OWNER)
    entries = layer.tree_entries(root)
    os.mkdir(out)
    fd = os.open(os.path.join(out, "layer.tar"), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
    try:
        with HashingSink(fd_output(fd)) as sink:
            sink.begin_digest()
            layer.write(entries, stamp, sink)
            diff_id, size = sink.end_digest()
    finally:
        os.close(fd)
    with open(os.path.join(out, "layer.json"), "w", encoding="utf-8") as handle:
        json.dump({"diffId": diff_id, "size": size}, handle, sort_keys=True)
    with open(os.path.join(out, "contents"), "w", encoding="utf-8") as handle:
        handle.writelines(c + "\n" for c in contents)


def main(argv: Optional[list[str]] = None) -> int:
    def body() -> int:
        attrs = read_attrs()
        build(attrs["stowage"], output_path(attrs), os.environ.get("TMPDIR", "/tmp"))
        return 0

    return run(PROGRAM, body)


if __name__ == "__main__":
    sys.exit(main())
