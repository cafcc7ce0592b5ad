"""Layers as cached derivations (cachedLayers = true, or explicit layers): shared
between images, unchanged by unrelated changes, recorded digests the stream
trusts only as far as it can check."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import NIX_OPTIONS, PACKAGES, REPO, nix_eval, run
from test_layered import IMAGES, archive_bytes, build, docker_load, read_archive

pytestmark = pytest.mark.e2e


def _layer_paths(attr: str) -> list[str]:
    """The store paths of an image's layer derivations (builds them)."""
    build(attr)
    return [str(p) for p in nix_eval(f"map (l: l.outPath) (import {IMAGES} {{ }}).{attr}.storeLayers")]


def _record(path: str) -> dict:
    return json.loads((Path(path) / "store-layer.json").read_text())


def test_each_store_layer_is_a_derivation_with_a_record() -> None:
    layers = _layer_paths("dagCached")
    _, config, _ = read_archive(archive_bytes("dagCached"))
    records = [_record(p) for p in layers]
    assert [r["diffId"] for r in records] == config["rootfs"]["diff_ids"][:-1]
    assert all(Path(p).name.startswith(Path(p).name[:33] + "layer-") for p in layers)
    assert not any((Path(p) / "layer.tar").exists() for p in layers)  # records only


def test_images_sharing_a_base_share_layer_derivations(docker: str) -> None:
    ours, theirs = set(_layer_paths("dagCached")), set(_layer_paths("dagOtherCached"))
    shared = ours & theirs
    assert len(shared) >= 3  # busybox, lib-a, lib-b
    shared_ids = {_record(p)["diffId"] for p in shared}
    inspected = []
    for attr in ("dagCached", "dagOtherCached"):
        ref = docker_load(docker, attr)
        out = run([docker, "image", "inspect", "--format", "{{json .RootFS.Layers}}", ref]).stdout
        inspected.append(set(json.loads(out)))
    assert inspected[0] & inspected[1] == shared_ids


def test_every_builder_shares_the_layer_derivations_of_the_same_paths() -> None:
    """A store layer's derivation does not depend on which builder asked for it:
    a streamLayeredImage and a buildLayeredImage of the same closure build it once."""
    streamed, archived = _layer_paths("dagOtherStreamCached"), _layer_paths("dagOtherCached")
    assert len(streamed) >= 3
    assert streamed == archived
    assert all(_record(p)["paths"] for p in streamed)


def test_a_one_package_change_keeps_every_lower_layer_derivation() -> None:
    old, new = _layer_paths("dagCached"), _layer_paths("dagV2Cached")
    assert len(old) == len(new)
    changed = [i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]
    assert changed == [len(old) - 1]  # only the application's own layer
    assert [p.split("-", 1)[1] for p in _record(new[-1])["paths"]] == ["app"]


def test_cached_and_uncached_images_are_the_same_bytes() -> None:
    assert build("dagCached").read_bytes() == build("dag").read_bytes()


def test_configuration_and_manifest_known_at_build_time() -> None:
    conf = build("dagCached.conf")
    data = archive_bytes("dagCached")
    manifest, config, tar = read_archive(data)
    assert (conf / "manifest.json").read_bytes() == tar.extractfile("manifest.json").read()  # type: ignore[union-attr]
    assert (conf / "config.json").read_bytes() == tar.extractfile(manifest["Config"]).read()  # type: ignore[union-attr]
    assert (conf / "image-id").read_text() == "sha256:" + manifest["Config"].removesuffix(".json")


def test_explicit_layers_come_first_deduplicated() -> None:
    manifest, config, tar = read_archive(archive_bytes("explicitLayers"))
    records = [_record(p) for p in _layer_paths("explicitLayers")]
    names = [[p.split("-", 1)[1] for p in r["paths"]] for r in records]
    assert names[0] == ["lib-a"]
    assert sorted(names[1]) == ["app", "lib-b"]  # lib-a is below already (in store path order)
    assert names[2:] == [[nix_eval(f"{PACKAGES}.busybox.name")]]  # the rest, auto-layered above
    assert [r["diffId"] for r in records] == config["rootfs"]["diff_ids"][:-1]


