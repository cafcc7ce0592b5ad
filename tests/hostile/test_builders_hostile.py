"""Hostile base archives through the real builders (nix-build, host mode): each
build fails with its program's one-line error and leaves no output; what the
builders accept, Docker loads."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

import archives
from archives import CASES, Entry, Spec, layer, write
from conftest import NIX_OPTIONS, nix_build, nix_expr, require, run

pytestmark = pytest.mark.e2e


def in_store(path: Path) -> str:
    """``path`` added to the store, as a Nix expression."""
    require("nix-store")
    stored = run(["nix-store", "--add", str(path)]).stdout.strip()
    return f'(builtins.storePath "{stored}")'


def build_fails(expr: str, builder: str, fragment: str) -> str:
    """Build ``expr``, which must fail with one error line naming the public ``builder``."""
    require("nix-build")
    result = run(["nix-build", "--no-out-link", *NIX_OPTIONS, "-E", nix_expr(expr)], check=False)
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if f"{builder}: error: " in line]
    assert len(errors) == 1, result.stderr
    assert re.search(fragment, errors[0]), errors[0]
    return errors[0]


def case(tmp_path: Path, name: str) -> tuple[str, str]:
    make, fragment = CASES[name]
    return in_store(make(tmp_path)), fragment


def test_merge_images_refuses_a_digest_that_would_name_a_path(tmp_path: Path) -> None:
    image, fragment = case(tmp_path, "diff-id-traversal")
    line = build_fails(f"stowage.mergeImages [ {image} ]", "mergeImages", fragment)
    assert "mergeImages input /nix/store/" in line and "sha256:../../x" in line


def test_build_image_refuses_layers_that_are_not_their_diff_ids(tmp_path: Path) -> None:
    # The root layer's step is the first to read the base's layers (for the store
    # paths they hold), and it reads only layers checked against their diff_ids.
    image, fragment = case(tmp_path, "diff-ids-lie")
    build_fails(f'stowage.buildImage {{ name = "h"; fromImage = {image}; }}', "buildImage", fragment)


def test_build_layered_image_refuses_a_bad_gzip_crc(tmp_path: Path) -> None:
    image, fragment = case(tmp_path, "gzip-layer-bad-crc")
    build_fails(f'stowage.buildLayeredImage {{ name = "h"; fromImage = {image}; }}', "buildLayeredImage", fragment)


def test_the_stream_checks_base_layers_when_it_runs(tmp_path: Path) -> None:
    image, fragment = case(tmp_path, "layer-twice-first-described")
    stream = nix_build(nix_expr(f'stowage.streamLayeredImage {{ name = "h"; fromImage = {image}; }}'))
    result = subprocess.run([str(stream)], capture_output=True)
    assert result.returncode != 0
    lines = result.stderr.decode().splitlines()
    assert lines[-1].startswith("stream: error: ") and re.search(fragment, lines[-1]), lines
    assert "Traceback" not in result.stderr.decode()


def test_export_image_refuses_a_malformed_configuration(tmp_path: Path) -> None:
    image, fragment = case(tmp_path, "rootfs-string")
    build_fails(f"stowage.exportImage {{ fromImage = {image}; }}", "exportImage", fragment)


@pytest.mark.parametrize("name", ["manifest-without-config", "config-not-utf8"])
def test_to_oci_layout_refuses_malformed_archives(tmp_path: Path, name: str) -> None:
    image, fragment = case(tmp_path, name)
    build_fails(f"stowage.toOCILayout {image}", "toOCILayout", fragment)


def test_base_layers_count_in_max_layers(tmp_path: Path) -> None:
    layers = [layer(Entry(f"f{i}", data=b"%d" % i)) for i in range(130)]
    image = in_store(write(tmp_path / "deep.tar", Spec(layers=layers)))
    line = build_fails(
        f'stowage.buildLayeredImage {{ name = "h"; fromImage = {image}; maxLayers = 100; }}', "buildLayeredImage",
        r"fromImage /nix/store/\S+ has 130 layers.*131, more than maxLayers = 100; use a base image with at most 124 layers",
    )
    assert "max depth exceeded" in line
    build_fails(f'stowage.buildImage {{ name = "h"; fromImage = {image}; }}', "buildImage", "more than maxLayers = 125")
    shallow = in_store(write(tmp_path / "shallow.tar", Spec(layers=layers[:100])))
    build_fails(
        f'stowage.buildLayeredImage {{ name = "h"; fromImage = {shallow}; maxLayers = 100; }}', "buildLayeredImage",
        r"has 100 layers.*101, more than maxLayers = 100; set maxLayers to at least 101",
    )


def test_export_image_replaces_a_lower_symlink_by_the_upper_directory(tmp_path: Path) -> None:
    require("tar")
    lower = layer(Entry("etc", "sym", link="/outside"))
    upper = layer(Entry("etc/pwned", data=b"p"))
    image = in_store(write(tmp_path / "image.tar", Spec(layers=[lower, upper])))
    exported = nix_build(nix_expr(f"stowage.exportImage {{ fromImage = {image}; }}"))
    listing = run(["tar", "-tvf", str(exported)]).stdout.splitlines()
    assert [line.split()[0][0] + " " + line.split()[-1] for line in listing] == ["d ./", "d ./etc/", "- ./etc/pwned"]
    target = tmp_path / "root"
    target.mkdir()
    run(["tar", "-xf", str(exported), "-C", str(target)])
    assert (target / "etc" / "pwned").is_file() and not (target / "etc").is_symlink()


def test_accepted_bases_load_in_docker(tmp_path: Path, docker: str) -> None:
    """Archives named ./x and with a gzipped layer: the builders' results load."""
    import gzip

    upper = archives.UPPER * 3
    spec = Spec(layers=[archives.LOWER, upper], stored=[archives.LOWER, gzip.compress(upper, mtime=0)], prefix="./")
    image = in_store(write(tmp_path / "base.tar", spec))
    for expr in (
        f"stowage.mergeImages [ {image} ]",
        f'stowage.buildImage {{ name = "hostile-child"; tag = "1"; fromImage = {image}; compressor = "none"; }}',
    ):
        out = nix_build(nix_expr(expr))
        with out.open("rb") as handle:
            loaded = run([docker, "load"], stdin=handle).stdout
        assert "Loaded image" in loaded
        tag = "hostile:1" if "merge" in expr else "hostile-child:1"
        run([docker, "rmi", tag])
