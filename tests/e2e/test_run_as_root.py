"""runAsRoot (buildImage) and enableFakechroot (the layered builders), as
nixpkgs' docker-tools test uses them: the script sees the image as /, runs as
root, and its changes are the new layer that Docker then shows."""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import tarfile
from functools import lru_cache
from pathlib import Path

import pytest

from conftest import NIX_OPTIONS, PACKAGES, PODMAN_RUN, REPO, nix_eval, nixpkgs_mode_only, require, run

pytestmark = pytest.mark.e2e

IMAGES = REPO / "tests" / "e2e" / "run-as-root-images.nix"


@lru_cache(maxsize=None)
def build(attr: str) -> Path:
    require("nix-build")
    out = run(["nix-build", "--no-out-link", *NIX_OPTIONS, str(IMAGES), "-A", attr]).stdout
    return Path(out.strip().splitlines()[-1])


def _archive(attr: str) -> bytes:
    out = build(attr)
    if out.name.startswith(out.name.split("-", 1)[0] + "-stream-"):
        return subprocess.run([str(out)], capture_output=True, check=True).stdout
    data = out.read_bytes()
    return gzip.decompress(data) if out.name.endswith(".gz") else data


def _load(docker: str, attr: str) -> str:
    loaded = run([docker, "load"], input=_archive(attr)).stdout
    return loaded.strip().rsplit("Loaded image: ", 1)[-1].strip()


def _run(docker: str, ref: str, *command: str) -> str:
    return run([docker, "run", "--rm", "--network", "none", ref, *command]).stdout


def _top_layer(attr: str) -> list[tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(_archive(attr))) as archive:
        manifest = json.load(archive.extractfile("manifest.json"))  # type: ignore[arg-type]
        data = archive.extractfile(manifest[0]["Layers"][-1]).read()  # type: ignore[union-attr]
    with tarfile.open(fileobj=io.BytesIO(data)) as layer:
        return layer.getmembers()


def test_run_as_root_sets_owners_and_writes_files(docker: str) -> None:
    # runAsRoot = "mkdir -p /data; echo hi > /data/x; chown 1000:1000 /data"
    assert _run(docker, _load(docker, "data")) == "1000:1000\nhi\n"


def test_layers_are_unpacked_in_order_before_run_as_root(docker: str) -> None:
    # nixpkgs' subtest 18 (layersUnpackOrder): a, then b, then c append to one file.
    assert _run(docker, _load(docker, "orderC"), "/bin/cat", "/layer-order") == "abc"


def test_run_as_root_on_a_parent_image(docker: str) -> None:
    # nixpkgs' runAsRootParentImage: touch a file on top of a bash-like image.
    ref = _load(docker, "parentImage")
    out = _run(docker, ref, "/bin/sh", "-c", "stat -c '%n %u:%g %a' /example-file /etc/other; test ! -e /etc/somefile")
    assert out.splitlines() == ["/example-file 0:0 644", "/etc/other 7:8 600"]


def test_a_deleted_file_of_the_parent_is_a_whiteout_and_only_changes_are_in_the_layer() -> None:
    names = {m.name: m for m in _top_layer("parentImage")}
    assert names["etc/.wh.somefile"].size == 0
    # What the script did not touch (the parent's busybox, etc/hostname) is not written again.
    assert not any(n.startswith("bin") for n in names)
    assert sorted(n for n in names if n.startswith("etc")) == ["etc", "etc/.wh.somefile", "etc/other"]


def test_podman_sees_the_same_changes(podman: str) -> None:
    require("podman", "runc")
    loaded = run(["podman", "load"], input=_archive("parentImage")).stdout
    ref = loaded.strip().rsplit("Loaded image: ", 1)[-1].strip()
    out = run([*PODMAN_RUN, ref, "/bin/sh", "-c", "ls /example-file; test ! -e /etc/somefile && echo gone"]).stdout
    assert out.split() == ["/example-file", "gone"]


def test_a_redis_like_image_with_shadow_setup(docker: str) -> None:
    ref = _load(docker, "redisLike")
    assert _run(docker, ref) == "healthy\n"
    out = _run(docker, ref, "/bin/sh", "-c", "stat -c %u:%g /data; grep -c '' /etc/passwd; ls /etc/login.defs")
    assert out.split() == ["999:999", "2", "/etc/login.defs"]