def test_stream_of_recorded_layers_does_not_hash_but_checks(tmp_path: Path, docker: str) -> None:
    script = build("explicitStream")
    result = subprocess.run([str(script)], capture_output=True, check=True)
    assert result.stderr.decode().count("(recorded)") == 3
    loaded = run([docker, "load"], input=result.stdout).stdout
    assert "e2e-explicit:stream" in loaded
    plan = json.loads((build("explicitStream.conf") / "plan.json").read_text())
    stream = [str(REPO / "python" / "bin" / "stream")]
    # A record whose size does not match the store: refused.
    bad_size = json.loads(json.dumps(plan))
    bad_size["storeLayers"][0]["size"] += 512
    (tmp_path / "size.json").write_text(json.dumps(bad_size))
    out = subprocess.run(["/usr/bin/python3", "-SB", *stream, "--plan", str(tmp_path / "size.json")],
                         capture_output=True, text=True)
    assert out.returncode == 1 and "its record says" in out.stderr and "Traceback" not in out.stderr
    # A record whose digest does not match: --verify finds it.
    bad_digest = json.loads(json.dumps(plan))
    bad_digest["storeLayers"][1]["diffId"] = "sha256:" + "0" * 64
    (tmp_path / "digest.json").write_text(json.dumps(bad_digest))
    out = subprocess.run(["/usr/bin/python3", "-SB", *stream, "--verify", "--plan", str(tmp_path / "digest.json")],
                         capture_output=True, text=True)
    assert out.returncode == 1 and "but its record says sha256:0000" in out.stderr


def test_stream_of_recorded_layers_reads_their_listings(tmp_path: Path) -> None:
    plan = json.loads((build("explicitStream.conf") / "plan.json").read_text())
    for layer, record in zip(plan["storeLayers"], _layer_paths("explicitStream"), strict=True):
        assert layer["listing"] == {"file": f"{record}/store-layer.listing", "digest": _record(record)["listing"],
                                    "entries": _record(record)["entries"]}
        assert Path(layer["listing"]["file"]).read_bytes().startswith(b"stowage-listing 1\n")
    stream = ["/usr/bin/python3", "-SB", str(REPO / "python" / "bin" / "stream")]
    # A listing edited after it was recorded (a mode changed): refused before it is trusted.
    edited = tmp_path / "store-layer.listing"
    text = Path(plan["storeLayers"][0]["listing"]["file"]).read_bytes()
    edited.write_bytes(text.replace(b"\x00555\x00", b"\x00777\x00", 1))
    assert edited.read_bytes() != text
    plan["storeLayers"][0]["listing"]["file"] = str(edited)
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    out = subprocess.run([*stream, "--plan", str(tmp_path / "plan.json")], capture_output=True)
    error = out.stderr.decode()
    assert out.returncode == 1 and f"the layer listing {edited} has digest" in error and "Traceback" not in error
    assert len(error.strip().splitlines()) == 1


def test_every_layer_and_image_derivation_rebuilds_bit_for_bit() -> None:
    for attr in ("explicitLayers", "dagCached"):
        count = nix_eval(f"builtins.length (import {IMAGES} {{ }}).{attr}.storeLayers")
        for i in range(count):
            expr = f"builtins.elemAt (import {IMAGES} {{ }}).{attr}.storeLayers {i}"
            run(["nix-build", "--no-out-link", *NIX_OPTIONS, "-E", expr])
            run(["nix-build", "--no-out-link", *NIX_OPTIONS, "-E", expr, "--check"])
        for target in (f"{attr}.conf", f"{attr}.layerPlan", attr):
            run(["nix-build", "--no-out-link", *NIX_OPTIONS, str(IMAGES), "-A", target])
            run(["nix-build", "--no-out-link", *NIX_OPTIONS, str(IMAGES), "-A", target, "--check"])
