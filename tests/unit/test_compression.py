"""The compression of an image archive file: each row of the table writes what its
reader reads back, and a program that cannot run or stops reading is a user error."""

from __future__ import annotations

import gzip
import shutil
import subprocess
from pathlib import Path

import pytest

from stowage.errors import UserError
from stowage.output.compression import COMPRESSORS, Compression, check, compressing

DATA = b"layer bytes " * 50_000


def _write(compression: Compression, path: Path) -> None:
    with open(path, "xb") as raw, compressing(compression, raw, str(path)) as output:
        assert output is not None
        for offset in range(0, len(DATA), 65536):
            output(memoryview(DATA)[offset : offset + 65536])


def _zstd() -> str:
    program = shutil.which("zstd")
    if program is None:
        pytest.fail("zstd is needed (apt-get install zstd)")
    return program


def test_none_leaves_the_writes_to_the_caller(tmp_path: Path) -> None:
    with open(tmp_path / "a", "xb") as raw, compressing(Compression("none", None, None), raw, "a") as output:
        assert output is None


def test_gz_is_gzip_with_the_level_asked(tmp_path: Path) -> None:
    _write(Compression("gz", None, 6), tmp_path / "6.gz")
    _write(Compression("gz", None, 1), tmp_path / "1.gz")
    assert gzip.decompress((tmp_path / "6.gz").read_bytes()) == DATA
    assert (tmp_path / "6.gz").read_bytes() != (tmp_path / "1.gz").read_bytes()


def test_zstd_is_read_back_by_zstd(tmp_path: Path) -> None:
    _write(Compression("zstd", _zstd(), 3), tmp_path / "a.zst")
    assert subprocess.run([_zstd(), "-dc", str(tmp_path / "a.zst")], capture_output=True, check=True).stdout == DATA


def test_a_program_that_cannot_run_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match='compressor "zstd" needs /nonexistent/zstd, which cannot run'):
        _write(Compression("zstd", "/nonexistent/zstd", 3), tmp_path / "a.zst")


def test_a_program_that_stops_reading_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="stopped reading the image"):
        _write(Compression("zstd", "/bin/false", 3), tmp_path / "a.zst")


def test_check_refuses_what_the_table_does_not_know() -> None:
    with pytest.raises(UserError, match="compressor must be one of none, gz, zstd; got 'bzip2'"):
        check(Compression("bzip2", None, None))
    with pytest.raises(UserError, match="needs a program"):
        check(Compression("zstd", None, 3))
    assert all(check(Compression(name, "/p", 1)) for name in COMPRESSORS)