def test_a_parent_in_the_store_runs_from_the_build_store_and_adds_nothing_of_it(docker: str) -> None:
    # Under the sandbox the base's busybox is not an input: it comes from the base's layers.
    names = [m.name for m in _top_layer("onLayered")]
    # (buildImage's layer always has the store's directories, here with nothing in them.)
    assert names == ["nix", "nix/store", "shell-target"]
    target = _run(docker, _load(docker, "onLayered"), "/bin/cat", "/shell-target").strip()
    busybox = nix_eval(f"{PACKAGES}.busybox.name")
    assert target.startswith("/nix/store/") and target.endswith(f"-{busybox}/bin/busybox")


def test_a_store_path_only_the_base_has_runs_and_is_not_in_the_layer(docker: str) -> None:
    names = [m.name for m in _top_layer("onBaseOnlyStore")]
    assert names == ["greeting", "nix", "nix/store"]
    ref = _load(docker, "onBaseOnlyStore")
    assert _run(docker, ref, "/bin/cat", "/greeting") == "from the base store\n"


@nixpkgs_mode_only("useradd and groupadd come from pkgs.shadow; host mode has none (shadowSetup says so)")
def test_shadow_setup_then_useradd_adds_a_user_a_group_and_a_home(docker: str) -> None:
    ref = _load(docker, "users")
    script = "grep -e alice -e builders /etc/passwd /etc/group /etc/shadow; stat -c '%u:%g %a' /home/alice"
    assert _run(docker, ref, "/bin/sh", "-c", script).splitlines() == [
        "/etc/passwd:alice:x:2001:2000::/home/alice:/bin/sh",
        "/etc/group:builders:x:2000:",
        # The password's date is SOURCE_DATE_EPOCH's (1980-01-01: day 3652), not the clock's.
        "/etc/shadow:alice:!:3652::::::",
        "2001:2000 755",
    ]
    members = {m.name: m for m in _top_layer("users")}
    home = members["home/alice"]
    assert home.isdir() and (home.uid, home.gid) == (2001, 2000)
    assert {"etc/passwd", "etc/group", "etc/shadow", "etc/gshadow"} <= set(members)
    assert (members["etc/shadow"].uid, members["etc/passwd"].uid) == (0, 0)
    _check_reproducible("users")


def test_run_as_root_and_extra_commands_keep_their_quotes(docker: str) -> None:
    # Regression #34779 (nixpkgs' runAsRootExtraCommands): both run, quotes intact.
    out = _run(docker, _load(docker, "extraCommands"), "/bin/sh", "-c", "cat /extraCommands /runAsRoot")
    assert out == "(extraCommand)\n(runAsRoot)\n"


def test_enable_fakechroot_commands_see_the_image_as_root(docker: str) -> None:
    # nixpkgs' chownTestImage: touch /testfile; chown 12345:12345 /testfile.
    assert _run(docker, _load(docker, "chownStream")).strip() == "12345:12345"
    ref = _load(docker, "chownLayered")
    assert _run(docker, ref, "/bin/stat", "-c", "%u:%g", "/home/alice").strip() == "1000:1000"


def test_a_failing_script_fails_the_build_in_one_line() -> None:
    require("nix-build")
    result = run(["nix-build", "--no-out-link", *NIX_OPTIONS, str(IMAGES), "-A", "failing"], check=False)
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("buildImage:")]
    assert errors == ["buildImage: error: runAsRoot failed with exit status 3"]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("attr", ["parentImage", "chownStream", "onBaseOnlyStore"])
def test_the_layer_is_reproducible(attr: str) -> None:
    _check_reproducible(attr)


def _check_reproducible(attr: str) -> None:
    """``nix-build --check`` builds the layer again and compares the bytes."""
    build(attr)
    drv = run(["nix-instantiate", *NIX_OPTIONS, str(IMAGES), "-A", attr]).stdout.strip().splitlines()[-1]
    requisites = run(["nix-store", "--query", "--requisites", drv]).stdout.split()
    layers = [d for d in requisites if d.endswith("-layer.drv") or d.endswith("-image.drv")]
    assert layers
    for layer in layers:
        run(["nix-store", "--realise", "--check", *NIX_OPTIONS, layer])


def test_a_whiteout_made_by_the_script_is_refused() -> None:
    """Only the whiteouts of what the script deleted may be in the layer; a file it
    names like one would hide the parent's files behind the user's back."""
    require("nix-build")
    result = run(["nix-build", "--no-out-link", *NIX_OPTIONS, str(IMAGES), "-A", "whiteoutMaker"], check=False)
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("buildImage:")]
    assert len(errors) == 1 and "/etc/.wh.passwd in the image root is named like a whiteout" in errors[0]
