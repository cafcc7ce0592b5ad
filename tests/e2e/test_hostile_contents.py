"""Hostile contents: packages that try to reach the build machine through the
image root, or to change what Docker shows from lower layers. Each is a real
package (builtins.derivation) built into a real image by nix-build."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import json
import stat
import subprocess
import tarfile
from pathlib import Path

import pytest

from conftest import NIX_OPTIONS, mode_expr, nix_build, require, run
from test_layered import archive_bytes

pytestmark = pytest.mark.e2e


def package(name: str, script: str, **refs: str) -> str:
    """A Nix expression (in mode_expr's scope) of a package made by the shell
    ``script`` (the mode's script, with coreutils); ``@ref@`` in the script
    becomes the path of the package ``refs[ref]`` (a Nix expression)."""
    text = nix_string(script)
    for ref, expr in refs.items():
        text = text.replace(f"@{ref}@", "${" + expr + "}")
    return f'(script "{name}" {text})'


def nix_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("${", "\\${") + '"'


def build_fails(body: str) -> str:
    """Build ``body`` (with ``stowage`` in scope), which must fail; return the builder's error line."""
    require("nix-build")
    result = run(["nix-build", "--no-out-link", *NIX_OPTIONS, "-E", mode_expr(body)], check=False)
    assert result.returncode != 0, f"the build succeeded: {result.stdout}"
    assert "Traceback" not in result.stderr, result.stderr
    lines = [
        line.strip() for line in result.stderr.splitlines()
        if ": error: " in line and not line.startswith(("error:", "warning:"))
    ]
    assert len(lines) == 1, result.stderr
    return lines[0]


# -- includeNixDB through a symlinked nix/var ----------------------------------------


def _nix_state(tmp_path: Path) -> Path:
    """A Nix state directory (``nix/var/nix``) with a real database, locks,
    temporary roots and per-user directories, as a build machine has."""
    require("nix-store")
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    env = dict(os.environ, USER="nobody", NIX_REMOTE=f"local?root={fresh}")
    subprocess.run(["nix-store", "--load-db"], input=b"", env=env, check=True, capture_output=True)
    victim = tmp_path / "victim"
    shutil.copytree(fresh / "nix" / "var", victim, symlinks=True)
    state = victim / "nix"
    # Nix 2.8 makes the per-user directories with the database; later ones do not.
    for directory in ("temproots", "gcroots/per-user/root", "profiles/per-user/root", "db"):
        (state / directory).mkdir(parents=True, exist_ok=True)
    (state / "temproots" / "4242").write_text("/nix/store/x\n")
    (state / "gcroots" / "per-user" / "root" / "keep").symlink_to("/nix/store/y")
    (state / "profiles" / "per-user" / "root" / "marker").write_text("mine\n")
    (state / "db" / "big-lock").touch()
    return victim


def _snapshot(top: Path) -> dict[str, tuple[int, int, str]]:
    """Every entry below ``top``: mode, mtime and content (hash or link target)."""
    found: dict[str, tuple[int, int, str]] = {}
    for directory, dirs, files in os.walk(top):
        for name in dirs + files:
            path = Path(directory) / name
            st = path.lstat()
            if stat.S_ISLNK(st.st_mode):
                content = "-> " + os.readlink(path)
            elif stat.S_ISREG(st.st_mode):
                content = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                content = "dir"
            found[str(path.relative_to(top))] = (st.st_mode, st.st_mtime_ns, content)
    return found


@pytest.mark.parametrize("link", ["nix/var", "nix/var/nix"])
@pytest.mark.parametrize("builder", ["buildLayeredImage", "buildImage"])
def test_nix_db_never_writes_through_a_symlink(tmp_path: Path, link: str, builder: str) -> None:
    victim = _nix_state(tmp_path)
    target = victim if link == "nix/var" else victim / "nix"
    before = _snapshot(victim)
    parent = os.path.dirname(link)
    evil = package("evil-nix-var", f"mkdir -p $out/{parent}; ln -s {target} $out/{link}; mkdir $out/bin")
    items = "contents" if builder == "buildLayeredImage" else "copyToRoot"
    line = build_fails(f'stowage.{builder} {{ name = "evil"; includeNixDB = true; {items} = [ {evil} ]; }}')
    assert line.startswith(f"{builder}: error: "), line
    assert f"/{link} in the image root is a symlink to {target}" in line, line
    assert "-evil-nix-var" in line and "includeNixDB" in line, line
    assert _snapshot(victim) == before


def test_nix_db_is_built_apart_and_copied_in(tmp_path: Path) -> None:
    """A package's own file where the database goes is replaced, not written through."""
    victim = tmp_path / "victim.sqlite"
    victim.write_bytes(b"not yours")
    evil = package("evil-db-file", f"mkdir -p $out/nix/var/nix/db; ln -s {victim} $out/nix/var/nix/db/db.sqlite")
    out = run(["nix-build", "--no-out-link", *NIX_OPTIONS, "-E", mode_expr(
        f'stowage.buildLayeredImage {{ name = "evil"; compressor = "none"; includeNixDB = true; contents = [ {evil} ]; }}'
    )]).stdout.strip()
    assert victim.read_bytes() == b"not yours"
    with tarfile.open(out) as archive:
        manifest = json.load(archive.extractfile("manifest.json"))  # type: ignore[arg-type]
        with tarfile.open(fileobj=archive.extractfile(manifest[0]["Layers"][-1])) as layer:
            member = layer.getmember("nix/var/nix/db/db.sqlite")
            assert member.isfile()
            assert layer.extractfile(member).read(16) == b"SQLite format 3\0"  # type: ignore[union-attr]
            # Nix's own links (2.8 to 2.26 make gcroots/profiles; 2.34 none), made where
            # the database was built, name the image's place.
            links = [m for m in layer.getmembers() if m.name.startswith("nix/var/") and m.issym()]
            assert all(m.linkname.startswith("/nix/") for m in links), [(m.name, m.linkname) for m in links]
            profiles = [m.linkname for m in links if m.name == "nix/var/nix/gcroots/profiles"]
            assert profiles in ([], ["/nix/var/nix/profiles"]), profiles


def test_a_symlinked_store_directory_is_refused() -> None:
    evil = package("evil-nix-link", "mkdir -p $out; ln -s /nix $out/nix")
    line = build_fails(f'stowage.buildLayeredImage {{ name = "evil"; contents = [ {evil} ]; }}')
    assert "/nix in the image root is a symlink to /nix" in line and "-evil-nix-link" in line, line


# -- copyToRoot follows links only into the closure ------------------------------------


def _layer_members(image: Path, index: int = -1) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(image) as archive:
        manifest = json.load(archive.extractfile("manifest.json"))  # type: ignore[arg-type]
        with tarfile.open(fileobj=archive.extractfile(manifest[0]["Layers"][index])) as layer:
            return {m.name: m for m in layer.getmembers()}


def test_copy_to_root_copies_no_store_path_outside_the_closure() -> None:
    secret = nix_build(mode_expr(package("unrelated-secret", "mkdir -p $out/keys; echo s3cret > $out/keys/id")))
    inside = package("in-closure", "mkdir -p $out/share; echo mine > $out/share/f")
    # The secret's path is only spelled in the script: not an input, so no reference.
    evil = package(
        "evil-links",
        f"mkdir -p $out; ln -s {secret} $out/stolen; ln -s /nix/store/.links $out/pool; "
        "ln -s @inside@/share $out/share",
        inside=inside,
    )
    image = nix_build(mode_expr(f'stowage.buildImage {{ name = "evil"; compressor = "none"; copyToRoot = [ {evil} ]; }}'))
    members = _layer_members(image)
    assert members["stolen"].issym() and members["stolen"].linkname == str(secret)
    assert members["pool"].issym() and members["pool"].linkname == "/nix/store/.links"
    assert not any(name.startswith(("stolen/", "pool/")) for name in members)
    assert not any(str(secret).lstrip("/") in name for name in members)
    # A link into the closure is still copied as the directory (rsync -k).
    assert members["share"].isdir() and members["share/f"].isfile()


# -- whiteouts -------------------------------------------------------------------------


WHITEOUTS = {
    "root": ("mkdir -p $out; touch $out/.wh.nix", "/.wh.nix"),
    "opaque": ("mkdir -p $out/etc; touch $out/etc/.wh..wh..opq", "/etc/.wh..wh..opq"),
}


@pytest.mark.parametrize("where", sorted(WHITEOUTS))
@pytest.mark.parametrize("builder", ["streamLayeredImage", "buildLayeredImage", "buildImage"])
def test_whiteout_files_in_contents_are_refused(where: str, builder: str) -> None:
    script, shown = WHITEOUTS[where]
    evil = package(f"evil-wh-{where}", script)
    items = "copyToRoot" if builder == "buildImage" else "contents"
    line = build_fails(f'stowage.{builder} {{ name = "evil"; {items} = [ {evil} ]; }}')
    assert "is named like a whiteout" in line and shown.rsplit("/", 1)[1] in line, line
    assert f"-evil-wh-{where}" in line, line


@pytest.mark.parametrize("cached", [True, False])
def test_whiteout_files_in_a_store_layer_are_refused(cached: bool) -> None:
    dep = package("evil-wh-dep", "mkdir -p $out/lib; touch $out/lib/.wh.libc.so")
    app = package("app-on-evil", "mkdir -p $out; echo @dep@ > $out/dep", dep=dep)
    body = f'stowage.streamLayeredImage {{ name = "evil"; cachedLayers = {str(cached).lower()}; contents = [ {app} ]; }}'
    if cached:
        line = build_fails(body)
    else:  # the stream walks the store itself, when it runs
        stream = nix_build(mode_expr(body))
        result = subprocess.run([str(stream)], capture_output=True, text=True, stdin=subprocess.DEVNULL)
        assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr
        line = result.stderr.strip().splitlines()[-1]
    assert "lib/.wh.libc.so is named like a whiteout" in line and "-evil-wh-dep" in line, line


def test_whiteout_made_by_extra_commands_is_refused() -> None:
    line = build_fails('stowage.buildLayeredImage { name = "evil"; extraCommands = "touch .wh.etc"; }')
    assert line.startswith("buildLayeredImage: error: /.wh.etc in the image root is named like a whiteout"), line
    assert "extraCommands" in line, line


def test_docker_hides_a_lower_layer_behind_a_whiteout(docker: str, tmp_path: Path) -> None:
    """Why whiteouts are refused: the base image with one more layer holding
    ``.wh.etc`` (what the package above would have put there) loses its /etc."""
    base = archive_bytes("base")
    good = _with_top_layer(base, {}, tmp_path / "good.tar", "good")
    hidden = _with_top_layer(base, {".wh.etc": b""}, tmp_path / "hidden.tar", "hidden")
    probe = ["/bin/sh", "-c", "cat /etc/layer-owner"]
    for path in (good, hidden):
        run([docker, "load", "-i", str(path)])
    assert run([docker, "run", "--rm", "--network", "none", "e2e-whiteout:good", *probe]).stdout == "base\n"
    result = run([docker, "run", "--rm", "--network", "none", "e2e-whiteout:hidden", *probe], check=False)
    assert result.returncode != 0 and "No such file" in result.stderr, result


def _with_top_layer(archive: bytes, files: dict[str, bytes], out: Path, tag: str) -> Path:
    """``archive`` (a docker-archive) with one more layer of ``files``, tagged e2e-whiteout:<tag>."""
    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    layer_bytes = layer.getvalue()
    with tarfile.open(fileobj=io.BytesIO(archive)) as source:
        manifest = json.load(source.extractfile("manifest.json"))  # type: ignore[arg-type]
        config = json.load(source.extractfile(manifest[0]["Config"]))  # type: ignore[arg-type]
        members = {m: source.extractfile(m).read() for m in manifest[0]["Layers"]}  # type: ignore[union-attr]
    config["rootfs"]["diff_ids"].append("sha256:" + hashlib.sha256(layer_bytes).hexdigest())
    config["history"] = config.get("history", []) + [{"created": "1970-01-01T00:00:01Z"}]
    config_bytes = json.dumps(config).encode()
    members["top.tar"] = layer_bytes
    members["config.json"] = config_bytes
    entry = {"Config": "config.json", "RepoTags": [f"e2e-whiteout:{tag}"], "Layers": manifest[0]["Layers"] + ["top.tar"]}
    members["manifest.json"] = json.dumps([entry]).encode()
    with tarfile.open(out, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out


# -- files inside the store, through the image root ----------------------------------


@pytest.mark.parametrize("builder", ["streamLayeredImage", "buildLayeredImage", "buildImage"])
def test_contents_cannot_put_files_inside_a_store_path(builder: str) -> None:
    """A package holding ``nix/store/<name>/…`` would, through the root layer (the
    top one), replace in the container what a store layer holds at that path."""
    victim = package("victim", "mkdir -p $out/bin; echo real > $out/bin/tool")
    evil = package("evil-store", "mkdir -p $out/nix/store/$(basename @victim@)/bin; echo fake > $out/nix/store/$(basename @victim@)/bin/tool", victim=victim)
    items = "copyToRoot" if builder == "buildImage" else "contents"
    line = build_fails(f'stowage.{builder} {{ name = "evil"; {items} = [ {victim} {evil} ]; }}')
    assert line.startswith(f"{builder}: error: /nix/store/") and "-victim" in line, line
    assert "inside the store" in line and "contents" in line, line


def test_extra_commands_cannot_put_files_inside_the_store() -> None:
    line = build_fails('stowage.buildLayeredImage { name = "evil"; extraCommands = "mkdir -p nix/store/x-y; touch nix/store/x-y/z"; }')
    assert line.startswith("buildLayeredImage: error: /nix/store/x-y"), line
    assert "inside the store" in line and "extraCommands" in line, line
