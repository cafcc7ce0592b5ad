"""``copy-to-registry``: push an image (its push plan) or a multi-platform image
to a registry; the executable behind every image's ``copyToRegistry``.

    copy-to-registry (--push DIR | --multi-arch DIR) [--tls-verify=false] [--quiet]
                     [docker://]HOST[:PORT]/NAME[:TAG]

Without a destination the image's own name and tag; without a tag the image's.
Progress (per blob: "exists" or the bytes sent) goes to stderr; stdout gets the
pushed reference with its digest, ``HOST/NAME@sha256:...``.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Optional

from stowage.push import multi_arch
from stowage.push import plan as push_plan
from stowage.errors import UserError
from stowage.push import send as registry_push
from stowage.registry.client import RegistryClient
from stowage.registry.names import parse_image_ref, parse_repository
from stowage.cli.common import progress_printer, run, write_stdout

PROGRAM = "copy-to-registry"


def _bool(value: str) -> bool:
    if value.lower() in ("true", "1", "yes"):
        return True
    if value.lower() in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false; got {value!r}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROGRAM, description="Push an image to a registry.")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--push", metavar="DIR", help="the image's push plan")
    source.add_argument("--multi-arch", metavar="DIR", help="a multi-platform image")
    parser.add_argument("destination", nargs="?", metavar="docker://HOST/NAME[:TAG]",
                        help="where to push (default: the image's own name and tag)")
    parser.add_argument("--tls-verify", type=_bool, default=True, metavar="BOOL",
                        help="false: accept an unverified certificate or plain HTTP (loopback test registries)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print no progress")
    return parser


def _destination(value: Optional[str], own: str) -> tuple[str, str]:
    """(name, tag) of the destination."""
    value = own if value is None else value.removeprefix("docker://")
    ref = parse_image_ref(value)
    if ref.digest is not None:
        raise UserError(f"destination {value!r} names a digest; push to a tag (NAME:TAG) or to NAME")
    return ref.name, ref.tag or own.rpartition(":")[2]


def main(argv: Optional[list[str]] = None) -> int:
    args = _parser().parse_args(argv)
    progress = (lambda line: None) if args.quiet else progress_printer(PROGRAM)

    def body() -> int:
        multi = multi_arch.read(args.multi_arch) if args.multi_arch else None
        single = push_plan.read(args.push) if args.push else None
        own = multi.repo_tag if multi is not None else single.repo_tag if single is not None else ""
        name, tag = _destination(args.destination, own)
        try:
            client = RegistryClient(parse_repository(name), tls_verify=args.tls_verify,
                                    env=os.environ, actions="pull,push")
            if client.note:
                progress(f"note: {client.note}")
            stats = registry_push.Stats()
            if multi is not None:
                for image in multi.images:
                    registry_push.push_image(client, image, image.manifest.digest, stats=stats, progress=progress)
                registry_push.put_manifest(client, tag, multi.index)
                digest = multi.index.digest
            else:
                assert single is not None
                registry_push.push_image(client, single, tag, stats=stats, progress=progress)
                digest = single.manifest.digest
        except UserError as error:
            raise UserError(f"cannot push to {name}:{tag}: {error}") from None
        progress(f"{name}:{tag}: {stats.uploaded} blobs sent ({stats.bytes_sent} bytes), {stats.existing} existed")
        write_stdout(f"{name}@{digest}\n".encode())
        return 0

    return run(PROGRAM, body)


if __name__ == "__main__":
    sys.exit(main())
