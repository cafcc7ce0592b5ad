"""``copy-to-registry``: push an image (its push plan) or a multi-platform image
to a registry; the executable behind every image's ``copyToRegistry``.

    copy-to-registry (--push DIR | --multi-arch DIR) [--tls-verify=false] [--quiet]
                     [--mount-from HOST[:PORT]/OTHER ...] [--attach [N:]MEDIA-TYPE=FILE ...]
                     [--no-sbom] [--no-provenance] [--check-blobs] [docker://]HOST[:PORT]/NAME[:TAG]

Without a destination the image's own name and tag; without a tag the image's.
Blobs the destination lacks are mounted from the ``--mount-from`` repositories
(of the same registry) that have them, else uploaded. Progress (per blob:
"exists", "mounted from …" or the bytes sent) goes to stderr; stdout gets the
pushed reference with its digest, ``HOST/NAME@sha256:...``. When the registry
has the image's manifest its blobs are not checked one by one, unless
``--check-blobs``.

Each ``--attach`` (the image's SBOMs, as its launcher passes them; for a
multi-platform image, ``N:`` names the image, from 1) is pushed after the image
as an OCI 1.1 artifact whose subject is the image's manifest (see
``stowage.push.attach``); ``--no-sbom`` pushes the image alone, ``--no-provenance``
leaves out the in-toto statement.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Mapping, Optional

from stowage.cli.arguments import ArgumentParser
from stowage.push import multi_arch
from stowage.push.attach import attach
from stowage.supply.annotations import CREATED
from stowage.supply.referrers import IN_TOTO, Attachment
from stowage.push import plan as push_plan
from stowage.errors import UserError
from stowage.output import allocator
from stowage.push import send as registry_push
from stowage.registry.chunked import CHUNK
from stowage.registry.client import RegistryClient
from stowage.registry.names import Repository, parse_image_ref, parse_repository
from stowage.cli.common import progress_printer, run, write_stdout

PROGRAM = "copy-to-registry"


def _bool(value: str) -> bool:
    if value.lower() in ("true", "1", "yes"):
        return True
    if value.lower() in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false; got {value!r}")


def _parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(prog=PROGRAM, description="Push an image to a registry.")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--push", metavar="DIR", help="the image's push plan")
    source.add_argument("--multi-arch", metavar="DIR", help="a multi-platform image")
    parser.add_argument("destination", nargs="?", metavar="docker://HOST/NAME[:TAG]",
                        help="where to push (default: the image's own name and tag)")
    parser.add_argument("--tls-verify", type=_bool, default=True, metavar="BOOL",
                        help="false: accept an unverified certificate or plain HTTP (loopback test registries)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print no progress")
    parser.add_argument("--mount-from", action="append", default=[], metavar="HOST/NAME",
                        help="a repository of the same registry to mount blobs from (repeatable)")
    parser.add_argument("--attach", action="append", default=[], metavar="[N:]MEDIA-TYPE=FILE",
                        help="a document to push as an artifact about the image (repeatable)")
    parser.add_argument("--no-sbom", action="store_true", help="push no attached documents (SBOMs, provenance)")
    parser.add_argument("--no-provenance", action="store_true", help="attach the SBOMs but not the provenance")
    parser.add_argument("--check-blobs", action="store_true",
                        help="check every blob even when the registry has the image's manifest")
    return parser


def _attachments(values: list[str], skip: frozenset[str]) -> dict[int, list[Attachment]]:
    """The documents of the --attach arguments, read now, by image (from 1: the
    ``N:`` prefix of a multi-platform image's; 1 without one), less the ``skip`` types."""
    found: dict[int, list[Attachment]] = {}
    for value in values:
        spec, separator, path = value.partition("=")
        number, _, media_type = spec.rpartition(":") if ":" in spec else ("1", "", spec)
        if not separator or not media_type or not path or not number.isdigit():
            raise UserError(f"--attach takes [N:]MEDIA-TYPE=FILE; got {value!r}")
        if media_type in skip:
            continue
        try:
            with open(path, "rb") as handle:
                found.setdefault(int(number), []).append(Attachment(media_type, handle.read()))
        except OSError as error:
            raise UserError(f"cannot read the attached document {path}: {error.strerror}") from None
    return found


def _created(manifest: bytes) -> dict[str, str]:
    """The image manifest's creation annotation, which its attachments repeat."""
    value = json.loads(manifest).get("annotations", {}).get(CREATED)
    return {CREATED: value} if isinstance(value, str) else {}


CHUNK_VAR = "STOWAGE_REGISTRY_CHUNK_SIZE"


def _chunk_size(env: Mapping[str, str]) -> int:
    """Bytes per chunk of a chunked upload: ``$STOWAGE_REGISTRY_CHUNK_SIZE`` or the default."""
    value = env.get(CHUNK_VAR, "").strip()
    if not value:
        return CHUNK
    if not value.isdigit() or int(value) < 1024:
        raise UserError(f"{CHUNK_VAR} must be a number of bytes of at least 1024; got {value!r}. "
                        f"Unset it for the default {CHUNK}")
    return int(value)


def _mount_sources(names: list[str], destination: Repository, own: str) -> list[str]:
    """The repository paths of ``--mount-from``, each on the destination's registry,
    then the image's own repository when it is another one of that registry (a
    mount attempt costs nothing: the session it opens takes the upload if it fails)."""
    registry = destination.registry
    paths = []
    for name in names:
        repo = parse_repository(name.removeprefix("docker://"))
        if repo.registry != registry:
            raise UserError(f"--mount-from {name!r} is on registry {repo.registry}, not {registry}; "
                            "name a repository of the destination's registry, e.g. "
                            f"{registry}/team/base")
        paths.append(repo.path)
    mine = parse_repository(parse_image_ref(own).name)
    if (mine.registry, mine.path) != (registry, destination.path) and mine.registry == registry \
            and mine.path not in paths:
        paths.append(mine.path)
    return paths


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
    allocator.keep_freed_memory()  # layers are compressed again as they are sent

    def body() -> int:
        multi = multi_arch.read(args.multi_arch) if args.multi_arch else None
        single = push_plan.read(args.push) if args.push else None
        skip = frozenset({IN_TOTO} if args.no_provenance else set())
        attachments = {} if args.no_sbom else _attachments(args.attach, skip)
        own = multi.repo_tag if multi is not None else single.repo_tag if single is not None else ""
        name, tag = _destination(args.destination, own)
        try:
            client = RegistryClient(parse_repository(name), tls_verify=args.tls_verify,
                                    env=os.environ, actions="pull,push")
            options = registry_push.BlobOptions(tuple(_mount_sources(args.mount_from, client.repo, own)),
                                                _chunk_size(os.environ), os.environ, args.check_blobs)
            client.pull_also(options.mount_from)
            if client.note:
                progress(f"note: {client.note}")
            stats = registry_push.Stats()
            if multi is not None:
                for number, image in enumerate(multi.images, start=1):
                    registry_push.push_image(client, image, image.manifest.digest, stats=stats, progress=progress,
                                             options=options)
                    attach(client, image.manifest, attachments.get(number, []), _created(image.manifest.data), progress)
                registry_push.put_manifest(client, tag, multi.index)
                digest = multi.index.digest
            else:
                assert single is not None
                registry_push.push_image(client, single, tag, stats=stats, progress=progress, options=options)
                digest = single.manifest.digest
                attach(client, single.manifest, attachments.get(1, []), _created(single.manifest.data), progress)
        except UserError as error:
            raise UserError(f"cannot push to {name}:{tag}: {error}") from None
        mounted = f", {stats.mounted} mounted" if stats.mounted else ""
        progress(f"{name}:{tag}: {stats.uploaded} blobs sent ({stats.bytes_sent} bytes), {stats.existing} existed{mounted}")
        write_stdout(f"{name}@{digest}\n".encode())
        return 0

    return run(PROGRAM, body)


if __name__ == "__main__":
    sys.exit(main())
