"""What every entry point shares (stowage.cli.common): which failures end quietly,
which in one line, and which stay visible as bugs."""

from __future__ import annotations

import subprocess

import pytest

from stowage.cli.common import run
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
