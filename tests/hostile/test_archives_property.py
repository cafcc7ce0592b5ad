"""Random and mutated docker-archives against the archive reader and the
export, merge, OCI and image writers: each input either gives output that GNU
tar and tarfile read, whose layers are their diff_ids and whose members stay in
the root, or a UserError of one line; never any other exception."""

from __future__ import annotations

import gzip
import tempfile
from pathlib import Path
from typing import Any, Callable

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import outputs
from archives import LOWER, UPPER, Spec, digest, write
from stowage.archive import docker_archive
from stowage.errors import UserError
from test_archives_hostile import build_on, export, merge_one, oci

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text(max_size=8)
    | st.sampled_from(["sha256:" + "0" * 64, digest(LOWER), "../x", "/abs", "0/layer.tar", "config.json"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
CONFIG_KEYS = ["rootfs", "history", "config", "architecture", "os", "variant"]
MANIFEST_KEYS = ["Config", "Layers", "RepoTags"]


MUTATIONS = ["none", "none", "flip", "cut", "twice", "config", "manifest", "diff_ids"]


@st.composite
def mutated(draw: st.DrawFn) -> tuple[Spec, list[tuple[int, int]], float, bool]:
    """A valid archive (named ./ or not, a gzipped layer or not, gzipped or not)
    changed in one way: bytes flipped, cut short, a member given twice, a JSON
    field rewritten; returns the spec, the flips (positions modulo the size),
    the fraction kept and whether the archive is gzipped."""
    spec = Spec(prefix=draw(st.sampled_from(["", "./"])))
    if draw(st.booleans()):
        spec.stored = [LOWER, gzip.compress(UPPER, mtime=0)]
    config = spec.default_config()
    manifest: list[dict[str, Any]] = [
        {"Config": "config.json", "RepoTags": ["hostile:1"], "Layers": ["0/layer.tar", "1/layer.tar"]}
    ]
    flips: list[tuple[int, int]] = []
    cut = 1.0
    mutation = draw(st.sampled_from(MUTATIONS))
    if mutation == "flip":
        flips = draw(st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 255)), min_size=1, max_size=3))
    elif mutation == "cut":
        cut = draw(st.floats(0.0, 0.999))
    elif mutation == "twice":
        name = draw(st.sampled_from(["0/layer.tar", "1/layer.tar", "config.json", "manifest.json"]))
        spec.extra_data = [(name, draw(st.sampled_from([LOWER, UPPER, b"junk", b"[]"])))]
    elif mutation == "config":
        config[draw(st.sampled_from(CONFIG_KEYS))] = draw(JSON)
    elif mutation == "manifest":
        manifest[0][draw(st.sampled_from(MANIFEST_KEYS))] = draw(JSON)
    elif mutation == "diff_ids":
        ids = st.sampled_from([digest(LOWER), digest(UPPER), "sha256:../../x", "sha256:/abs", 5, None])
        config["rootfs"] = {"diff_ids": draw(st.lists(ids, max_size=3))}
    spec.config, spec.manifest = config, manifest
    event(f"mutation: {mutation}")
    return spec, flips, cut, draw(st.booleans())


def _materialise(directory: Path, spec: Spec, flips: list[tuple[int, int]], cut: float, gz: bool) -> Path:
    data = bytearray(write(directory / "plain.tar", spec).read_bytes())
    for position, xor in flips:
        data[position % len(data)] ^= xor
    data = data[: max(1, int(len(data) * cut))]
    path = directory / ("image.tar.gz" if gz else "image.tar")
    path.write_bytes(gzip.compress(bytes(data), mtime=0) if gz else bytes(data))
    return path


def _attempt(what: str, run: Callable[[], None], check: Callable[[], None]) -> None:
    try:
        run()
    except UserError as error:
        assert "\n" not in str(error), str(error)
        event(f"{what}: refused")
        return
    check()
    event(f"{what}: accepted")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_archives_give_good_output_or_one_line(case: tuple[Spec, list[tuple[int, int]], float, bool]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        path = _materialise(directory, *case)
        _attempt("read", lambda: docker_archive.read_base(str(path)), lambda: None)
        merged, built, root, layout = (directory / n for n in ("merged.tar", "built.tar", "root.tar", "layout"))
        _attempt("merge", lambda: merge_one(path, merged), lambda: outputs.check_docker_archive(merged))
        _attempt("build", lambda: build_on(path, built), lambda: outputs.check_docker_archive(built))
        _attempt("export", lambda: export(path, root), lambda: outputs.tar_names(root))
        _attempt("oci", lambda: oci(path, layout), lambda: outputs.check_oci_layout(layout))
