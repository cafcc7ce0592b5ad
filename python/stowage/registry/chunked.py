"""Uploading one blob in chunks (OCI distribution spec, "pushing a blob in
chunks"): a ``PATCH <location>`` per chunk with its ``Content-Range`` and
``Content-Length``, each answered 202 with the Location of the next, then
``PUT <location>?digest=<digest>`` with no body to complete it.

Why: proxies and registries in front of object stores often cap one request's
body (100 MB is common), which a monolithic PUT of a large layer exceeds. The
blob's size is recorded, so every chunk's length is known before it is sent and
the blob streams through without being held: the caller's compressor writes
into the current PATCH, which ends exactly at its chunk boundary. The blob is
counted and hashed on the way, as a monolithic upload is (``upload._Body``).
"""

from __future__ import annotations

import http.client
import urllib.parse
from typing import Optional

from stowage.errors import UserError
from stowage.layers.blob import Data
from stowage.registry.client import RegistryClient
from stowage.registry.deadline import Deadline
from stowage.registry.transport import Response, TransientError, describe_os_error, watched
from stowage.registry.untrusted import shown
from stowage.registry.upload import Produce, _Body, _connection, _target, complete

#: Blobs larger than this go up in chunks of this size: below the 100 MB body
#: limit common in front of registries, large enough that the extra round trip
#: per chunk costs nothing measurable.
CHUNK = 64 << 20


class _Chunks:
    """The chunked upload in progress: writes go to the current PATCH, a new one
    starts at each chunk boundary."""

    def __init__(self, client: RegistryClient, location: str, size: int, *, chunk: int, deadline: Deadline,
                 what: str) -> None:
        self.client, self.location, self.size, self.chunk = client, location, size, chunk
        self.deadline, self.what = deadline, what
        self.offset = 0  # bytes sent
        self.end = 0  # where the current PATCH ends
        self.connection: Optional[http.client.HTTPConnection] = None

    def _open(self) -> None:
        url = _target(self.client, self.location, self.what)
        self.end = min(self.offset + self.chunk, self.size)
        self.connection = _connection(url, self.client, self.deadline.seconds)
        watched(self.connection, self.deadline)
        self.connection.putrequest("PATCH", f"{url.path}{'?' + url.query if url.query else ''}", skip_accept_encoding=True)
        self.connection.putheader("Content-Type", "application/octet-stream")
        self.connection.putheader("Content-Range", f"{self.offset}-{self.end - 1}")
        self.connection.putheader("Content-Length", str(self.end - self.offset))
        base = urllib.parse.urlsplit(self.client.url("/"))
        if self.client.authorization and (url.scheme, url.netloc) == (base.scheme, base.netloc):
            self.connection.putheader("Authorization", self.client.authorization)
        self.connection.endheaders()

    def _close(self) -> None:
        assert self.connection is not None
        response = Response(self.connection.getresponse(), self.deadline)
        with response:
            if response.status != 202 or not response.headers.get("Location"):
                raise UserError(f"{self.what}: the registry refused a chunk ({shown(str(response.status))}); "
                                "it may not take chunked uploads")
            self.location = str(response.headers["Location"])
        self.connection.close()
        self.connection = None

    def send(self, data: Data) -> None:
        view = memoryview(data)
        while view:
            if self.connection is None:
                self._open()
            assert self.connection is not None
            part = view[: self.end - self.offset]
            self.connection.send(part)
            self.offset += len(part)
            view = view[len(part):]
            if self.offset == self.end:
                self._close()


def put(client: RegistryClient, location: str, digest: str, size: int, *, produce: Produce, what: str,
        chunk: int = CHUNK) -> None:
    """Upload the blob ``produce`` writes in chunks of ``chunk`` bytes into the
    session at ``location``, then complete it (an attempt: the caller retries)."""
    deadline = Deadline(client.transport.limits.blob(size), f"{what}: chunked upload")
    chunks = _Chunks(client, location, size, chunk=chunk, deadline=deadline, what=what)
    try:
        body = _Body(chunks, digest, size, what)
        produce(body.write)
        body.finish()
        complete(client, _target(client, chunks.location, what), digest, size=0,
                 body=lambda connection: None, deadline=deadline, what=what)
    except (OSError, http.client.HTTPException, ValueError) as error:
        if deadline.expired:
            raise deadline.error() from None
        raise TransientError(describe_os_error(error)) from None
    finally:
        if chunks.connection is not None:
            chunks.connection.close()
        deadline.cancel()
