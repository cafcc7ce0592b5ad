"""Uploading one blob (OCI distribution spec, "pushing a blob monolithically"):
``POST /v2/<name>/blobs/uploads/`` opens a session, then a single
``PUT <location>?digest=<digest>`` carries the whole blob with the
``Content-Length`` its record gives. The body is written as it is made (the
caller compresses a layer straight into the connection: no temporary file),
counted and hashed on the way; a blob that comes out other than recorded is an
error, and is never completed on the registry.

The PUT goes over ``http.client`` directly (urllib needs the body up front), to
the registry or the host the Location names, without a proxy.
"""

from __future__ import annotations

import hashlib
import http.client
import urllib.parse
from typing import Callable

from ..errors import UserError
from ..layer_blob import Data, Forward
from .client import RegistryClient, error_detail
from .transport import TRANSIENT_STATUSES, TIMEOUT, TransientError, describe_os_error, status

Produce = Callable[[Forward], None]


class _Body:
    """The PUT's body: sent, counted and hashed; never more than ``size`` bytes."""

    def __init__(self, connection: http.client.HTTPConnection, digest: str, size: int, what: str) -> None:
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
        got = "sha256:" + self._hash.hexdigest()
        if self.sent != self._size or got != self._digest:
            raise UserError(
                f"{self._what} came out as {got} ({self.sent} bytes), but its record says "
                f"{self._digest} ({self._size} bytes): the store or the compressor changed; rebuild the image"
            )


def _connection(url: urllib.parse.SplitResult, client: RegistryClient) -> http.client.HTTPConnection:
    if url.scheme == "https":
        return http.client.HTTPSConnection(url.netloc, timeout=TIMEOUT, context=client.transport.context)
    return http.client.HTTPConnection(url.netloc, timeout=TIMEOUT)


def _session(client: RegistryClient, what: str) -> str:
    """Open an upload session; return its Location."""
    response = client.send("POST", f"/v2/{client.repo.path}/blobs/uploads/", what, data=b"",
                           headers={"Content-Length": "0"})
    if status(response) != 202 or not response.headers.get("Location"):
        raise client.fail(response, what)
    response.close()
    return str(response.headers["Location"])


def _put(client: RegistryClient, location: str, digest: str, size: int, produce: Produce, what: str) -> None:
    url = urllib.parse.urlsplit(client.url(location))
    query = "&".join(q for q in (url.query, "digest=" + urllib.parse.quote(digest)) if q)
    connection = _connection(url, client)
    try:
        connection.putrequest("PUT", f"{url.path}?{query}", skip_accept_encoding=True)
        connection.putheader("Content-Type", "application/octet-stream")
        connection.putheader("Content-Length", str(size))
        same_host = url.netloc == urllib.parse.urlsplit(client.url("/")).netloc
        if client.authorization and same_host:
            connection.putheader("Authorization", client.authorization)
        connection.endheaders()
        body = _Body(connection, digest, size, what)
        produce(body.write)
        body.finish()
        response = connection.getresponse()
        if response.status in TRANSIENT_STATUSES:
            raise TransientError(f"HTTP {response.status} {response.reason}")
        if response.status != 201:
            detail = error_detail(response)
            raise UserError(f"{what}: HTTP {response.status}{', ' + detail if detail else ''}")
    except (OSError, http.client.HTTPException) as error:
        raise TransientError(describe_os_error(error)) from None
    finally:
        connection.close()


def upload(client: RegistryClient, digest: str, size: int, produce: Produce, what: str) -> None:
    """Upload the blob ``produce`` writes (``size`` bytes, ``digest``), retried
    from the start (a new session, the blob made again) on transient failures."""
    client.transport.retrying(what, lambda: _put(client, _session(client, what), digest, size, produce, what))
