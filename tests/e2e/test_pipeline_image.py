"""layeringPipeline end to end: a buildLayeredImage grouped by a nixpkgs-style
pipeline, loaded and run by Docker, its layers read back from the archive."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from functools import lru_cache
from pathlib import Path

import pytest

from conftest import mode_expr, nix_build, nix_eval, run

pytestmark = pytest.mark.e2e

def image_body(pipeline: str, tag: str) -> str:
    """The image's Nix expression, in mode_expr's scope: app -> lib-b -> lib-a and
    app -> lib-a; extra-1..3 and busybox stand alone."""
    return (
        """
let
  pkg = name: deps: script name ''
    mkdir -p $out/share
    echo "${name}" > $out/share/${name}
    for d in ${toString deps}; do echo "$d" >> $out/share/${name}; done
  '';
  libA = pkg "lib-a" [ ];
  libB = pkg "lib-b" [ libA ];
  app = pkg "app" [ libA libB ];
  extras = map (n: pkg "extra-${toString n}" [ ]) [ 1 2 3 ];
in
stowage.buildLayeredImage {
  name = "stowage-e2e/pipeline";
  tag = "TAG";
  contents = [ app packages.busybox ] ++ extras;
  config.Cmd = [ "/bin/sh" "-c" "cat /share/app /share/extra-3" ];
  # Ignored with a pipeline, as in nixpkgs (without one, 1 is refused).
  maxLayers = 1;
  layeringPipeline = PIPELINE;
}
"""
    ).replace("TAG", tag).replace("PIPELINE", pipeline)


def image(pipeline: str, tag: str) -> str:
    return mode_expr(image_body(pipeline, tag))


@lru_cache(maxsize=None)
def busybox() -> str:
    """The mode's busybox: busybox-static in host mode, the stand-in's in nixpkgs mode."""
    return nix_eval(mode_expr("packages.busybox.name"))


MAIN_PIPELINE = """[
    [ "subcomponent_in" [ libB ] ]
    [ "over" "rest" [ "pipe" [ [ "popularity_contest" ] [ "limit_layers" 3 ] ] ] ]
  ]"""
IMAGE = image(MAIN_PIPELINE, "latest")
# remove_paths leaves extra-1 out of the image (its link in the root dangles).
REMOVED = image('[ [ "remove_paths" [ (builtins.head extras) ] ] [ "split_every" 3 ] ]', "removed")


@lru_cache(maxsize=None)
def archive(expr: str = IMAGE) -> bytes:
    return gzip.decompress(nix_build(expr).read_bytes())


def names(paths: set[str]) -> list[str]:
    """The package names of store paths, sorted."""
    return sorted(p.split("-", 1)[1] for p in paths)


def store_layers(data: bytes) -> list[list[str]]:
    """Per layer of the archive (bottom first), the names of the store paths it holds."""
    outer = tarfile.open(fileobj=io.BytesIO(data))
    manifest = json.load(outer.extractfile("manifest.json"))  # type: ignore[arg-type]
    result = []
    for member in manifest[0]["Layers"]:
        inner = tarfile.open(fileobj=outer.extractfile(member))
        top = {m.name.split("/")[2] for m in inner.getmembers() if m.name.startswith("nix/store/") and m.name.count("/") >= 2}
        result.append(names(top))
    return result


def test_the_pipeline_groups_the_layers_as_nixpkgs_does() -> None:
    layers = store_layers(archive())
    # main of subcomponent_in [lib-b]: lib-b and what uses it; then the rest by
    # popularity (all 1 here, so by name), the first two alone and the rest merged.
    # The customisation layer on top holds the root's links, no store path.
    assert layers == [
        ["app", "lib-b"],
        [busybox()],
        ["extra-1"],
        ["extra-2", "extra-3", "lib-a"],
        [],
    ]


def test_the_pipelined_image_loads_and_runs_in_docker(docker: str) -> None:
    loaded = run([docker, "load"], input=archive()).stdout
    ref = loaded.strip().rsplit("Loaded image: ", 1)[-1].strip()
    inspected = json.loads(run([docker, "image", "inspect", ref]).stdout)
    assert len(inspected[0]["RootFS"]["Layers"]) == 5
    lines = run([docker, "run", "--rm", "--network", "none", ref]).stdout.splitlines()
    assert (lines[0], lines[-1], len(lines)) == ("app", "extra-3", 4)
    listed = run([docker, "run", "--rm", "--network", "none", ref, "/bin/ls", "/nix/store"]).stdout.split()
    assert names(set(listed)) == ["app", busybox(), "extra-1", "extra-2", "extra-3", "lib-a", "lib-b"]


def test_remove_paths_leaves_paths_out_of_the_image(docker: str) -> None:
    # Ascending narSize (ties by path) chunked by 3; the customisation layer on top.
    layers = store_layers(archive(REMOVED))
    assert sorted(n for layer in layers for n in layer) == ["app", busybox(), "extra-2", "extra-3", "lib-a", "lib-b"]
    assert [len(layer) for layer in layers] == [3, 3, 0]
    ref = run([docker, "load"], input=archive(REMOVED)).stdout.strip().rsplit("Loaded image: ", 1)[-1].strip()
    listed = run([docker, "run", "--rm", "--network", "none", ref, "/bin/ls", "/nix/store"]).stdout.split()
    assert "extra-1" not in names(set(listed)) and "extra-2" in names(set(listed))


def test_a_pipeline_file_is_read_into_the_plan_request(tmp_path: Path) -> None:
    pipe = [["subcomponent_out", ["/nix/store/x"]], ["over", "rest", ["split_every", 2]]]
    (tmp_path / "pipeline.json").write_text(json.dumps(pipe))
    expr = mode_expr(
        f'(stowage.streamLayeredImage {{ name = "p"; layeringPipeline = {tmp_path}/pipeline.json; }})'
        ".layerPlan.drvAttrs.stowage.layeringPipeline"
    )
    assert nix_eval(expr) == pipe


def test_base_layers_do_not_count_against_maxLayers_with_a_pipeline() -> None:
    # Without the pipeline, a 5-layer base and maxLayers = 2 are refused.
    child = mode_expr(
        f"""
stowage.buildLayeredImage {{
  name = "stowage-e2e/pipeline-child";
  tag = "latest";
  fromImage = ({image_body(MAIN_PIPELINE, "latest")});
  contents = [ packages.busybox ];
  maxLayers = 2;
  layeringPipeline = [ [ "popularity_contest" ] ];
}}
"""
    )
    layers = store_layers(gzip.decompress(nix_build(child).read_bytes()))
    assert len(layers) == 5 + 1 + 1
    assert layers[5] == [busybox()]
