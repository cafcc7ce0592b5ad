"""The strict parser of the Nix<->Python documents (stowage.contract.schema):
exact types, no unknown or missing keys, one version, one-line errors that name
the builder, the document, the key, the value and the expected type."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from stowage.contract import schema
from stowage.contract.image_requests import RootLayerRequest, StoreShell
from stowage.contract.records import StoreLayerRecord
from stowage.contract.schema import ContractError
from stowage.contract.step_requests import LauncherRequest, TextEntry, TreeRequest
from stowage.contract.plan import Owner


def root_request(**changes: Any) -> dict[str, Any]:
    """A root layer request as Nix writes it."""
    doc = {
        "version": 3, "builder": "buildLayeredImage", "contents": ["/nix/store/h-a"], "merge": "link",
        "keepDirlinks": False, "extraCommands": "", "shell": "/bin/sh", "path": "/usr/bin:/bin",
        "mtime": "1970-01-01T00:00:01Z", "owner": {"uid": 0, "gid": 0}, "storeClosure": False,
        "fromImage": None, "fromImageTag": None, "storeDir": "/nix/store", "fakeRootCommands": "",
        "fakeroot": None, "perms": [{"path": "/etc", "mode": "0755"}], "nixDb": False, "nixStore": None,
        "nixDbExclude": [], "python": "/usr/bin/python3", "runAsRoot": None, "chroot": False,
        "rootShell": {"shell": "/nix/store/h-bash/bin/bash", "path": "/nix/store/h-coreutils/bin"},
    }
    doc.update(changes)
    return doc


def refusal(doc: Any, cls: type = RootLayerRequest) -> str:
    with pytest.raises(ContractError) as caught:
        schema.parse(cls, doc, "root-layer")
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_a_request_parses_into_its_dataclass() -> None:
    request = schema.parse(RootLayerRequest, root_request(), "root-layer")
    assert request.builder == "buildLayeredImage"
    assert request.contents == ("/nix/store/h-a",)
    assert request.perms[0].mode == "0755" and request.perms[0].recursive is False
    assert request.root_shell == StoreShell("/nix/store/h-bash/bin/bash", "/nix/store/h-coreutils/bin")


def test_the_string_false_is_no_boolean() -> None:
    message = refusal(root_request(keepDirlinks="false"))
    assert message.startswith("buildLayeredImage: the root layer request (root-layer)'s keepDirlinks ")
    assert 'must be a boolean (true or false); got "false".' in message


def test_a_boolean_is_no_integer() -> None:
    message = refusal(root_request(owner={"uid": True, "gid": 0}))
    assert message.startswith("buildLayeredImage: ") and "owner.uid must be an integer; got true." in message


def test_an_unknown_key_is_refused() -> None:
    message = refusal(root_request(extraCommand="true"))
    assert message.startswith("buildLayeredImage: the root layer request (root-layer) has the unknown key extraCommand")
    assert 'got "true"' in message


def test_an_unknown_key_of_a_nested_object_is_refused() -> None:
    message = refusal(root_request(perms=[{"path": "/etc", "owner": 1}]))
    assert "the unknown key perms[0].owner; got 1" in message


def test_a_missing_key_is_refused() -> None:
    doc = root_request()
    del doc["nixDb"]
    message = refusal(doc)
    assert message.startswith("buildLayeredImage: the root layer request (root-layer) has no nixDb (a boolean")


def test_another_version_is_refused() -> None:
    message = refusal(root_request(version=2))
    assert message.startswith("buildLayeredImage: the root layer request (root-layer) has version 2, but this program reads version 3")
    assert "version" in refusal(root_request(version="3"))
    assert "version" in refusal(root_request(version=True))


def test_a_request_without_a_builder_names_the_program() -> None:
    doc = root_request()
    del doc["builder"]
    assert refusal(doc).startswith("root-layer: the root layer request (root-layer) has no builder")


def test_list_items_have_their_type() -> None:
    message = refusal(root_request(contents=["/nix/store/h-a", 7]))
    assert "contents[1] must be a string; got 7." in message
    assert "must be a list of which each item is a string" in refusal(root_request(contents="/nix/store/h-a"))


def test_a_literal_takes_only_its_values() -> None:
    assert 'merge must be one of "link", "copy"; got "move".' in refusal(root_request(merge="move"))


def test_null_only_where_allowed() -> None:
    assert "python must be a string; got null." in refusal(root_request(python=None))
    assert "fromImage must be a string or null; got false." in refusal(root_request(fromImage=False))


def test_a_union_is_told_apart_by_keys() -> None:
    busybox = schema.parse(RootLayerRequest, root_request(rootShell={"busybox": "/bin/busybox"}), "root-layer")
    assert busybox.root_shell is not None and busybox.root_shell.busybox == "/bin/busybox"  # type: ignore[union-attr]
    both = root_request(rootShell={"busybox": "/bin/busybox", "shell": "/bin/sh"})
    assert "rootShell must be an object with the keys shell, path or an object with the keys busybox or null" in refusal(both)


def test_tree_entries_of_two_kinds_are_refused() -> None:
    doc = {"version": 2, "builder": "fakeNss", "entries": [{"path": "etc/passwd", "text": "x"}]}
    assert schema.parse(TreeRequest, doc, "write-tree").entries == (TextEntry("etc/passwd", "x"),)
    doc["entries"] = [{"path": "etc/passwd", "text": "x", "copy": "/etc/passwd"}]
    assert refusal(doc, TreeRequest).startswith("fakeNss: the file tree request (write-tree)'s entries[0] must be")


def test_an_optional_key_takes_its_default() -> None:
    doc = {"version": 2, "builder": "streamLayeredImage", "python": "/p", "source": "/s", "module": "m", "args": []}
    assert schema.parse(LauncherRequest, doc, "write-launcher").bin is None


def test_a_record_goes_through_a_file_and_back(tmp_path: Path) -> None:
    record = StoreLayerRecord(("/nix/store/h-a",), "sha256:" + "0" * 64, 1024, 1, Owner(0, 0, "root", "root"))
    path = tmp_path / StoreLayerRecord.FILE
    path.write_text(json.dumps(schema.encode(record)))
    assert schema.load(StoreLayerRecord, str(path), "buildLayeredImage") == record
    assert json.loads(path.read_text())["version"] == 1


def test_an_unreadable_record_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / StoreLayerRecord.FILE
    path.write_text("{")
    with pytest.raises(ContractError, match=r"^buildLayeredImage: cannot read the store layer record"):
        schema.load(StoreLayerRecord, str(path), "buildLayeredImage")
