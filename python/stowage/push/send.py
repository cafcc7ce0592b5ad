"""Pushing an image (or a multi-platform index) whose every blob is known from
its push plan: one HEAD for the manifest (a registry that has it has all its
blobs: nothing more to check), else one HEAD per blob, and a mount or an upload
of only the missing ones (layers made again from the store and compressed on the fly, see
``registry.blob_push``; a pulled base layer mounted or copied from its origin
registry, see ``push.origin``), up to ``PARALLEL`` blobs at a time, then the manifest.
The manifest goes up only once every blob is there, so a push that fails or is
interrupted leaves no manifest naming a missing blob.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Mapping

from stowage.layers import blob as layer_blob, source as layer_source
from stowage.contract import plan as image_plan
from stowage.errors import UserError
from stowage.layers.blob import Forward
from stowage.layers.compression import Compression
from stowage.output import pgzip
from stowage.push import origin as base_origin
from stowage.push.plan import Content, PushPlan
from stowage.registry.client import RegistryClient
from stowage.registry.manifests import ACCEPT
from stowage.registry.transport import status
from stowage.registry.blob_push import MOUNTED, push_blob
from stowage.registry.chunked import CHUNK
from stowage.registry.upload import Produce

Progress = Callable[[str], None]
#: Blobs checked and sent at once. Measured against a loopback registry (bench/push.py):
#: uploads overlap their compression and the registry's hashing and writing.
PARALLEL = 8


@dataclass
class Stats:
    """What a push did: blobs found, blobs sent and their bytes."""

    existing: int = 0
    uploaded: int = 0
    bytes_sent: int = 0
    mounted: int = 0
    done: set[str] = field(default_factory=set)  # digests handled in this run
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, **counts: int) -> None:
        with self.lock:
            for name, count in counts.items():
                setattr(self, name, getattr(self, name) + count)


@dataclass(frozen=True)
class BlobOptions:
    """How missing blobs get there: repositories of the registry to mount them
    from, the size above which (and in which) they are sent in chunks, the
    environment of the clients of pulled base layers' origin registries, and
    whether every blob is checked even when the registry has the manifest."""

    mount_from: tuple[str, ...] = ()
    chunk: int = CHUNK
    env: Mapping[str, str] = field(default_factory=dict)
    check_blobs: bool = False


@dataclass(frozen=True)
class Job:
    """One blob of a push."""

    label: str
    digest: str
    size: int
    produce: Produce
    mount_from: tuple[str, ...] = ()  # tried before the options' own


def exists(client: RegistryClient, digest: str) -> bool:
    """Whether the repository has the blob ``digest`` (one HEAD)."""
    what = f"blob {digest}"
    response = client.send("HEAD", f"/v2/{client.repo.path}/blobs/{digest}", what)
    if status(response) in (200, 404):
        response.close()
        return status(response) == 200
    raise client.fail(response, what)


def has_manifest(client: RegistryClient, digest: str) -> bool:
    """Whether the repository has the manifest ``digest`` (one HEAD; any answer but
    200 is "not known"). Registries (distribution, Harbor, the cloud ones) take a
    manifest only once they have every blob it names, so then the blobs need no
    HEAD each: pushing an image again costs two requests, not one per blob. A
    registry whose blobs can be deleted under a manifest is pushed to with
    ``BlobOptions.check_blobs`` (``--check-blobs``)."""
    response = client.send("HEAD", f"/v2/{client.repo.path}/manifests/{digest}", f"manifest {digest}",
                           headers={"Accept": ACCEPT})
    response.close()
    return status(response) == 200


def _not_done(jobs: list[Job], *, stats: Stats, progress: Progress) -> list[Job]:
    """The jobs whose blob this run has not handled yet, now marked handled;
    the others are reported as pushed above."""
    pending = []
    for job in jobs:
        if job.digest in stats.done:
            progress(f"{job.label} {job.digest[7:19]}: pushed above")
        else:
            stats.done.add(job.digest)
            pending.append(job)
    return pending


def _existing(job: Job, *, stats: Stats, progress: Progress) -> None:
    stats.add(existing=1)
    progress(f"{job.label} {job.digest[7:19]}: exists")


def _held(jobs: list[Job], *, stats: Stats, progress: Progress) -> None:
    """Report the blobs of a manifest the registry has as existing."""
    for job in _not_done(jobs, stats=stats, progress=progress):
        _existing(job, stats=stats, progress=progress)


def _blob(client: RegistryClient, job: Job, *, stats: Stats, progress: Progress, options: BlobOptions) -> None:
    """Check the blob, then mount or send it."""
    digest = job.digest
    if exists(client, digest):
        _existing(job, stats=stats, progress=progress)
        return
    mount_from = job.mount_from + tuple(m for m in options.mount_from if m not in job.mount_from)
    how = push_blob(client, digest, job.size, job.produce, what=f"{job.label} (blob {digest})",
                    mount_from=mount_from, chunk=options.chunk)
    if how.startswith(MOUNTED):
        stats.add(mounted=1)
        progress(f"{job.label} {digest[7:19]}: mounted from {how.partition(':')[2]}")
        return
    stats.add(uploaded=1, bytes_sent=job.size)
    progress(f"{job.label} {digest[7:19]}: {job.size} bytes sent")


def _locked(progress: Progress) -> Progress:
    """``progress`` callable from several threads, a whole line at a time."""
    lock = threading.Lock()

    def show(line: str) -> None:
        with lock:
            progress(line)

    return show


def push_blobs(client: RegistryClient, jobs: list[Job], *, stats: Stats, progress: Progress,
               options: BlobOptions = BlobOptions()) -> None:
    """Make sure the repository has every blob of ``jobs``, ``PARALLEL`` at a time
    (authentication happened on the manifest's HEAD, before)."""
    progress = _locked(progress)
    pending = _not_done(jobs, stats=stats, progress=progress)
    if not pending:
        return
    with ThreadPoolExecutor(max_workers=PARALLEL, thread_name_prefix="push") as pool:
        futures = [pool.submit(_blob, client, job, stats=stats, progress=progress, options=options)
                   for job in pending]
        try:
            for future in futures:
                future.result()
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def _layer_producer(source: layer_source.Source, blob: layer_blob.Blob, how: Compression,
                    gzip_pool: Executor) -> Produce:
    """Writes the layer's blob: the kept file as it is, else compressed again
    (gzip on the push's shared ``gzip_pool``)."""
    def produce(forward: Forward) -> None:
        if blob.file is not None:
            layer_blob.as_is(layer_source.tar_file(blob.file, blob.size), forward)
        elif blob.compressed:
            layer_blob.as_is(source, forward)
        elif how.format == "gzip":
            layer_blob.send_gzip(source, how.level, forward, gzip_pool, blob.blocks)
        else:
            layer_blob.compress(source, how, forward)

    return produce


def _layer_job(client: RegistryClient, label: str, blob: layer_blob.Blob, source: layer_source.Source,
               how: Compression, options: BlobOptions, origins: dict[str, RegistryClient], gzip_pool: Executor) -> Job:
    """The job of one layer; a pulled base layer's blob comes from its origin
    (one client per origin repository, in ``origins``)."""
    if blob.origin is None:
        return Job(label, blob.digest, blob.size, _layer_producer(source, blob, how, gzip_pool))
    repository = blob.origin.repository
    origin = origins.setdefault(repository, base_origin.of(client, repository, options.env))
    produce = base_origin.copier(origin, blob, what=f"{label} (blob {blob.digest})", target=client.repo)
    sources = base_origin.mount_sources(client, origin)
    client.pull_also(sources)
    return Job(label, blob.digest, blob.size, produce, sources)


def _bytes_producer(data: bytes) -> Produce:
    def produce(forward: Forward) -> None:
        forward(data)

    return produce


def put_manifest(client: RegistryClient, reference: str, content: Content) -> None:
    what = f"manifest {reference}"
    response = client.send("PUT", f"/v2/{client.repo.path}/manifests/{reference}", what,
                           data=content.data, headers={"Content-Type": content.media_type})
    if status(response) not in (200, 201):
        raise client.fail(response, what)
    response.close()


def push_image(client: RegistryClient, push: PushPlan, reference: str, *, stats: Stats, progress: Progress,
               options: BlobOptions = BlobOptions()) -> None:
    """Push the blobs of ``push`` that the registry lacks, then its manifest as ``reference``."""
    with open(push.plan, encoding="utf-8") as handle:
        sources = layer_source.of_image(layer_source.image_to_push(image_plan.parse(json.load(handle))))
    if len(sources) != len(push.layers):
        raise UserError(f"the push plan {push.directory} has {len(push.layers)} layers, its image plan {len(sources)}")
    count = len(push.layers)
    origins: dict[str, RegistryClient] = {}
    with pgzip.compression_pool() as gzip_pool:
        jobs = [_layer_job(client, f"layer {number}/{count}", blob, source, push.compression, options, origins, gzip_pool)
                for number, (blob, source) in enumerate(zip(push.layers, sources, strict=True), start=1)]
        config = push.config
        jobs.append(Job("config", config.digest, len(config.data), _bytes_producer(config.data)))
        held = has_manifest(client, push.manifest.digest)  # authenticates once, before the parallel requests
        if held and not options.check_blobs:
            _held(jobs, stats=stats, progress=progress)
        else:
            push_blobs(client, jobs, stats=stats, progress=progress, options=options)
    put_manifest(client, reference, push.manifest)
