"""Image configuration and base inheritance (stowage.image.config)."""

from __future__ import annotations

from typing import Any

import pytest

from stowage.image import config as image_config
from stowage.image.config import inherit, merge_env

BASE: dict[str, Any] = {
    "Env": ["PATH=/usr/bin:/bin", "LANG=C", "TZ=UTC"],
    "Cmd": ["/bin/sh"],
    "WorkingDir": "/srv",
    "User": "daemon",
    "Labels": {"vendor": "base", "version": "1"},
    "ExposedPorts": {"80/tcp": {}},
    "Volumes": {"/data": {}},
}


def test_merge_env_keeps_the_first_position_and_the_last_value() -> None:
    assert merge_env(["A=1", "B=2", "C=3"], ["B=20", "D=4", "A=10"]) == ["A=10", "B=20", "C=3", "D=4"]


def test_merge_env_values_may_contain_equals_signs() -> None:
    assert merge_env(["OPTS=a=b"], ["OPTS=c=d", "EMPTY="]) == ["OPTS=c=d", "EMPTY="]


def test_merge_env_of_duplicates_within_one_list() -> None:
    assert merge_env(["A=1", "A=2"], []) == ["A=2"]


@pytest.mark.parametrize(
    ("child", "expected"),
    [
        ({}, BASE),
        (
            {"Env": ["LANG=C.UTF-8", "HOME=/root"]},
            {**BASE, "Env": ["PATH=/usr/bin:/bin", "LANG=C.UTF-8", "TZ=UTC", "HOME=/root"]},
        ),
        (
            {"Labels": {"version": "2", "app": "web"}},
            {**BASE, "Labels": {"vendor": "base", "version": "2", "app": "web"}},
        ),
        (
            {"ExposedPorts": {"443/tcp": {}}, "Volumes": {"/cache": {}}},
            {**BASE, "ExposedPorts": {"80/tcp": {}, "443/tcp": {}}, "Volumes": {"/data": {}, "/cache": {}}},
        ),
        ({"WorkingDir": "/app", "User": "1000:1000"}, {**BASE, "WorkingDir": "/app", "User": "1000:1000"}),
        ({"Cmd": ["serve"]}, {**BASE, "Cmd": ["serve"]}),
    ],
    ids=["nothing", "env", "labels", "ports-volumes", "scalars", "cmd"],
)
def test_inherit(child: dict[str, Any], expected: dict[str, Any]) -> None:
    assert inherit(BASE, child) == expected


def test_an_entrypoint_without_cmd_drops_the_base_cmd() -> None:
    result = inherit(BASE, {"Entrypoint": ["/bin/app"]})
    assert result["Entrypoint"] == ["/bin/app"]
    assert "Cmd" not in result


def test_an_entrypoint_with_cmd_keeps_the_child_cmd() -> None:
    result = inherit(BASE, {"Entrypoint": ["/bin/app"], "Cmd": ["--help"]})
    assert (result["Entrypoint"], result["Cmd"]) == (["/bin/app"], ["--help"])


def test_a_base_entrypoint_is_kept_when_the_child_sets_only_cmd() -> None:
    base = {"Entrypoint": ["/bin/tini", "--"], "Cmd": ["/bin/sh"]}
    assert inherit(base, {"Cmd": ["app"]}) == {"Entrypoint": ["/bin/tini", "--"], "Cmd": ["app"]}


def test_a_child_null_replaces_a_mergeable_base_value() -> None:
    assert inherit(BASE, {"Labels": None})["Labels"] is None
    assert inherit({"Env": None}, {"Env": ["A=1"]})["Env"] == ["A=1"]


@pytest.mark.parametrize("base", [None, {}])
def test_no_base(base: dict[str, Any] | None) -> None:
    child = {"Cmd": ["x"], "Env": ["A=1"]}
    assert inherit(base, child) == child


def test_inherit_changes_neither_argument() -> None:
    base = {"Env": ["A=1"], "Labels": {"a": "1"}, "Cmd": ["x"]}
    child = {"Env": ["B=2"], "Labels": {"b": "2"}, "Entrypoint": ["y"]}
    before = (repr(base), repr(child))
    inherit(base, child)
    assert (repr(base), repr(child)) == before


def test_document() -> None:
    doc = image_config.document(
        architecture="arm", variant="v7", created="1970-01-01T00:00:01Z", config={"Cmd": ["x"]},
        diff_ids=["sha256:aa"], history=[image_config.history_entry("1970-01-01T00:00:01Z", "c")],
    )
    assert doc == {
        "architecture": "arm",
        "variant": "v7",
        "os": "linux",
        "created": "1970-01-01T00:00:01Z",
        "config": {"Cmd": ["x"]},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:aa"]},
        "history": [{"created": "1970-01-01T00:00:01Z", "created_by": "stowage", "comment": "c"}],
    }


def test_document_without_variant_has_no_variant_key() -> None:
    doc = image_config.document(
        architecture="amd64", variant=None, created="c", config={}, diff_ids=[], history=[],
    )
    assert "variant" not in doc
