"""Loading an image plan into Docker or podman, sending only the layers the
engine lacks.

Docker (``docker load`` of a docker-archive, with its own layer store) skips
every layer whose chain it holds without opening its member, so those members
are left out. podman 4.3 and Docker with containerd's image store refuse such
an archive ("Some layer tarfiles are missing"; "failed to resolve layers"), but
load an ``oci-archive`` whose blobs they hold are missing (see
``formats.oci_load_archive``): both look a blob up by digest before reading it. Whenever the engine's holdings
cannot be known, or it refuses the shortened archive, the whole image is sent,
after a one-line note saying why. Nothing is written to disk on our side.
"""

from __future__ import annotations

import subprocess
import threading
from dataclasses import dataclass
from typing import Callable, Optional

from stowage.contract.plan import ImagePlan
from stowage.engine import inventory
from stowage.engine.chains import chain_ids, held_chains
from stowage.engine.digests import learn
from stowage.errors import UserError
from stowage.formats import oci_load_archive
from stowage.formats.docker_archive import write_image
from stowage.output.sink import HashingSink, fd_output

Progress = Callable[[str], None]
Writer = Callable[[HashingSink], None]


@dataclass(frozen=True)
class Request:
    plan: ImagePlan
    engine: str  # "docker" or "podman"
    program: str  # the engine's command
    repo_tag: Optional[str]
    incremental: bool = True


@dataclass(frozen=True)
class Outcome:
    status: int
    stdout: bytes
    stderr: bytes  # empty when the engine's stderr was ours


def _spawn(program: str, capture: bool) -> subprocess.Popen[bytes]:
    try:
        return subprocess.Popen([program, "load"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE if capture else None)
    except OSError as error:
        raise UserError(f"cannot run {program} load: {error.strerror}; install it or put it on PATH") from None


def _drain(stream: Optional[object], into: list[bytes]) -> threading.Thread:
    thread = threading.Thread(target=lambda: into.append(stream.read() if stream else b""))  # type: ignore[attr-defined]
    thread.start()
    return thread


def run_load(program: str, write: Writer, *, capture: bool) -> Outcome:
    """Run ``program load`` fed by ``write``; its output is read alongside, so
    that the engine never blocks on it."""
    process = _spawn(program, capture)
    assert process.stdin is not None and process.stdout is not None
    said: list[bytes] = []
    errors: list[bytes] = []
    readers = [_drain(process.stdout, said), _drain(process.stderr, errors)]
    fd = process.stdin.fileno()
    try:
        with HashingSink(fd_output(fd), direct_fd=fd) as sink:
            write(sink)
    except BrokenPipeError:
        pass  # the engine stopped reading: its status says why
    finally:
        process.stdin.close()
        for reader in readers:
            reader.join()
        process.stdout.close()
        if process.stderr is not None:
            process.stderr.close()
    return Outcome(process.wait(), b"".join(said), b"".join(errors))


def _whole(request: Request, plan: ImagePlan, progress: Progress) -> Outcome:
    tag = request.repo_tag
    return run_load(request.program, lambda sink: write_image(plan, sink, repo_tag=tag, progress=progress),
                    capture=False)


def _docker_partial(request: Request, holdings: inventory.Holdings, progress: Progress) -> tuple[ImagePlan, Optional[Writer]]:
    """The plan with the digests learnt, and the writer of the shortened
    docker-archive (None when the engine holds no chain of this image)."""
    held = held_chains(holdings.images)
    plan, ids = learn(request.plan, lambda ids: bool(ids) and chain_ids(ids)[-1] not in held, progress)
    present = sum(1 for chain in chain_ids(ids) if chain in held)
    if present == 0:
        return plan, None
    tag = request.repo_tag
    return plan, lambda sink: write_image(plan, sink, repo_tag=tag, progress=progress, present=present)


def _oci_partial(request: Request, holdings: inventory.Holdings, progress: Progress) -> tuple[ImagePlan, Optional[Writer]]:
    """As ``_docker_partial``, for podman and containerd's store: an oci-archive
    without the layers the engine holds (by diff_id: these stores find a layer by
    its digest, whatever lies below it)."""
    held = holdings.diff_ids()
    if not held:
        return request.plan, None
    plan, ids = learn(request.plan, lambda ids: False, progress)
    layers = (len(plan.base.layers) if plan.base is not None else 0) + len(plan.store_layers) + 1
    if len(ids) < layers or held.isdisjoint(ids):  # short: layers of mtime "now" cannot be known ahead
        return plan, None
    tag = request.repo_tag
    return plan, lambda sink: oci_load_archive.write_archive(plan, ids, held, sink, repo_tag=tag, progress=progress)


def _last_line(data: bytes) -> str:
    lines = data.decode(errors="replace").strip().splitlines()
    return lines[-1] if lines else "no message"


def load(request: Request, progress: Progress, note: Progress) -> Outcome:
    """Load the image, incrementally when the engine allows it."""
    if not request.incremental:
        return _whole(request, request.plan, progress)
    try:
        holdings = inventory.holdings(request.program, request.engine)
    except inventory.Unknown as why:
        note(f"sending every layer: cannot tell which layers {request.engine} holds: {why}")
        return _whole(request, request.plan, progress)
    layer_store = request.engine == "docker" and not holdings.containerd_store
    partial = _docker_partial if layer_store else _oci_partial
    plan, writer = partial(request, holdings, progress)
    if writer is None:
        return _whole(request, plan, progress)
    outcome = run_load(request.program, writer, capture=True)
    if outcome.status == 0:
        return outcome
    note(f"sending every layer: {request.engine} load refused the image without the layers it holds: "
         f"{_last_line(outcome.stderr)}")
    return _whole(request, plan, progress)
