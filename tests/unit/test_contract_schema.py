"""The strict parser of the Nix<->Python documents (stowage.contract.schema):
exact types, no unknown or missing keys, one version, one-line errors that name
the builder, the document, the key, the value and the expected type."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from stowage.contract import schema
from stowage.contract.image_requests import BuildRequest, RootLayerRequest, SbomRequest, StoreShell
from stowage.contract.records import StoreLayerRecord
from stowage.contract.schema import ContractError
from stowage.contract.step_requests import LauncherRequest, LayoutAttachment, OciLayoutRequest, TextEntry, TreeRequest
from stowage.contract.steps import REQUESTS
from stowage.output.compression import Compression
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
    record = StoreLayerRecord(("/nix/store/h-a",), "sha256:" + "0" * 64, 1024, 1, Owner(0, 0, "root", "root"), 3, "sha256:" + "1" * 64)
    path = tmp_path / StoreLayerRecord.FILE
    path.write_text(json.dumps(schema.encode(record)))
    assert schema.load(StoreLayerRecord, str(path), "buildLayeredImage") == record
    assert json.loads(path.read_text())["version"] == 2


def test_an_unreadable_record_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / StoreLayerRecord.FILE
    path.write_text("{")
    with pytest.raises(ContractError, match=r"^buildLayeredImage: cannot read the store layer record"):
        schema.load(StoreLayerRecord, str(path), "buildLayeredImage")


def layout_request(**changes: Any) -> dict[str, Any]:
    doc = {"version": 3, "builder": "toOCILayout", "image": "/nix/store/h-i.tar", "compressors": {"zstd": "/bin/zstd"}}
    return {**doc, **changes}


def test_an_object_of_strings_checks_each_value() -> None:
    attachment = {"mediaType": "application/spdx+json", "file": "/nix/store/h-s.json"}
    parsed = schema.parse(OciLayoutRequest, layout_request(annotations={"a": "b"}, attachments=[attachment]), "oci-layout")
    assert (parsed.annotations, parsed.attachments) == ({"a": "b"}, (LayoutAttachment("application/spdx+json", "/nix/store/h-s.json"),))
    assert schema.parse(OciLayoutRequest, layout_request(), "oci-layout").annotations == {}
    message = refusal(layout_request(annotations={"a": 1}), OciLayoutRequest)
    assert message.startswith("toOCILayout: the OCI layout request (oci-layout)'s annotations.a must be a string; got 1.")
    assert "compressors must be a JSON object of which each value is a string" in refusal(
        layout_request(compressors=["zstd"]), OciLayoutRequest)


def test_the_compressor_row_is_a_nested_document() -> None:
    doc = {"version": 3, "builder": "buildImage", "plan": "/p/plan.json",
           "compressor": {"name": "zstd", "program": "/bin/zstd", "level": 3}}
    assert schema.parse(BuildRequest, doc, "build-layered-image").compressor == Compression("zstd", "/bin/zstd", 3)
    doc["compressor"] = "zstd"
    assert "compressor must be an object with the keys name, program, level" in refusal(doc, BuildRequest)


def test_the_sbom_request_takes_only_its_formats() -> None:
    doc = {"version": 2, "builder": "buildLayeredImage", "format": "spdx", "plan": "/p/plan.json"}
    assert schema.parse(SbomRequest, doc, "sbom").push_plan is None
    assert 'format must be one of "spdx", "cyclonedx", "provenance"; got "swid".' in refusal({**doc, "format": "swid"}, SbomRequest)


def test_every_step_request_is_versioned_and_names_its_builder() -> None:
    for program, request_type in REQUESTS.items():
        fields = {f.name for f in dataclasses.fields(request_type)}
        assert "builder" in fields and isinstance(getattr(request_type, "VERSION"), int), program
        assert program in getattr(request_type, "DOCUMENT"), program
