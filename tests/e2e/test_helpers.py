"""The image helpers (binSh, usrBinEnv, fakeNss, caCertificates) in a running image."""

from __future__ import annotations

import pytest

from conftest import run
from test_layered import docker_load

pytestmark = pytest.mark.e2e


def test_helpers_in_a_running_image(docker: str) -> None:
    ref = docker_load(docker, "helpers")
    script = (
        "id -un; id -u; head -c 27 /etc/ssl/certs/ca-bundle.crt; echo; "
        "test -r /etc/pki/tls/certs/ca-bundle.crt && test -r /etc/ssl/certs/ca-certificates.crt && echo certs-ok; "
        "cat /etc/nsswitch.conf; test -d /var/empty && echo empty-ok"
    )
    out = run([docker, "run", "--rm", "--network", "none", ref, "/usr/bin/env", "sh", "-c", script]).stdout
    lines = out.splitlines()
    assert lines[:2] == ["alice", "1000"]
    assert lines[2] == "-----BEGIN CERTIFICATE-----"
    assert "certs-ok" in lines and "hosts: files dns" in lines and "empty-ok" in lines
