"""The docker-tools case table (nixos-tests/docker_tools_cases.py): complete, and
every value a step names is one that nixos-tests/values.nix gives; and how
docker_tools_run.py turns steps into command lines and checks."""

from __future__ import annotations

import re
import sys
from dataclasses import fields

import pytest

from conftest import REPO

sys.path.insert(0, str(REPO / "nixos-tests"))
import docker_tools_cases as cases  # noqa: E402
import docker_tools_run as runner  # noqa: E402
from docker_tools_steps import Case, Load, Run  # noqa: E402

# The package values of nixos-tests/values.nix (the rest are per image).
PACKAGE_KEYS = {
    "pkgs.bash", "pkgs.coreutils", "pkgs.nix", "pkgs.pkgsStatic.busybox.baseName",
    "builtins.storeDir", "examples.layeredStoreSymlink.passthru.symlink",
}
ENGINE = runner.Engine("docker", "docker run --rm", "docker load --input={file}", publish=False)


def _keys(case: Case) -> set[str]:
    found: set[str] = set()
    for step in case.steps:
        for field in fields(step):
            value = getattr(step, field.name)
            if isinstance(value, str):
                found.update(re.findall(r"\$\{([^}]+)\}", value))
    return found


def test_the_44_subtests_once_each_in_order() -> None:
    assert [case.number for case in cases.CASES] == list(range(1, 45))
    assert len({case.name for case in cases.CASES}) == 44


@pytest.mark.parametrize("case", cases.CASES, ids=lambda c: f"{c.number:02d}-{c.name}")
def test_steps_name_only_values_of_their_images(case: Case) -> None:
    allowed = PACKAGE_KEYS | {f"{key}{suffix}" for key in case.images for suffix in ("", ".imageName", ".imageTag")}
    assert _keys(case) <= allowed


def test_values_file_gives_the_package_keys() -> None:
    text = (REPO / "nixos-tests" / "values.nix").read_text()
    assert PACKAGE_KEYS == set(re.findall(r'^    "([^"]+)" =', text, re.MULTILINE))


def test_expand_refuses_a_missing_value() -> None:
    with pytest.raises(KeyError, match="no value 'examples.nope'"):
        runner.expand("${examples.nope}", {}, ENGINE)
    with pytest.raises(KeyError, match="no value 'examples.merged.imageName'"):
        runner.expand("${examples.merged.imageName}", {"examples.merged.imageName": None}, ENGINE)
    assert runner.expand("{engine} rmi ${a.imageName}", {"a.imageName": "x"}, ENGINE) == "docker rmi x"


class Recorder:
    """Records command lines; answers with ``output``; ``fails`` makes every command fail."""

    def __init__(self, output: str = "", fails: bool = False) -> None:
        self.lines: list[str] = []
        self.output, self.fails = output, fails

    def succeed(self, command: str) -> str:
        self.lines.append(command)
        if self.fails:
            raise AssertionError("failed")
        return self.output

    def fail(self, command: str) -> str:
        self.lines.append(command)
        if not self.fails:
            raise AssertionError("succeeded")
        return ""

    def wait_until_succeeds(self, command: str) -> str:
        return self.succeed(command)


def test_run_step_line_and_checks() -> None:
    case = Case(0, "t", ("a",), (Load("${a}"), Run("${a.imageName}", "cat /x", equals="one")))
    values = {"a": "/nix/store/x-a.tar", "a.imageName": "a"}
    machine = Recorder(output="one\n")
    runner.run_case(case, machine, ENGINE, values)
    assert machine.lines == ["docker load --input=/nix/store/x-a.tar", "docker run --rm  a cat /x"]
    with pytest.raises(AssertionError, match="expected 'one', got 'two'"):
        runner.run_case(case, Recorder(output="two"), ENGINE, values)


def test_a_run_that_must_fail_fails_when_it_succeeds() -> None:
    case = Case(0, "t", (), (Run("hello", fails=True),))
    runner.run_case(case, Recorder(fails=True), ENGINE, {})
    with pytest.raises(AssertionError, match="succeeded"):
        runner.run_case(case, Recorder(), ENGINE, {})


def test_image_refs_skip_images_without_a_name() -> None:
    case = Case(0, "t", ("a", "m"), ())
    values = {"a.imageName": "a", "a.imageTag": "1", "m.imageName": None, "m.imageTag": None}
    assert runner.image_refs(case, values) == ["a:1"]
