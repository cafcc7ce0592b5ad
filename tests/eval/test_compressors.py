"""The compressor table has two halves, nix/compressors.nix (what the builders
accept, each row's program and level) and python/stowage/output/compression.py
(how the bytes are written): they name the same compressors, with the same file
name extensions and media types."""

from __future__ import annotations

from conftest import REPO, nix_eval

from stowage.output.compression import COMPRESSORS

ROWS = nix_eval(
    f'(import {REPO}/nix/compressors.nix {{ errors = import {REPO}/nix/errors.nix; tools = {{ zstd = "/zstd"; }}; }}).rows'
)


def test_the_tables_name_the_same_compressors() -> None:
    assert [row["name"] for row in ROWS] == list(COMPRESSORS)


def test_the_tables_agree_on_extensions_and_media_types() -> None:
    for row in ROWS:
        python = COMPRESSORS[row["name"]]
        assert (row["extension"], row["mediaType"]) == (python.extension, python.media_type), row["name"]


def test_a_row_has_a_program_exactly_when_python_needs_one() -> None:
    for row in ROWS:
        assert (row["program"] is not None) == COMPRESSORS[row["name"]].needs_program, row["name"]


def test_the_archive_names_follow_the_table() -> None:
    for row in ROWS:
        drv = nix_eval(f'((import {REPO} {{ }}).buildLayeredImage {{ name = "app"; compressor = "{row["name"]}"; }}).name')
        assert drv == f"app.tar{row['extension']}"
