"""The ``oci-archive`` format (as skopeo and podman name it): a tar of an OCI
image layout directory, in this project's tar dialect, with a fixed order
(``oci-layout``, ``index.json``, ``blobs/``, ``blobs/sha256/``, then the blobs
sorted by name), time and owner, so that the same layout gives the same bytes.
"""

from __future__ import annotations

import os

from stowage.tar import headers as tarformat, member as tar_member
from stowage.output.sink import HashingSink
from stowage.tar.headers import Stamp

STAMP = Stamp(1, 0, 0, b"", b"")


def _file(sink: HashingSink, root: str, name: str) -> None:
    path = os.path.join(root, name)
    size = os.stat(path).st_size
    with tar_member.regular(sink, name.encode(), size, STAMP):
        sink.copy_file(os.fsencode(path), size)


def write_archive(root: str, sink: HashingSink) -> None:
    """Write the layout in directory ``root`` as a tar to ``sink``."""
    _file(sink, root, "oci-layout")
    _file(sink, root, "index.json")
    for directory in ("blobs/", "blobs/sha256/"):
        sink.write(tarformat.header(directory.encode(), tarformat.DIRTYPE, 0o555, STAMP))
    for name in sorted(os.listdir(os.path.join(root, "blobs", "sha256"))):
        _file(sink, root, f"blobs/sha256/{name}")
    sink.write(tarformat.END_OF_ARCHIVE)
