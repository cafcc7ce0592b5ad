"""``nix-prefetch-docker``: nixpkgs' prefetcher for ``pullImage``, by its name and
with its flags and output, so that scripts and updaters (nvfetcher, npins) that
run it keep working. The hash it prints is of the archive this library's
``pullImage`` writes (see ``prefetch_image``, which does the work).

    nix-prefetch-docker [--os OS] [--arch ARCH] [--image-name NAME] [--image-tag TAG]
                        [--image-digest DIGEST] [--final-image-name NAME]
                        [--final-image-tag TAG] [--json] [--quiet]
                        [IMAGE_NAME [TAG|DIGEST]]

As nixpkgs' script: stdout is a Nix attribute set (or, with ``--json``, a JSON
object) of ``imageName``, ``imageDigest``, ``sha256`` (Nix base-32),
``finalImageName`` and ``finalImageTag``; without ``--quiet`` the same facts go
to stderr as ``-> ImageName: ...`` lines. The final tag defaults to the tag asked
for, else ``latest``. Beyond nixpkgs: ``--variant``, ``--tls-verify=false``
(added to the output as ``tlsVerify``) and ``--no-add``.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Optional

from stowage.cli.arguments import ArgumentParser
from stowage.errors import UserError
from stowage.registry.names import parse_image_ref
from stowage.cli import prefetch_image
from stowage.cli.common import progress_printer, run

PROGRAM = "nix-prefetch-docker"
_BASE32 = "0123456789abcdfghijklmnpqrsvwxyz"


def nix_base32(digest: bytes) -> str:
    """``digest`` in Nix's base-32 (as ``nix-hash --to-base32`` prints it)."""
    length = (len(digest) * 8 - 1) // 5 + 1
    chars = []
    for n in range(length - 1, -1, -1):
        bit = n * 5
        byte, shift = divmod(bit, 8)
        value = digest[byte] >> shift
        if byte + 1 < len(digest):
            value |= digest[byte + 1] << (8 - shift)
        chars.append(_BASE32[value & 0x1F])
    return "".join(chars)


def _parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(prog=PROGRAM, description="Prefetch an image for pullImage and print its arguments.")
    parser.add_argument("positional", nargs="*", metavar="IMAGE_NAME [TAG|DIGEST]")
    parser.add_argument("--os", default="linux", help="OS to fetch the image for (default linux)")
    parser.add_argument("--arch", help="GOARCH to fetch the image for (default: this machine's)")
    parser.add_argument("--variant", help="e.g. v7 (default: this machine's, if any)")
    parser.add_argument("--image-name", help="name of the image to fetch")
    parser.add_argument("--image-tag", help="its tag (default latest)")
    parser.add_argument("--image-digest", help="its manifest digest (default: what the tag names now)")
    parser.add_argument("--final-image-name", help="the name written into the archive (default: the image's)")
    parser.add_argument("--final-image-tag", help="the tag written into the archive (default: the tag, else latest)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a Nix attribute set")
    parser.add_argument("--quiet", action="store_true", help="print only the result")
    parser.add_argument("--tls-verify", default="true", choices=["true", "false"],
                        help="false: accept an unverified or plain-HTTP registry")
    parser.add_argument("--no-add", action="store_true", help="do not add the archive to the Nix store")
    parser.add_argument("--no-registry-record", action="store_true",
                        help="leave out the registry record (pullImage's registryRecord = false)")
    return parser


def _request(args: argparse.Namespace) -> tuple[str, Optional[str]]:
    """The image name and the tag or digest, from the positionals or the flags."""
    if len(args.positional) > 2:
        raise UserError(f"too many arguments {args.positional[2:]}; give IMAGE_NAME [TAG|DIGEST]")
    name = args.positional[0] if args.positional else args.image_name
    if name is None:
        raise UserError("no image given; give IMAGE_NAME [TAG|DIGEST], e.g. nix-prefetch-docker nginx 1.27")
    second = args.positional[1] if len(args.positional) > 1 else None
    return name, second or args.image_digest or args.image_tag


def result(call: dict[str, Any], as_json: bool) -> str:
    """The output, in nixpkgs' key order: a Nix attribute set or JSON."""
    if as_json:
        return json.dumps(call, indent=2)
    lines = [f"  {key} = {json.dumps(value)};" for key, value in call.items()]
    return "{\n" + "\n".join(lines) + "\n}"


def main(argv: Optional[list[str]] = None) -> int:
    def body() -> int:
        args = _parser().parse_args(argv)
        name, tag_or_digest = _request(args)
        ref = parse_image_ref(name, tag_or_digest)
        tls_verify = args.tls_verify == "true"
        final_name = args.final_image_name or ref.name
        final_tag = args.final_image_tag or ref.tag or "latest"
        platform = prefetch_image.platform_of(args.os, args.arch, args.variant)
        progress = (lambda line: None) if args.quiet else progress_printer(PROGRAM)
        got = prefetch_image.prefetch(ref, platform, (final_name, final_tag),
                                      tls_verify=tls_verify, add=not args.no_add, progress=progress,
                                      registry_record=not args.no_registry_record)
        call: dict[str, Any] = {
            "imageName": ref.name, "imageDigest": got.digest, "sha256": nix_base32(got.sha256),
            "finalImageName": final_name, "finalImageTag": final_tag,
        }
        if args.arch is not None or args.variant is not None or args.os != "linux":
            call.update(os=platform.os, arch=platform.architecture, variant=platform.variant)
        if not tls_verify:
            call["tlsVerify"] = False
        if args.no_registry_record:
            call["registryRecord"] = False
        if not args.quiet:
            for key, label in (("imageName", "ImageName"), ("imageDigest", "ImageDigest"),
                               ("finalImageName", "FinalImageName"), ("finalImageTag", "FinalImageTag"),
                               ("sha256", "ImageHash")):
                print(f"-> {label}: {call[key]}", file=sys.stderr)
        print(result({k: v for k, v in call.items() if v is not None}, args.json))
        return 0

    return run(PROGRAM, body)


if __name__ == "__main__":
    sys.exit(main())
