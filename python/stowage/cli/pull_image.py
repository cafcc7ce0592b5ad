"""``pull-image``: the builder of ``pullImage``, a fixed-output derivation; its
request is ``stowage.contract.step_requests.PullImageRequest``.

Writes the image as an uncompressed docker-archive to $out (see
``stowage.registry.pull``); network settings and credentials come from the
environment (the derivation's ``impureEnvVars``). ``caFile``, a store path that
the sandbox sees, is the only CA bundle trusted when set; else the environment's
``SSL_CERT_FILE`` or the system's.
"""

from __future__ import annotations

import os
from typing import Mapping, Optional

from stowage.contract.step_requests import PullImageRequest
from stowage.registry.manifests import Platform
from stowage.registry.pull import PullRequest, pull_to_file
from stowage.cli.common import Step, progress_printer, run_builder

PROGRAM = "pull-image"


def request_from(request: PullImageRequest) -> PullRequest:
    """The pull that the build request asks for."""
    return PullRequest(
        image_name=request.image_name,
        image_digest=request.image_digest,
        platform=Platform(request.os, request.architecture, request.variant),
        repo_tag=request.repo_tag,
        tls_verify=request.tls_verify,
        registry_record=request.registry_record,
    )


def environment(request: PullImageRequest, env: Mapping[str, str]) -> dict[str, str]:
    """``env``, with ``SSL_CERT_FILE`` naming the request's CA bundle when it has one."""
    return dict(env) if request.ca_file is None else dict(env, SSL_CERT_FILE=request.ca_file)


def build(step: Step[PullImageRequest]) -> None:
    r = step.request
    pull_to_file(request_from(r), step.out, environment(r, os.environ), progress_printer(PROGRAM))


def main(argv: Optional[list[str]] = None) -> int:
    return run_builder(PROGRAM, PullImageRequest, build)
