"""What every entry point shares (stowage.cli.common): which failures end quietly,
which in one line, and which stay visible as bugs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from stowage.cli import build_layered
from stowage.cli.common import run
from stowage.errors import UserError
from stowage.output.sink import OutputError


def test_a_broken_pipe_that_is_not_stdout_is_not_swallowed() -> None:
    """A child that dies (zstd) breaks its own pipe: that is no reader of ours going away."""
    child = subprocess.Popen(["/bin/true"], stdin=subprocess.PIPE)
    child.wait()
    assert child.stdin is not None

    def body() -> int:
        child.stdin.write(b"x" * (1 << 20))  # type: ignore[union-attr]
        child.stdin.flush()  # type: ignore[union-attr]
        return 0

    try:
        with pytest.raises(BrokenPipeError):
            run("prog", body)
    finally:
        try:
            child.stdin.close()
        except BrokenPipeError:
            pass


def test_an_output_error_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    def body() -> int:
        raise OutputError(OSError(28, "No space left on device"))

    assert run("prog", body, output="the image to standard output") == 1
    assert capsys.readouterr().err == "prog: error: cannot write the image to standard output: No space left on device\n"


def test_a_dying_zstd_is_a_user_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def write(plan: object, output: build_layered.Output) -> None:
        for _ in range(64):
            output(memoryview(b"x" * (1 << 20)))

    monkeypatch.setattr(build_layered, "_write", write)
    with open(tmp_path / "out", "wb") as raw:
        with pytest.raises(UserError, match=r"/bin/false stopped reading the image \(exit status 1\)"):
            build_layered._write_zstd(None, "/bin/false", raw)  # type: ignore[arg-type]
