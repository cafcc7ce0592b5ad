"""Whiteouts and layer precedence in exportImage's flattening."""

from __future__ import annotations

import io
import tarfile

from stowage.formats.export import visible_entries


def _layer(*entries: tuple[str, str]) -> tarfile.TarFile:
    """A layer from (name, kind) pairs; kind is 'dir', 'file:<content>' or 'link:<target>'."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, kind in entries:
            info = tarfile.TarInfo(name)
            data = b""
            if kind == "dir":
                info.type = tarfile.DIRTYPE
            elif kind.startswith("link:"):
                info.type, info.linkname = tarfile.SYMTYPE, kind[5:]
            else:
                data = kind.split(":", 1)[1].encode()
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    return tarfile.open(fileobj=buffer)


def _view(*layers: tarfile.TarFile) -> dict[str, int]:
    return {path: v.layer for path, v in visible_entries(list(layers)).items()}


def test_later_layers_win() -> None:
    view = _view(_layer(("etc", "dir"), ("etc/a", "file:1")), _layer(("etc/a", "file:2")))
    # The upper layer's etc/a implies its own directory etc, which overlayfs shows
    # (Docker 20.10's export: drwxr-xr-x root, whatever the lower etc was).
    assert view == {"etc": 1, "etc/a": 1}


def test_whiteout_hides_a_file_and_a_subtree() -> None:
    lower = _layer(("a", "dir"), ("a/x", "file:x"), ("b", "file:b"), ("c", "file:c"))
    upper = _layer(("./.wh.a", "file:"), ("./.wh.b", "file:"))
    assert _view(lower, upper) == {"c": 0}


def test_whiteout_applies_only_to_lower_layers() -> None:
    lower = _layer(("b", "file:old"))
    upper = _layer((".wh.b", "file:"), ("b", "file:new"))
    assert _view(lower, upper) == {"b": 1}


def test_opaque_directory_hides_lower_contents() -> None:
    lower = _layer(("d", "dir"), ("d/old", "file:o"), ("e", "file:e"))
    upper = _layer(("d", "dir"), ("d/.wh..wh..opq", "file:"), ("d/new", "file:n"))
    assert _view(lower, upper) == {"d": 1, "d/new": 1, "e": 0}


def test_a_file_replacing_a_directory_hides_its_children() -> None:
    lower = _layer(("d", "dir"), ("d/x", "file:x"))
    upper = _layer(("d", "link:elsewhere"))
    assert _view(lower, upper) == {"d": 1}
