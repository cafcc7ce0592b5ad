"""streamLayeredImage and buildLayeredImage end to end: built by nix-build, loaded
and run by the Docker engine and podman, read by skopeo, umoci, GNU tar and
Python's tarfile."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import subprocess
import tarfile
from functools import lru_cache
from pathlib import Path

import pytest

from conftest import LIB, MODE, NIX_OPTIONS, PACKAGES, PODMAN_RUN, REPO, nix_eval, require, run

pytestmark = pytest.mark.e2e

IMAGES = REPO / "tests" / "e2e" / "images.nix"


@lru_cache(maxsize=None)
def build(attr: str) -> Path:
    require("nix-build")
    out = run(["nix-build", "--no-out-link", *NIX_OPTIONS, str(IMAGES), "-A", attr]).stdout
    return Path(out.strip().splitlines()[-1])


def attr_value(attr: str) -> object:
    return nix_eval(f"(import {IMAGES} {{ }}).{attr}")


def is_stream(out: Path) -> bool:
    return out.name.split("-", 1)[1].startswith("stream-")


def archive_bytes(attr: str) -> bytes:
    """The docker-archive of an image, whichever builder made it."""
    out = build(attr)
    if is_stream(out):
        return run_stream(out)
    data = out.read_bytes()
    return gzip.decompress(data) if out.name.endswith(".gz") else data


def run_stream(script: Path, *args: str) -> bytes:
    result = subprocess.run([str(script), *args], capture_output=True, check=True)
    return result.stdout


def archive_file(attr: str, tmp_path: Path) -> Path:
    path = tmp_path / f"{attr}.tar"
    path.write_bytes(archive_bytes(attr))
    return path


def read_archive(data: bytes) -> tuple[dict, dict, tarfile.TarFile]:
    tar = tarfile.open(fileobj=io.BytesIO(data))
    manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    config = json.load(tar.extractfile(manifest[0]["Config"]))  # type: ignore[arg-type]
    return manifest[0], config, tar


def docker_load(docker: str, attr: str) -> str:
    out = build(attr)
    if is_stream(out):
        data = run_stream(out)
        loaded = run([docker, "load"], input=data).stdout
    else:
        with out.open("rb") as handle:
            loaded = run([docker, "load"], stdin=handle).stdout
    return loaded.strip().rsplit("Loaded image: ", 1)[-1].strip()


# -- loading and running -------------------------------------------------------


def test_layered_gz_image_loads_and_runs_in_docker(docker: str) -> None:
    ref = docker_load(docker, "helloLayered")
    tag = attr_value("helloLayered.imageTag")
    assert ref == f"stowage-e2e/hello:{tag}"
    listed = run([docker, "images", "--format", "{{.Tag}}", "stowage-e2e/hello"]).stdout.split()
    assert tag in listed
    out = run([docker, "run", "--rm", "--network", "none", ref]).stdout
    assert "Hello from a stowage image (uid 0)" in out


def test_stream_script_loads_and_runs_in_docker(docker: str) -> None:
    script = build("helloStream")
    assert script.stat().st_mode & 0o777 == 0o555
    first_line = script.read_text().splitlines()[0]
    assert first_line.startswith("#!/") and "/usr/bin/env" not in first_line
    ref = docker_load(docker, "helloStream")
    assert ref == "stowage-e2e/hello:stream"
    assert "Hello from a stowage image" in run([docker, "run", "--rm", "--network", "none", ref]).stdout


def test_stream_repo_tag_override(docker: str) -> None:
    data = run_stream(build("helloStream"), "--repo-tag", "renamed/hello:v9")
    manifest, _, _ = read_archive(data)
    assert manifest["RepoTags"] == ["renamed/hello:v9"]
    loaded = run([docker, "load"], input=data).stdout
    assert "renamed/hello:v9" in loaded


def test_stream_reports_progress_per_layer() -> None:
    result = subprocess.run([str(build("helloStream"))], capture_output=True, check=True)
    lines = result.stderr.decode().splitlines()
    # one line per store layer (host mode: the static hello alone), then the customisation layer
    assert [line.split(":")[1].strip() for line in lines] == [f"layer {n}" for n in range(1, len(lines) + 1)]
    assert len(lines) == (2 if MODE == "host" else 4)
    assert any("hello-1.0" in line for line in lines[:-1])
    assert "customisation" in lines[-1]


def test_image_runs_in_podman(podman: str, tmp_path: Path) -> None:
    path = archive_file("helloPlain", tmp_path)
    loaded = run([podman, "load", "-i", str(path)]).stdout
    assert "stowage-e2e/hello:plain" in loaded
    out = run([*PODMAN_RUN, "stowage-e2e/hello:plain"]).stdout
    assert "Hello from a stowage image" in out


def test_stream_pipes_into_podman_load(podman: str) -> None:
    script = build("busyboxStream")
    with subprocess.Popen([str(script)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as stream:
        loaded = run([podman, "load"], stdin=stream.stdout).stdout
    assert stream.returncode == 0
    assert "e2e-busybox:latest" in loaded
    out = run([*PODMAN_RUN, "e2e-busybox:latest", "/bin/sh", "-c", "cat /tmp/marker; hello"]).stdout
    assert "made-by-extraCommands" in out and "Hello from a stowage image" in out


def test_non_root_user_runs_a_store_binary(docker: str) -> None:
    ref = docker_load(docker, "busyboxStream")
    script = "stat -c '%a %u' /nix /nix/store; hello; id -u"
    out = run([docker, "run", "--rm", "--network", "none", "--user", "1234:1234", ref, "/bin/sh", "-c", script]).stdout
    assert out.splitlines()[:2] == ["755 0", "755 0"]
    assert "Hello from a stowage image (uid 1234)" in out


def test_uid_gid_own_the_store_layers(docker: str) -> None:
    ref = docker_load(docker, "nonRoot")
    out = run([docker, "run", "--rm", "--network", "none", ref, "/bin/stat", "-c", "%u:%g %U", "/nix/store"]).stdout
    assert out.split()[0] == "1000:1000"
    assert "Hello from a stowage image (uid 1000)" in run([docker, "run", "--rm", "--network", "none", ref]).stdout


def test_store_path_that_is_a_symlink_stays_a_symlink(docker: str) -> None:
    link = build("helloLink")
    ref = docker_load(docker, "busyboxStream")
    out = run([docker, "run", "--rm", "--network", "none", ref, "/bin/sh", "-c", f"test -L {link} && readlink {link}"]).stdout
    assert out.strip().endswith("/bin/hello")


def test_empty_contents_builds_a_valid_image(docker: str) -> None:
    manifest, config, tar = read_archive(archive_bytes("empty"))
    assert len(manifest["Layers"]) == 1 == len(config["rootfs"]["diff_ids"])
    ref = docker_load(docker, "empty")
    assert run([docker, "image", "inspect", ref]).returncode == 0


# -- the archive's structure ---------------------------------------------------


def test_manifest_diff_ids_and_history_agree() -> None:
    manifest, config, tar = read_archive(archive_bytes("dag"))
    layers = manifest["Layers"]
    assert len(layers) == len(config["rootfs"]["diff_ids"]) == len(config["history"])
    for name, diff_id in zip(layers, config["rootfs"]["diff_ids"], strict=True):
        data = tar.extractfile(name).read()  # type: ignore[union-attr]
        assert diff_id == "sha256:" + hashlib.sha256(data).hexdigest()
    assert manifest["Config"] == hashlib.sha256(tar.extractfile(manifest["Config"]).read()).hexdigest() + ".json"  # type: ignore[union-attr]
    assert config["os"] == "linux" and config["architecture"] == "amd64"
    assert config["created"] == "1970-01-01T00:00:01Z"


def test_layers_are_ordered_dependencies_first() -> None:
    manifest, config, tar = read_archive(archive_bytes("dag"))
    flat = [name for layer in manifest["Layers"][:-1] for name in sorted(_store_names(tar, layer))]
    assert flat.index("lib-a") < flat.index("lib-b") < flat.index("app")


def test_store_layer_entries() -> None:
    manifest, _, tar = read_archive(archive_bytes("dag"))
    for name in manifest["Layers"][:-1]:
        members = tarfile.open(fileobj=tar.extractfile(name)).getmembers()
        assert [m.name for m in members[:2]] == ["nix", "nix/store"]
        assert all(m.mode == 0o755 and m.isdir() for m in members[:2])
        for m in members:
            assert not m.name.startswith("/") and not m.islnk()
            assert (m.mtime, m.uid, m.gid, m.uname, m.gname) == (1, 0, 0, "root", "root")


def test_customisation_layer_holds_the_merged_root() -> None:
    _, _, tar = read_archive(archive_bytes("busyboxStream"))
    manifest, _, _ = read_archive(archive_bytes("busyboxStream"))
    layer = tarfile.open(fileobj=tar.extractfile(manifest["Layers"][-1]))
    names = {m.name: m for m in layer}
    assert names["bin/hello"].issym() and names["bin/hello"].linkname.endswith("-hello-1.0/bin/hello")
    assert names["bin/"].isdir() if "bin/" in names else names["bin"].isdir()
    assert "tmp/marker" in names and not any(n.startswith("nix/store") for n in names)


def test_gnu_tar_and_tarfile_list_the_same_entries(tmp_path: Path) -> None:
    require("tar")
    data = archive_bytes("busyboxStream")
    manifest, _, tar = read_archive(data)
    for name in manifest["Layers"]:
        blob = tar.extractfile(name).read()  # type: ignore[union-attr]
        path = tmp_path / "layer.tar"
        path.write_bytes(blob)
        gnu = run(["tar", "-tf", str(path)]).stdout.splitlines()
        with tarfile.open(path) as layer:
            python = [m.name + ("/" if m.isdir() else "") for m in layer]
        assert gnu == python
        verbose = run(["tar", "-tvf", str(path)])
        assert verbose.stderr == ""


def test_max_layers_is_respected() -> None:
    manifest, _, _ = read_archive(archive_bytes("twoLayers"))
    assert len(manifest["Layers"]) == 2
    manifest, _, _ = read_archive(archive_bytes("childBudget"))
    assert len(manifest["Layers"]) == 4


def test_arm64_and_armv7_images() -> None:
    _, config, _ = read_archive(archive_bytes("arm64"))
    assert config["architecture"] == "arm64" and "variant" not in config
    _, config, _ = read_archive(archive_bytes("armv7"))
    assert (config["architecture"], config["variant"]) == ("arm", "v7")


def test_arm64_architecture_shown_by_docker(docker: str) -> None:
    ref = docker_load(docker, "arm64")
    out = run([docker, "image", "inspect", "--format", "{{.Architecture}}", ref]).stdout.strip()
    assert out == "arm64"


def _store_names(tar: tarfile.TarFile, member: str) -> set[str]:
    with tarfile.open(fileobj=tar.extractfile(member)) as layer:
        return {m.name.split("/")[2].split("-", 1)[1] for m in layer if m.name.count("/") == 2}


def test_changing_the_application_keeps_the_lower_layers() -> None:
    old_manifest, old_config, old_tar = read_archive(archive_bytes("dag"))
    new_manifest, new_config, new_tar = read_archive(archive_bytes("dagV2"))
    old_ids, new_ids = old_config["rootfs"]["diff_ids"], new_config["rootfs"]["diff_ids"]
    assert len(old_ids) == len(new_ids)
    changed = [i for i, (a, b) in enumerate(zip(old_ids, new_ids, strict=True)) if a != b]
    # Only the application's layer and the customisation layer (its symlinks) change.
    assert len(changed) == 2 and changed[-1] == len(old_ids) - 1
    assert "app" in _store_names(new_tar, new_manifest["Layers"][changed[0]])


def test_images_sharing_libraries_share_their_layers(docker: str) -> None:
    _, config, _ = read_archive(archive_bytes("dag"))
    _, other_config, _ = read_archive(archive_bytes("dagOther"))
    shared = set(config["rootfs"]["diff_ids"]) & set(other_config["rootfs"]["diff_ids"])
    assert len(shared) >= 3  # busybox, lib-a, lib-b
    layers = []
    for attr in ("dag", "dagOther"):
        ref = docker_load(docker, attr)
        out = run([docker, "image", "inspect", "--format", "{{json .RootFS.Layers}}", ref]).stdout
        layers.append(set(json.loads(out)))
    assert layers[0] & layers[1] == shared


def test_include_store_paths_false_has_no_store_layers() -> None:
    manifest, _, tar = read_archive(archive_bytes("noStorePaths"))
    assert len(manifest["Layers"]) == 1
    with tarfile.open(fileobj=tar.extractfile(manifest["Layers"][0])) as layer:
        names = layer.getnames()
    assert "bin/hello" in names and not any(n.startswith("nix") for n in names)


def test_plain_path_contents_and_created_now(docker: str) -> None:
    ref = docker_load(docker, "plainPath")
    out = run([docker, "run", "--rm", "--network", "none", ref, "/bin/cat", "/hello.txt"]).stdout
    assert out == "hello from a plain path\n"
    created = run([docker, "image", "inspect", "--format", "{{.Created}}", ref]).stdout
    assert not created.startswith("1970")


def test_bad_repo_tag_is_a_one_line_error() -> None:
    result = subprocess.run([str(build("helloStream")), "--repo-tag", "Not A Name"], capture_output=True, text=True)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.strip() == (
        "stream: error: --repo-tag must be NAME:TAG with a Docker image name and tag, "
        "e.g. registry.example.com/team/app:1.0; got 'Not A Name'"
    )


# -- fromImage -----------------------------------------------------------------


def test_from_image_layers_first_and_config_inherited(docker: str) -> None:
    base_manifest, base_config, base_tar = read_archive(archive_bytes("base"))
    manifest, config, tar = read_archive(archive_bytes("child"))
    n = len(base_manifest["Layers"])
    assert config["rootfs"]["diff_ids"][:n] == base_config["rootfs"]["diff_ids"]
    for ours, theirs in zip(manifest["Layers"][:n], base_manifest["Layers"], strict=True):
        assert tar.extractfile(ours).read() == base_tar.extractfile(theirs).read()  # type: ignore[union-attr]
    assert config["config"]["WorkingDir"] == "/srv"
    assert config["config"]["Labels"] == {"origin": "base"}
    ref = docker_load(docker, "child")
    out = run([docker, "run", "--rm", "--network", "none", ref]).stdout
    assert out.strip() == "base"  # Cmd inherited
    env = run([docker, "run", "--rm", "--network", "none", ref, "/bin/env"]).stdout.split()
    assert {"FROM_BASE=yes", "SHARED=child", "FROM_CHILD=yes"} <= set(env)
    assert sum(e.startswith("SHARED=") for e in env) == 1
    owner = run([docker, "run", "--rm", "--network", "none", ref, "/bin/cat", "/etc/layer-owner"]).stdout
    assert owner.strip() == "child"  # the child's layer is on top


def test_from_image_of_a_docker_save_archive(docker: str, tmp_path: Path) -> None:
    ref = docker_load(docker, "base")
    saved = tmp_path / "saved.tar"
    run([docker, "save", "-o", str(saved), ref])
    expr = (
        f"let s = {LIB}; p = {PACKAGES}; in "
        f's.streamLayeredImage {{ name = "e2e-on-saved"; tag = "latest"; fromImage = {saved}; '
        f"contents = [ p.hello ]; config.Cmd = [ \"/bin/hello\" ]; }}"
    )
    out = Path(run(["nix-build", "--no-out-link", *NIX_OPTIONS, "-E", expr]).stdout.strip())
    data = run_stream(out)
    loaded = run([docker, "load"], input=data).stdout
    assert "e2e-on-saved:latest" in loaded
    out_text = run([docker, "run", "--rm", "--network", "none", "e2e-on-saved:latest"]).stdout
    assert "Hello from a stowage image" in out_text
    env = run([docker, "run", "--rm", "--network", "none", "e2e-on-saved:latest", "/bin/env"]).stdout
    assert "FROM_BASE=yes" in env


# -- other readers ---------------------------------------------------------------


def test_skopeo_inspect(tmp_path: Path) -> None:
    require("skopeo")
    path = archive_file("dag", tmp_path)
    info = json.loads(run(["skopeo", "inspect", f"docker-archive:{path}"]).stdout)
    assert info["Architecture"] == "amd64" and info["Os"] == "linux"
    assert len(info["Layers"]) == 5


def test_skopeo_copy_to_oci_then_umoci_unpack(tmp_path: Path) -> None:
    require("skopeo", "umoci")
    path = archive_file("busyboxStream", tmp_path)
    oci = tmp_path / "oci"
    run(["skopeo", "copy", f"docker-archive:{path}", f"oci:{oci}:latest"])
    bundle = tmp_path / "bundle"
    run(["umoci", "unpack", "--image", f"{oci}:latest", str(bundle)])
    rootfs = bundle / "rootfs"
    assert (rootfs / "tmp" / "marker").read_text() == "made-by-extraCommands\n"
    assert (rootfs / "bin" / "hello").is_symlink()
    hello_store = Path(str(rootfs) + str(Path(str((rootfs / "bin" / "hello").readlink()))))
    assert hello_store.is_file()


# -- reproducibility and failure modes ---------------------------------------------


def test_nix_build_check_rebuilds_bit_for_bit() -> None:
    for attr in ["helloLayered", "helloStream", "child", "dag"]:
        run(["nix-build", "--no-out-link", *NIX_OPTIONS, str(IMAGES), "-A", attr])
        run(["nix-build", "--no-out-link", *NIX_OPTIONS, str(IMAGES), "-A", attr, "--check"])
        drv = run(["nix-instantiate", *NIX_OPTIONS, str(IMAGES), "-A", f"{attr}.conf"]).stdout.strip()
        run(["nix-store", "--realise", "--check", *NIX_OPTIONS, drv])


def test_stream_is_deterministic() -> None:
    script = build("busyboxStream")
    assert run_stream(script) == run_stream(script)


def test_closed_pipe_ends_quietly_with_failure() -> None:
    script = build("busyboxStream")
    result = subprocess.run(f"set -o pipefail; {script} | head -c 1000 >/dev/null",
                            shell=True, executable="/bin/bash", capture_output=True, text=True)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr and "Error" not in result.stderr


def test_vanished_store_path_is_a_one_line_error(tmp_path: Path) -> None:
    conf = json.loads((build("helloStream.conf") / "plan.json").read_text())
    conf["storeLayers"] = [
        {"paths": ["/nix/store/00000000000000000000000000000000-vanished"], "diffId": None, "size": None}
    ]
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(conf))
    result = subprocess.run(
        ["/usr/bin/python3", "-SB", str(REPO / "python" / "bin" / "stream"), "--plan", str(plan)],
        capture_output=True, text=True,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("stream: error: ") and "00000000000000000000000000000000-vanished" in lines[-1]
    assert "Traceback" not in result.stderr


def test_bad_from_image_is_a_one_line_build_error(tmp_path: Path) -> None:
    bogus = tmp_path / "not-an-image.tar"
    bogus.write_bytes(b"this is not a tar file" * 100)
    expr = f's: {LIB}.streamLayeredImage {{ name = "bad"; fromImage = {bogus}; }}'
    result = run(["nix-build", "--no-out-link", *NIX_OPTIONS, "-E", f"({expr}) null"], check=False)
    assert result.returncode != 0
    assert "streamLayeredImage: error: fromImage /nix/store/" in result.stderr
    assert "not-an-image.tar is not a readable docker-archive" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_layer_plan_says_why_each_layer_holds_its_paths() -> None:
    planned = json.loads((build("helloStream.layerPlan") / "plan.json").read_text())["storeLayers"]
    assert planned
    for layer in planned:
        want = ("own layer: ", "1 small path (") if len(layer["paths"]) == 1 else f"{len(layer['paths'])} small paths ("
        assert layer["reason"].startswith(want), layer
