"""Builder of the executables this library installs (such as the stream script of
``streamLayeredImage``): a Python script for the library's own interpreter that
runs one entry point with fixed leading arguments.

Structured attribute ``stowage`` (version 1)::

    {"version": 1, "python": path, "source": path of the python/ tree,
     "module": "stowage.cli.stream", "args": [str], "bin": str (optional)}

With ``bin``, $out is a package: the launcher is ``$out/bin/<bin>``.
"""

from __future__ import annotations

import os
import sys
from typing import Optional

from stowage.contract.jsondoc import fields, read_attrs, versioned
from stowage.cli.common import output_path, run

PROGRAM = "write-launcher"
VERSION = 1


def launcher(python: str, source: str, module: str, args: list[str]) -> str:
    """Return the launcher's text."""
    return (
        f"#!{python} -SB\n"
        "import sys\n"
        f"sys.path.insert(0, {source!r})\n"
        f"from {module} import main\n"
        f"sys.exit(main({args!r} + sys.argv[1:]))\n"
    )


def main(argv: Optional[list[str]] = None) -> int:
    def body() -> int:
        attrs = read_attrs()
        d = fields(versioned(attrs["stowage"], "the launcher request", VERSION),
                   "the launcher request", {"version", "python", "source", "module", "args"}, frozenset({"bin"}))
        out = output_path(attrs)
        text = launcher(str(d["python"]), str(d["source"]), str(d["module"]), [str(a) for a in d["args"]])
        if "bin" in d:
            os.makedirs(os.path.join(out, "bin"))
            out = os.path.join(out, "bin", str(d["bin"]))
        with open(out, "x", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(out, 0o555)
        return 0

    return run(PROGRAM, body)


if __name__ == "__main__":
    sys.exit(main())
