"""The store paths a layer tar holds: the first component below the store directory
of every member's name. ``buildImage`` copies the closure of its items into its one
layer (the customisation layer of its plan), so the plan alone does not list it.
Members are read as a stream (headers only; the file bodies are skipped)."""

from __future__ import annotations

import tarfile

from stowage.errors import UserError


def store_paths(tar_path: str, store_dir: str) -> set[str]:
    """The store paths with at least one member in the tar at ``tar_path``."""
    prefix = store_dir.strip("/") + "/"
    found: set[str] = set()
    try:
        with tarfile.open(tar_path, mode="r|") as tar:
            for member in tar:
                name = member.name.removeprefix("./").lstrip("/")
                if name.startswith(prefix) and len(name) > len(prefix):
                    found.add("/" + prefix + name[len(prefix):].split("/", 1)[0])
    except (OSError, tarfile.TarError) as error:
        raise UserError(f"cannot read the layer {tar_path}: {error}") from None
    return found
