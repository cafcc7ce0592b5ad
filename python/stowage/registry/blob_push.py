"""Getting one blob into a repository that lacks it: mounted from another
repository of the same registry when one is named and has it (``POST
/v2/<name>/blobs/uploads/?mount=<digest>&from=<other>``: 201, nothing sent),
else uploaded into the session that POST opened (202): monolithically, or in
chunks when it is larger than ``chunked.CHUNK``. A transient failure starts
again from a new session, the blob made again.
"""

from __future__ import annotations

import urllib.parse
from typing import Sequence

from stowage.registry import chunked
from stowage.registry.client import RegistryClient
from stowage.registry.transport import status
from stowage.registry.upload import Produce, _put

MOUNTED = "mounted"
SENT = "sent"


def _open(client: RegistryClient, digest: str, what: str, mount_from: Sequence[str]) -> tuple[str, str]:
    """Mount the blob from the first of ``mount_from`` that has it: (MOUNTED, name);
    else open an upload session: (SENT, its Location)."""
    location = ""
    for source in [*mount_from, None][: max(1, len(mount_from))]:
        query = "" if source is None else "?" + urllib.parse.urlencode({"mount": digest, "from": source})
        response = client.send("POST", f"/v2/{client.repo.path}/blobs/uploads/{query}", what, data=b"",
                               headers={"Content-Length": "0"})
        if status(response) == 201 and source is not None:
            response.close()
            return MOUNTED, source
        if status(response) != 202 or not response.headers.get("Location"):
            raise client.fail(response, what)
        response.close()
        location = str(response.headers["Location"])
    return SENT, location


def push_blob(client: RegistryClient, digest: str, size: int, produce: Produce, *, what: str,
              mount_from: Sequence[str] = (), chunk: int = chunked.CHUNK) -> str:
    """Put the blob into the repository; return MOUNTED (with where from, after
    a colon) or SENT."""

    def attempt() -> str:
        how, where = _open(client, digest, what, mount_from)
        if how == MOUNTED:
            return f"{MOUNTED}:{where}"
        if size > chunk:
            chunked.put(client, where, digest, size, produce=produce, what=what, chunk=chunk)
        else:
            _put(client, where, digest, size, produce=produce, what=what)
        return SENT

    return client.transport.retrying(what, attempt)
