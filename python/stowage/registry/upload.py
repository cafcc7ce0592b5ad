"""Uploading one blob (OCI distribution spec, "pushing a blob monolithically"):
``POST /v2/<name>/blobs/uploads/`` opens a session, then a single
``PUT <location>?digest=<digest>`` carries the whole blob with the
``Content-Length`` its record gives. The body is written as it is made (the
caller compresses a layer straight into the connection: no temporary file),
counted and hashed on the way; a blob that comes out other than recorded is an
error, and is never completed on the registry.

The PUT goes over ``http.client`` directly (urllib needs the body up front), to
the registry or the host the Location names, without a proxy, within the blob's
deadline. A Location on another scheme or host gets no Authorization header; one
that would go from HTTPS to plain HTTP is refused unless TLS is not verified.
"""

from __future__ import annotations

import hashlib
import http.client
import urllib.parse
from typing import Callable, Protocol

from stowage.digest import of_hash
from stowage.errors import UserError
from stowage.layers.blob import Data, Forward
from stowage.registry.client import RegistryClient, error_detail
from stowage.registry.deadline import Deadline
from stowage.registry.transport import TRANSIENT_STATUSES, TIMEOUT, Response, TransientError, describe_os_error, status, watched
from stowage.registry.untrusted import shown

Produce = Callable[[Forward], None]


class Sender(Protocol):
    """Where a body's bytes go: a connection, or a chunked upload's chunks."""

    def send(self, data: Data) -> object: ...


class _Body:
    """The PUT's body: sent, counted and hashed; never more than ``size`` bytes."""

    def __init__(self, connection: Sender, digest: str, size: int, what: str) -> None:
        self._connection = connection
        self._digest = digest
        self._size = size
        self._what = what
        self._hash = hashlib.sha256()
        self.sent = 0

    def write(self, data: Data) -> None:
        self.sent += len(data)
        if self.sent > self._size:
            raise UserError(f"{self._what} came out longer than its recorded {self._size} bytes: rebuild the image")
        self._hash.update(data)
        self._connection.send(data)

    def finish(self) -> None:
        got = of_hash(self._hash)
        if self.sent != self._size or got != self._digest:
            raise UserError(
                f"{self._what} came out as {got} ({self.sent} bytes), but its record says "
                f"{self._digest} ({self._size} bytes): the store or the compressor changed; rebuild the image"
            )


def _target(client: RegistryClient, location: str, what: str) -> urllib.parse.SplitResult:
    """The upload URL of a session's Location, checked."""
    url = urllib.parse.urlsplit(client.url(location))
    base = urllib.parse.urlsplit(client.url("/"))
    try:
        url.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError:
        url = url._replace(scheme="")
    if url.scheme not in ("http", "https") or not url.netloc:
        raise UserError(f"{what}: the registry's upload location {shown(location, 200)} is not an http or https URL")
    if base.scheme == "https" and url.scheme == "http" and client.tls_verify:
        raise UserError(f"{what}: the registry's upload location {shown(location, 200)} is plain HTTP; refused")
    return url


def _connection(url: urllib.parse.SplitResult, client: RegistryClient, seconds: float) -> http.client.HTTPConnection:
    timeout = min(TIMEOUT, seconds)
    if url.scheme == "https":
        return http.client.HTTPSConnection(url.netloc, timeout=timeout, context=client.transport.context)
    return http.client.HTTPConnection(url.netloc, timeout=timeout)


def _session(client: RegistryClient, what: str) -> str:
    """Open an upload session; return its Location."""
    response = client.send("POST", f"/v2/{client.repo.path}/blobs/uploads/", what, data=b"",
                           headers={"Content-Length": "0"})
    if status(response) != 202 or not response.headers.get("Location"):
        raise client.fail(response, what)
    response.close()
    return str(response.headers["Location"])


def complete(client: RegistryClient, url: urllib.parse.SplitResult, digest: str, *, size: int,
             body: Callable[[http.client.HTTPConnection], None], deadline: Deadline, what: str) -> None:
    """The PUT that closes the upload session at ``url`` (from ``_target``) with the
    blob's digest; ``body`` sends its ``size`` bytes (none: the chunks went before)."""
    query = "&".join(q for q in (url.query, "digest=" + urllib.parse.quote(digest)) if q)
    connection = _connection(url, client, deadline.seconds)
    try:
        watched(connection, deadline)
        _send(connection, client, url, query=query, size=size, body=lambda: body(connection))
        _answer(Response(connection.getresponse(), deadline), what)
    finally:
        connection.close()


def _put(client: RegistryClient, location: str, digest: str, size: int, *, produce: Produce, what: str) -> None:
    url = _target(client, location, what)
    deadline = Deadline(client.transport.limits.blob(size), f"{what}: PUT {shown(url.netloc + url.path, 200)}")
    try:
        complete(client, url, digest, size=size, deadline=deadline, what=what,
                 body=lambda connection: _produce(connection, digest, size, produce=produce, what=what))
    except (OSError, http.client.HTTPException, ValueError) as error:
        if deadline.expired:
            raise deadline.error() from None
        raise TransientError(describe_os_error(error)) from None
    finally:
        deadline.cancel()


def _send(connection: http.client.HTTPConnection, client: RegistryClient, url: urllib.parse.SplitResult, *,
          query: str, size: int, body: Callable[[], None]) -> None:
    """The PUT's request line and headers (Authorization only to the registry's scheme and host), then ``body``."""
    connection.putrequest("PUT", f"{url.path}?{query}", skip_accept_encoding=True)
    connection.putheader("Content-Type", "application/octet-stream")
    connection.putheader("Content-Length", str(size))
    base = urllib.parse.urlsplit(client.url("/"))
    if client.authorization and (url.scheme, url.netloc) == (base.scheme, base.netloc):
        connection.putheader("Authorization", client.authorization)
    connection.endheaders()
    body()


def _produce(connection: http.client.HTTPConnection, digest: str, size: int, *, produce: Produce, what: str) -> None:
    body = _Body(connection, digest, size, what)
    produce(body.write)
    body.finish()


def _answer(response: Response, what: str) -> None:
    """Nothing for 201 Created; the registry's error otherwise."""
    with response:
        if response.status in TRANSIENT_STATUSES:
            raise TransientError(f"HTTP {response.status} {response.reason}")
        if response.status != 201:
            detail = error_detail(response)
            raise UserError(f"{what}: HTTP {response.status}{', ' + detail if detail else ''}")


def upload(client: RegistryClient, digest: str, size: int, produce: Produce, *, what: str) -> None:
    """Upload the blob ``produce`` writes (``size`` bytes, ``digest``), retried
    from the start (a new session, the blob made again) on transient failures."""
    client.transport.retrying(what, lambda: _put(client, _session(client, what), digest, size, produce=produce, what=what))
