"""The entry points' command lines: a usage mistake is one line, and help written
to a full disk or a closed pipe never ends in a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from stowage.cli import stream

PYTHON = Path(__file__).resolve().parents[2] / "python"
PROGRAM = (
    "import sys\n"
    "from stowage.cli.arguments import ArgumentParser\n"
    "parser = ArgumentParser(prog='demo', description='A demo.')\n"
    "parser.add_argument('--count', type=int)\n"
    "parser.parse_args(sys.argv[1:])\n"
    "print('parsed')\n"
)


def demo(*args: str, stdout: int | None = subprocess.PIPE) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(PYTHON))
    return subprocess.run([sys.executable, "-SB", "-c", PROGRAM, *args], stdout=stdout,
                          stderr=subprocess.PIPE, text=True, env=env, check=False)


@pytest.mark.parametrize("args, shown", [
    (["--bogus"], "unrecognized arguments: --bogus"),
    (["--count", "ten"], "argument --count: invalid int value: 'ten'"),
])
def test_a_usage_mistake_is_one_line(args: list[str], shown: str) -> None:
    result = demo(*args)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"demo: error: {shown}; see demo --help"]


def test_help_to_a_full_disk_is_one_line() -> None:
    with open("/dev/full", "w") as full:
        result = demo("--help", stdout=full.fileno())
    assert result.returncode == 1
    assert result.stderr.splitlines() == ["demo: error: cannot write the help: No space left on device"]


def test_help_into_a_closed_pipe_ends_quietly() -> None:
    env = dict(os.environ, PYTHONPATH=str(PYTHON))
    reader, writer = os.pipe()
    os.close(reader)
    try:
        result = subprocess.run([sys.executable, "-SB", "-c", PROGRAM, "--help"], stdout=writer,
                                stderr=subprocess.PIPE, text=True, env=env, check=False)
    finally:
        os.close(writer)
    assert result.returncode == 1
    assert result.stderr == ""


def test_help_still_helps() -> None:
    result = demo("--help")
    assert result.returncode == 0 and "usage: demo" in result.stdout and "--count" in result.stdout


@pytest.mark.parametrize("content", [None, b"{not json"])
def test_stream_with_a_plan_it_cannot_read_is_one_line(tmp_path: Path, content: bytes | None,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "plan.json"
    if content is not None:
        plan.write_bytes(content)
    assert stream.main(["--plan", str(plan)]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("stream: error: ") and str(plan) in lines[0], lines
