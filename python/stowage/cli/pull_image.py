"""``pull-image``: the builder of ``pullImage``, a fixed-output derivation.

Structured attribute ``stowage`` (version 2)::

    {"version": 2, "imageName": "registry/name", "imageDigest": "sha256:…",
     "os": "linux", "architecture": "amd64", "variant": null or "v7",
     "repoTag": "finalName:finalTag", "tlsVerify": true,
     "caFile": null or "/nix/store/…-ca.pem"}

Writes the image as an uncompressed docker-archive to $out (see
``stowage.registry.pull``); network settings and credentials come from the
environment (the derivation's ``impureEnvVars``). ``caFile``, a store path that
the sandbox sees, is the only CA bundle trusted when set; else the environment's
``SSL_CERT_FILE`` or the system's.
"""

from __future__ import annotations

import os
from typing import Mapping, Optional

from stowage.contract.jsondoc import fields, optional_str, read_attrs, versioned
from stowage.registry.manifests import Platform
from stowage.registry.pull import PullRequest, pull_to_file
from stowage.cli.common import output_path, progress_printer, run

PROGRAM = "pull-image"
VERSION = 2
_KEYS = {"version", "imageName", "imageDigest", "os", "architecture", "variant", "repoTag", "tlsVerify", "caFile"}


def request_from(document: object) -> PullRequest:
    """The pull that the (checked) build request asks for."""
    d = fields(versioned(document, "the pull request", VERSION), "the pull request", _KEYS)
    return PullRequest(
        image_name=str(d["imageName"]),
        image_digest=str(d["imageDigest"]),
        platform=Platform(str(d["os"]), str(d["architecture"]), optional_str(d["variant"])),
        repo_tag=str(d["repoTag"]),
        tls_verify=bool(d["tlsVerify"]),
    )


def environment(document: dict[str, object], env: Mapping[str, str]) -> dict[str, str]:
    """``env``, with ``SSL_CERT_FILE`` naming the request's CA bundle when it has one."""
    ca_file = optional_str(document.get("caFile"))
    return dict(env) if ca_file is None else dict(env, SSL_CERT_FILE=ca_file)


def main(argv: Optional[list[str]] = None) -> int:
    def body() -> int:
        attrs = read_attrs()
        request = request_from(attrs["stowage"])
        pull_to_file(request, output_path(attrs), environment(attrs["stowage"], os.environ), progress_printer(PROGRAM))
        return 0

    return run(PROGRAM, body)
