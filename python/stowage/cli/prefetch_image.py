"""``prefetch-image``: ``nix-prefetch-docker``'s job (which see, for nixpkgs' flags and output). Resolves a tag to a digest,
fetches the image exactly as ``pullImage``'s builder does (the same code), hashes
it as Nix will, adds it to the store (so the build need not fetch it again) and
prints a ready-to-paste ``pullImage { ... }``, or the same as JSON.

    prefetch-image [--os OS] [--arch ARCH] [--variant V] [--final-image-name N]
                   [--final-image-tag T] [--tls-verify=false] [--json] [--quiet]
                   [--no-add] IMAGE [TAG|DIGEST]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import platform as host_platform
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from typing import Any, Callable, Optional

from stowage import digest
from stowage.cli.arguments import ArgumentParser
from stowage.errors import UserError
from stowage.registry import manifests
from stowage.registry.client import RegistryClient
from stowage.registry.manifests import Platform
from stowage.registry.names import ImageRef, parse_image_ref, parse_repository
from stowage.registry.pull import PullRequest, pull_to_file
from stowage.cli.common import progress_printer, run

PROGRAM = "prefetch-image"
# uname -m -> (GOARCH, variant): the host's platform, the default like Docker's.
_MACHINES = {
    "x86_64": ("amd64", None), "aarch64": ("arm64", None), "armv7l": ("arm", "v7"),
    "armv6l": ("arm", "v6"), "i686": ("386", None), "ppc64le": ("ppc64le", None),
    "s390x": ("s390x", None), "riscv64": ("riscv64", None), "loongarch64": ("loong64", None),
}
_HASH_CHUNK = 1 << 20


def _parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(prog=PROGRAM, description="Prefetch an image for pullImage and print the call.")
    parser.add_argument("image", metavar="IMAGE", help="name[:tag][@digest], e.g. nginx:1.27 or registry.example.com/team/app")
    parser.add_argument("tag_or_digest", metavar="TAG|DIGEST", nargs="?", help="a tag or sha256:… digest (default: latest)")
    parser.add_argument("--os", default="linux")
    parser.add_argument("--arch", help="GOARCH name (default: this machine's)")
    parser.add_argument("--variant", help="e.g. v7 (default: this machine's, if any)")
    parser.add_argument("--final-image-name", help="the name written into the archive (default: IMAGE's name)")
    parser.add_argument("--final-image-tag", default="latest")
    parser.add_argument("--tls-verify", default="true", choices=["true", "false"],
                        help="false: accept an unverified or plain-HTTP registry (loopback tests)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a Nix expression")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.add_argument("--no-add", action="store_true", help="do not add the archive to the Nix store")
    parser.add_argument("--no-registry-record", action="store_true",
                        help="leave out the registry record (pullImage's registryRecord = false)")
    return parser


def platform_of(os_name: str, arch: Optional[str], variant: Optional[str]) -> Platform:
    """The platform asked for; this machine's architecture (and variant) by default."""
    host_arch, host_variant = _MACHINES.get(host_platform.machine(), (host_platform.machine(), None))
    if arch is not None:
        host_arch, host_variant = arch, None
    return Platform(os_name, host_arch, variant if variant is not None else host_variant)


def resolve_digest(ref: ImageRef, tls_verify: bool) -> str:
    """The digest of the manifest (or index) that ``ref``'s tag names now."""
    if ref.digest is not None:
        return ref.digest
    client = RegistryClient(parse_repository(ref.name), tls_verify=tls_verify, env=os.environ)
    tag = ref.tag or "latest"
    try:
        data, _ = client.manifest(tag, manifests.ACCEPT)
    except UserError as error:
        raise UserError(f"cannot resolve {ref.name}:{tag}: {error}") from None
    return digest.sha256(data)


def store_name(final_name: str, final_tag: str) -> str:
    """pullImage's default derivation name."""
    return "docker-image-" + f"{final_name}-{final_tag}".replace("/", "-").replace(":", "-") + ".tar"


def file_sha256(path: str) -> bytes:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.digest()


def sri(digest: bytes) -> str:
    return "sha256-" + base64.b64encode(digest).decode()


def _add_to_store(path: str, name: str) -> Optional[str]:
    """Add the archive as the fixed output pullImage will ask for; None without Nix."""
    nix_store = shutil.which("nix-store")
    if nix_store is None:
        return None
    with tempfile.TemporaryDirectory(prefix="prefetch-") as directory:
        named = os.path.join(directory, name)
        os.link(path, named)
        result = subprocess.run([nix_store, "--add-fixed", "sha256", named], capture_output=True, text=True)
    if result.returncode != 0:
        raise UserError(f"nix-store --add-fixed failed: {result.stderr.strip()}")
    return result.stdout.strip()


def nix_expression(call: dict[str, Any]) -> str:
    """``pullImage { ... }`` with the arguments in a fixed, readable order."""
    lines = [f"  {key} = {json.dumps(value)};" for key, value in call.items() if value is not None]
    return "pullImage {\n" + "\n".join(lines) + "\n}"


@dataclass(frozen=True)
class Prefetched:
    """What a prefetch learnt: the manifest digest and the archive's sha256."""

    digest: str
    sha256: bytes


def prefetch(
    ref: ImageRef, platform: Platform, repo_tag: tuple[str, str], *,
    tls_verify: bool, add: bool, progress: Callable[[str], None], registry_record: bool = True,
) -> Prefetched:
    """Fetch the image as pullImage's builder does, hash it, and (with ``add``)
    add it to the store under pullImage's default name."""
    digest = resolve_digest(ref, tls_verify)
    request = PullRequest(ref.name, digest, platform, f"{repo_tag[0]}:{repo_tag[1]}", tls_verify, registry_record)
    with tempfile.TemporaryDirectory(prefix="prefetch-") as directory:
        archive = os.path.join(directory, "image.tar")
        pull_to_file(request, archive, os.environ, progress)
        sha256 = file_sha256(archive)
        if add:
            added = _add_to_store(archive, store_name(*repo_tag))
            if added:
                progress(f"added to the store: {added}")
    return Prefetched(digest, sha256)


def main(argv: Optional[list[str]] = None) -> int:
    def body() -> int:
        args = _parser().parse_args(argv)
        tls_verify = args.tls_verify == "true"
        ref = parse_image_ref(args.image, args.tag_or_digest)
        final_name = args.final_image_name or ref.name
        platform = platform_of(args.os, args.arch, args.variant)
        progress = (lambda line: None) if args.quiet else progress_printer(PROGRAM)
        got = prefetch(ref, platform, (final_name, args.final_image_tag),
                       tls_verify=tls_verify, add=not args.no_add, progress=progress,
                       registry_record=not args.no_registry_record)
        call: dict[str, Any] = {
            "imageName": ref.name, "imageDigest": got.digest, "hash": sri(got.sha256),
            "finalImageName": final_name, "finalImageTag": args.final_image_tag,
            "os": platform.os, "arch": platform.architecture, "variant": platform.variant,
            "tlsVerify": tls_verify, "registryRecord": not args.no_registry_record,
        }
        if args.json:
            print(json.dumps(call, indent=2))
        else:
            print(nix_expression({**call, "tlsVerify": None if tls_verify else False,
                                  "registryRecord": None if call["registryRecord"] else False}))
        return 0

    return run(PROGRAM, body)
