"""Evaluation-time behaviour: every refused argument (one case file each), the
shared vectors, and both tool modes (host, and nixpkgs through a stand-in pkgs)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import NIX_OPTIONS, REPO, nix_eval, require, run

HERE = Path(__file__).resolve().parent
CASES = sorted((HERE / "cases").glob("*.nix"))
VECTORS = json.loads((REPO / "tests" / "vectors.json").read_text())


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_refused_argument(case: Path) -> None:
    require("nix-instantiate")
    result = subprocess.run(["nix-instantiate", *NIX_OPTIONS, str(case)], capture_output=True, text=True, cwd=HERE / "cases")
    assert result.returncode != 0, f"{case.name} evaluated: {result.stdout}"
    message = " ".join(result.stderr.split())
    for fragment in (case.with_suffix(".expect")).read_text().splitlines():
        assert " ".join(fragment.split()) in message, f"{fragment!r} not in {message!r}"


def test_vectors_through_the_nix_checks() -> None:
    result = nix_eval(f"import {HERE}/vectors.nix")
    names = VECTORS["names"]
    assert result["names"] == [True] * len(names["valid"]) + [False] * len(names["invalid"])
    tags = VECTORS["tags"]
    assert result["tags"] == [True] * len(tags["valid"]) + [False] * len(tags["invalid"])
    for system, expected in VECTORS["systems"].items():
        assert result["systems"][system] == expected, system
    for system in VECTORS["refusedSystems"]:
        assert result["systems"][system] is None, system


def _attrs(expr: str) -> dict:
    return nix_eval(f"({expr}).drvAttrs")


def test_default_architecture_follows_system() -> None:
    image = nix_eval(f'(import {REPO} {{ system = "aarch64-linux"; }}).streamLayeredImage {{ name = "a"; cachedLayers = false; }}')
    assert isinstance(image, str)  # the derivation evaluates (to its out path)
    request = nix_eval(f'((import {REPO} {{ system = "aarch64-linux"; }}).streamLayeredImage {{ name = "a"; }}).layerPlan.drvAttrs.stowage')
    assert (request["architecture"], request["variant"]) == ("arm64", None)
    request = nix_eval(f'((import {REPO} {{ system = "armv7l-linux"; }}).streamLayeredImage {{ name = "a"; }}).layerPlan.drvAttrs.stowage')
    assert (request["architecture"], request["variant"]) == ("arm", "v7")
    request = nix_eval(f'((import {REPO} {{ system = "armv7l-linux"; }}).streamLayeredImage {{ name = "a"; architecture = "arm64"; }}).layerPlan.drvAttrs.stowage')
    assert (request["architecture"], request["variant"]) == ("arm64", None)


def test_linux_image_from_a_darwin_builder_is_allowed() -> None:
    lib = f'import {REPO} {{ system = "x86_64-linux"; localSystem = "aarch64-darwin"; }}'
    # cachedLayers would build the layer plan while evaluating: on the darwin machine.
    image = f'(({lib}).buildLayeredImage {{ name = "a"; cachedLayers = false; }})'
    attrs = nix_eval(f"({image}.drvAttrs) // {{ stowage = null; }}")
    assert attrs["system"] == "aarch64-darwin"
    request = nix_eval(f"({image}.conf.drvAttrs.stowage)")
    assert request["architecture"] == "amd64"
    require("nix-instantiate")
    run(["nix-instantiate", *NIX_OPTIONS, "-E", image])


def test_host_mode_tools() -> None:
    attrs = nix_eval(f'((import {REPO} {{ }}).buildLayeredImage {{ name = "a"; }}).drvAttrs // {{ stowage = null; }}')
    assert attrs["builder"] == "/usr/bin/python3"
    assert attrs["args"][0] == "-SB" and attrs["args"][1].endswith("/bin/build-layered-image")
    custom = nix_eval(f'((import {REPO} {{ }}).buildLayeredImage {{ name = "a"; }}).customisationLayer.drvAttrs.stowage')
    assert custom["shell"] == "/bin/sh"


def test_nixpkgs_mode_tools_come_from_pkgs() -> None:
    pkgs = f"import {HERE}/stand-in-pkgs.nix {{ }}"
    lib = f"import {REPO} {{ pkgs = {pkgs}; }}"
    attrs = nix_eval(f'(({lib}).buildLayeredImage {{ name = "a"; cachedLayers = false; }}).drvAttrs // {{ stowage = null; }}')
    python = nix_eval(f'"${{({pkgs}).buildPackages.python3}}/bin/python3"')
    assert attrs["builder"] == python and "python3-3.12" in python
    assert attrs["system"] == "x86_64-linux"  # builds run on the build platform
    request = nix_eval(f'(({lib}).buildLayeredImage {{ name = "a"; }}).layerPlan.drvAttrs.stowage')
    assert request["architecture"] == "arm64"  # the image is for the host platform
    custom = nix_eval(f'(({lib}).buildLayeredImage {{ name = "a"; }}).customisationLayer.drvAttrs.stowage')
    assert custom["shell"].endswith("-bash-5.2/bin/bash") and "coreutils-9.5/bin" in custom["path"]
    for tool in ("findutils-4.10", "diffutils-3.10", "gnused-4.9", "gnugrep-3.11", "gawk-5.3", "gnutar-1.35", "gzip-1.13", "xz-5.6"):
        assert f"-{tool}/bin" in custom["path"]  # what extraCommands may use
    stream = nix_eval(f'(({lib}).streamLayeredImage {{ name = "a"; cachedLayers = false; }}).drvAttrs.stowage')
    assert stream["python"] == python


def test_image_tag_and_name_passthru() -> None:
    lib = f"import {REPO} {{ }}"
    for fn in ("streamLayeredImage", "buildLayeredImage"):
        img = f'(({lib}).{fn} {{ name = "Registry.Example.com:5000/Team/App"; passthru.extra = 1; }})'
        got = nix_eval(f"{{ inherit ({img}) imageTag imageName extra; conf = {img}.layerPlan.outPath; }}")
        assert got["imageName"] == "registry.example.com:5000/team/app"
        assert got["imageTag"] == Path(got["conf"]).name[:32]
        assert got["extra"] == 1
        tagged = nix_eval(f'(({lib}).{fn} {{ name = "app"; tag = "v1"; }}).imageTag')
        assert tagged == "v1"
    assert nix_eval(f'(({lib}).streamLayeredImage {{ name = "app"; }}).isExe') is True


def test_derivation_names_use_the_base_name() -> None:
    img = f'((import {REPO} {{ }}).buildLayeredImage {{ name = "registry.example.com/team/app"; }})'
    assert nix_eval(f"{img}.name") == "app.tar.gz"
    assert nix_eval(f'((import {REPO} {{ }}).buildLayeredImage {{ name = "app"; compressor = "none"; }}).name') == "app.tar"
    assert nix_eval(f'((import {REPO} {{ }}).streamLayeredImage {{ name = "team/app"; }}).name') == "stream-app"


def test_helpers_take_their_files_from_the_mode() -> None:
    host = nix_eval(f"(import {REPO} {{ }}).binSh.drvAttrs.stowage.entries")
    assert host == [{"path": "bin/busybox", "copy": "/bin/busybox"}, {"path": "bin/sh", "symlink": "busybox"}]
    pkgs = f"import {HERE}/stand-in-pkgs.nix {{ }}"
    entries = nix_eval(f"(import {REPO} {{ pkgs = {pkgs}; }}).binSh.drvAttrs.stowage.entries")
    assert len(entries) == 1 and entries[0]["path"] == "bin/sh"
    assert entries[0]["symlink"].endswith("-bash-interactive-5.2/bin/bash")
    certs = nix_eval(f"(import {REPO} {{ pkgs = {pkgs}; }}).caCertificates.drvAttrs.stowage.entries")
    assert {e["path"] for e in certs} == {
        "etc/ssl/certs/ca-bundle.crt", "etc/ssl/certs/ca-certificates.crt", "etc/pki/tls/certs/ca-bundle.crt"}
    assert all(e["symlink"].endswith("-nss-cacert-3.101/etc/ssl/certs/ca-bundle.crt") for e in certs)
    env = nix_eval(f"(import {REPO} {{ pkgs = {pkgs}; }}).usrBinEnv.drvAttrs.stowage.entries")
    assert env[0]["symlink"].endswith("-coreutils-9.5/bin/env")
    assert "etc/shadow" in nix_eval(f"(import {REPO} {{ }}).shadowSetup")


def test_build_image_contents_is_a_deprecated_alias() -> None:
    require("nix-instantiate")
    expr = f'(import {REPO} {{ }}).buildImage {{ name = "a"; contents = [ ]; }}'
    result = run(["nix-instantiate", *NIX_OPTIONS, "-E", expr])
    assert "warning: buildImage: contents is deprecated; use copyToRoot" in result.stderr
    name = nix_eval(f'((import {REPO} {{ }}).buildImage {{ name = "registry.example.com/App"; }}).name')
    assert name == "docker-image-app.tar.gz"


def test_fakeroot_and_nix_are_dependencies_only_when_used() -> None:
    pkgs = f"import {HERE}/stand-in-pkgs.nix {{ }}"
    lib = f"import {REPO} {{ pkgs = {pkgs}; }}"
    plain = nix_eval(f'(({lib}).buildLayeredImage {{ name = "a"; }}).customisationLayer.drvAttrs.stowage')
    assert plain["fakeroot"] is None and plain["nixStore"] is None
    used = nix_eval(
        f'(({lib}).buildLayeredImageWithNixDb {{ name = "a"; fakeRootCommands = "chown 1 x"; }})'
        ".customisationLayer.drvAttrs.stowage"
    )
    assert used["fakeroot"].endswith("-fakeroot-1.36/bin/fakeroot")
    assert used["nixStore"].endswith("-nix-2.24/bin/nix-store")


def test_the_calendar_of_the_time_checks_agrees_with_python() -> None:
    """validate.nix computes seconds since the epoch itself (for the tar range);
    random times, leap days and offsets included, must agree with datetime's."""
    import random
    from datetime import datetime, timedelta, timezone

    rng = random.Random(8)
    times = []
    for _ in range(300):
        # A day off both ends of datetime's range: any offset stays in it.
        moment = datetime(1, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=rng.randrange(86_400, 315_537_811_199))
        minutes = rng.choice([0, rng.randrange(-1439, 1440)])
        zone = timezone(timedelta(minutes=minutes))
        local = moment.astimezone(zone)
        text = local.isoformat() if minutes else moment.isoformat().replace("+00:00", "Z")
        times.append((text, int(moment.timestamp())))
    times += [("2024-02-29T23:59:59Z", 1709251199), ("2000-02-29T00:00:00Z", 951782400)]
    values = " ".join(json.dumps(t) for t, _ in times)
    got = nix_eval(
        f"let v = import {REPO}/nix/validate.nix {{ errors = import {REPO}/nix/errors.nix; }}; "
        f"in map v.epochSeconds [ {values} ]"
    )
    assert got == [seconds for _, seconds in times]


def test_pull_image_trusts_a_ca_in_the_store() -> None:
    call = 'imageName = "r/a"; imageDigest = "sha256:' + "0" * 64 + '"; hash = "sha256-' + "A" * 43 + '=";'
    host = nix_eval(f"((import {REPO} {{ }}).pullImage {{ {call} }}).drvAttrs.stowage.caFile")
    assert host is None  # host mode: SSL_CERT_FILE or the system's bundle
    pkgs = f"import {HERE}/stand-in-pkgs.nix {{ buildSystem = \"x86_64-linux\"; hostSystem = \"x86_64-linux\"; }}"
    default = nix_eval(f"((import {REPO} {{ pkgs = {pkgs}; }}).pullImage {{ {call} }}).drvAttrs.stowage.caFile")
    assert default.endswith("-nss-cacert-3.101/etc/ssl/certs/ca-bundle.crt")
    given = nix_eval(f"((import {REPO} {{ }}).pullImage {{ {call} caFile = {HERE}/stand-in-pkgs.nix; }}).drvAttrs.stowage.caFile")
    assert given.startswith("/nix/store/") and given.endswith("-stand-in-pkgs.nix")
