"""The image helpers (binSh, usrBinEnv, fakeNss, caCertificates) in a running image."""

from __future__ import annotations

import pytest

from conftest import MODE, PACKAGES, nix_build, run
from test_layered import docker_load

pytestmark = pytest.mark.e2e


def _path_in_image() -> list[str]:
    """In host mode sh is busybox, which has id, head and cat itself; in nixpkgs
    mode they are coreutils' programs in the store (usrBinEnv links into it)."""
    if MODE == "host":
        return []
    return ["-e", f"PATH=/bin:{nix_build(PACKAGES + '.coreutils')}/bin"]


def test_helpers_in_a_running_image(docker: str) -> None:
    ref = docker_load(docker, "helpers")
    script = (
        "id -un; id -u; head -c 27 /etc/ssl/certs/ca-bundle.crt; echo; "
        "test -r /etc/pki/tls/certs/ca-bundle.crt && test -r /etc/ssl/certs/ca-certificates.crt && echo certs-ok; "
        "cat /etc/nsswitch.conf; test -d /var/empty && echo empty-ok"
    )
    out = run([docker, "run", "--rm", "--network", "none", *_path_in_image(), ref, "/usr/bin/env", "sh", "-c", script]).stdout
    lines = out.splitlines()
    assert lines[:2] == ["alice", "1000"]
    assert lines[2] == "-----BEGIN CERTIFICATE-----"
    assert "certs-ok" in lines and "hosts: files dns" in lines and "empty-ok" in lines
