"""The contract between Nix and Python: every build step's request, as Nix
writes it into the step's derivation, parses strictly into its dataclass
(stowage.contract), names the public builder it serves, and every step program
is reached. Host mode and nixpkgs mode (the evaluation stand-in pkgs)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import NIX_OPTIONS, REPO, nix_eval, require, run
from stowage.contract import schema
from stowage.contract.push_documents import (
    Blob, BlobsRecord, Compression, Described, Platform, PushDocument, RegistryOrigin,
)
from stowage.contract.registry_record import RecordedLayer, RegistryRecord
from stowage.contract.schema import ContractError
from stowage.contract.step_requests import CompressRequest, PushPlanRequest
from stowage.contract.steps import REQUESTS

HERE = Path(__file__).resolve().parent
IMAGES = HERE / "contract-images.nix"
MODES = {
    "host": "null",
    "nixpkgs": f'import {HERE}/stand-in-pkgs.nix {{ hostSystem = "x86_64-linux"; }}',
}


def _images(pkgs: str) -> str:
    return f"import {IMAGES} {{ pkgs = {pkgs}; }}"


def _steps(pkgs: str) -> tuple[dict[str, list[str]], dict[str, Any]]:
    """(builder -> its top-level derivations, every derivation of their closures)."""
    require("nix-instantiate", "nix")
    tops = nix_eval(f"builtins.mapAttrs (n: map (d: d.drvPath)) ({_images(pkgs)})")
    run(["nix-instantiate", *NIX_OPTIONS, "-E", f"builtins.concatLists (builtins.attrValues ({_images(pkgs)}))"])
    paths = [p for drvs in tops.values() for p in drvs]
    shown = run(["nix", "--extra-experimental-features", "nix-command", "show-derivation", "-r", *paths]).stdout
    return tops, _by_path(json.loads(shown), paths)


def _by_path(shown: dict[str, Any], paths: list[str]) -> dict[str, Any]:
    """Nix's shown derivations by their store paths: Nix up to 2.32 prints
    {"/nix/store/<name>.drv": drv}; later Nix {"version": N, "derivations":
    {"<name>.drv": drv}}, its keys without the store directory."""
    derivations = shown["derivations"] if "derivations" in shown and "version" in shown else shown
    store = paths[0].rsplit("/", 1)[0]
    return {key if key.startswith("/") else f"{store}/{key}": drv for key, drv in derivations.items()}


def _request(drv: dict[str, Any]) -> tuple[str, Any] | None:
    """(program, request) of a build step of this library; None for another derivation."""
    args = drv["args"]
    # Structured attributes: in the environment as __json, or (Nix 2.33 and later)
    # a field of their own.
    attrs = drv.get("structuredAttrs") or json.loads(drv["env"].get("__json", "null"))
    if args[:1] != ["-SB"] or attrs is None:
        return None
    return args[1].rsplit("/", 1)[1], attrs["stowage"]


#: What a store layer's record and its compressed-layer record name as their builder:
#: they are shared by images of every builder (nix/image/store-layer.nix).
SHARED = "layer"
SHARED_PROGRAMS = {"store-path-to-layer", "compress-layer"}

#: Steps of builders that need pkgs: not reached in host mode.
NIXPKGS_ONLY = {"nix-shell-env"}
Steps = tuple[str, dict[str, list[str]], dict[str, Any]]


@pytest.fixture(scope="module", params=sorted(MODES))
def steps(request: pytest.FixtureRequest) -> Steps:
    return (request.param, *_steps(MODES[request.param]))


def test_every_request_parses(steps: Steps) -> None:
    mode, tops, drvs = steps
    public = set(nix_eval(f"builtins.attrNames (import {REPO} {{ }})"))
    seen: set[str] = set()
    for path, drv in drvs.items():
        step = _request(drv)
        if step is None:
            continue
        program, doc = step
        parsed = schema.parse(REQUESTS[program], doc, program)
        builder = parsed.builder  # type: ignore[attr-defined]
        if builder == SHARED:  # a store layer's steps serve every builder alike
            assert program in SHARED_PROGRAMS and (program != "compress-layer" or doc["store"]), (path, program)
        else:
            assert builder in public, (path, builder)
        seen.add(program)
    assert seen == set(REQUESTS) - (NIXPKGS_ONLY if mode == "host" else set())


def test_each_image_names_its_builder(steps: Steps) -> None:
    """The WithNixDb variants are their builder with includeNixDB: they name it, as
    their evaluation errors do."""
    _, tops, drvs = steps
    for builder, paths in tops.items():
        for path in paths:
            step = _request(drvs[path])
            assert step is not None, path
            assert step[1]["builder"] == builder.removesuffix("WithNixDb"), path


def test_every_step_program_has_a_request_type() -> None:
    """Each program of python/bin that Nix runs as a build step is in the table."""
    commands = set(nix_eval(
        f"let s = builtins.readDir {REPO}/python/bin; in builtins.attrNames s"
    ))
    by_hand = {"copy-to-registry", "load-image", "nix-prefetch-docker", "prefetch-image", "stream"}
    assert commands - by_hand == set(REQUESTS)


def test_push_compression_reaches_the_push_steps(steps: Steps) -> None:
    """An image's pushCompression is in its compress-layer and push-plan requests
    (the zstd program named); the other images ask for gzip at level 1, the default."""
    _, _, drvs = steps
    requests = [step for step in map(_request, drvs.values()) if step is not None]
    parsed = [schema.parse(REQUESTS[program], doc, program) for program, doc in requests
              if program in ("compress-layer", "push-plan")]
    settings = {(r.compression.format, r.compression.level, r.compression.keep) for r in parsed
                if isinstance(r, (CompressRequest, PushPlanRequest))}
    assert settings == {("gzip", 1, False), ("zstd", 5, True)}
    assert all(r.compression.zstd for r in parsed if isinstance(r, (CompressRequest, PushPlanRequest))
               and r.compression.format == "zstd")


ZSTD = Compression("zstd", 5, True, "/bin/zstd")
BLOB = Blob(None, "sha256:" + "1" * 64, "sha256:" + "2" * 64, 7, file="blobs/" + "2" * 64)
GZIPPED = Blob(None, "sha256:" + "7" * 64, "sha256:" + "8" * 64, 11, blocks="ssssdrrsd")
PULLED = Blob("layers/001.tar", "sha256:" + "5" * 64, "sha256:" + "6" * 64, 9, compressed=True,
              origin=RegistryOrigin("127.0.0.1:5000/base", "application/vnd.docker.image.rootfs.diff.tar.gzip"))


def test_push_documents_round_trip() -> None:
    """blobs.json and push.json (version 4) carry the compression, kept files,
    pulled base layers' registry origins and how gzip blocks were written."""
    record = BlobsRecord("zstd", 5, (BLOB, PULLED, GZIPPED))
    assert schema.parse(BlobsRecord, schema.encode(record)) == record
    push = PushDocument(plan="/plan.json", compression=ZSTD, repo_tag="a:1",
                        platform=Platform("linux", "amd64", None), config=Described("sha256:" + "3" * 64, 2),
                        manifest=Described("sha256:" + "4" * 64, 3), layers=(PULLED, BLOB, GZIPPED))
    assert schema.parse(PushDocument, schema.encode(push)) == push
    assert PULLED.media_type(ZSTD) == "application/vnd.oci.image.layer.v1.tar+gzip"


def test_the_registry_record_round_trip() -> None:
    layer = RecordedLayer("application/vnd.oci.image.layer.v1.tar+zstd", "sha256:" + "1" * 64, 3, "sha256:" + "2" * 64)
    record = RegistryRecord(registry="docker.io", repository="library/hello", image_digest="sha256:" + "3" * 64,
                            manifest_digest="sha256:" + "4" * 64, config_digest="sha256:" + "5" * 64, layers=(layer,))
    assert schema.parse(RegistryRecord, schema.encode(record)) == record


@pytest.mark.parametrize("change", [{"format": "xz"}, {"level": "5"}, {"keep": 1}, {"bzip": True}])
def test_a_compression_the_contract_does_not_know_is_refused(change: dict[str, Any]) -> None:
    doc = {"version": CompressRequest.VERSION, "builder": "buildLayeredImage", "storeDir": "/nix/store",
           "compression": {**schema.encode(ZSTD), **change}, "store": None, "tar": "/t", "archive": None}
    with pytest.raises(ContractError, match="^buildLayeredImage: .*compression"):
        schema.parse(CompressRequest, doc)
