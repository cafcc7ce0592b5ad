"""The registry's endpoints (``/v2/<name>/manifests/<ref>`` and
``/v2/<name>/blobs/<digest>``, and any request a push makes), with
authentication: anonymous first; on a 401, the challenge's scheme: a Bearer
token from its realm (sent the credentials, if any, as basic auth), or basic
auth itself. A new challenge (a push asks for a wider scope than a pull) is
answered once more.
"""

from __future__ import annotations

import base64
import json
import urllib.parse
import urllib.request
from typing import Mapping, Optional

from ..errors import UserError
from . import challenge, credentials
from .names import Repository
from .transport import Response, TransientError, Transport, ssl_context, status

#: Manifests are at most 4 MiB (the OCI distribution spec's recommended limit).
MAX_MANIFEST = 4 << 20
_MAX_ERROR_BODY = 64 << 10


def error_detail(response: Response) -> str:
    """``CODE: message`` from a registry's JSON error body, when it has one."""
    try:
        document = json.loads(response.read(_MAX_ERROR_BODY))
        errors = document["errors"]
        return "; ".join(f"{e.get('code', '?')}: {e.get('message', '')}".rstrip(": ") for e in errors)
    except (ValueError, KeyError, TypeError, AttributeError, OSError):
        return ""


class RegistryClient:
    """Pull access to one repository."""

    def __init__(self, repo: Repository, *, tls_verify: bool, env: Mapping[str, str],
                 transport: Optional[Transport] = None, actions: str = "pull") -> None:
        self.repo = repo
        self.actions = actions  # the token scope's actions: "pull", or "pull,push"
        self.tls_verify = tls_verify
        self.transport = transport or Transport(ssl_context(tls_verify, env))
        self.credentials = credentials.lookup(repo, env)
        self._authorization: Optional[str] = None
        self._answered: Optional[str] = None  # the challenge _authorization answers
        self._base: Optional[str] = None

    # -- requests -------------------------------------------------------------
    def _base_url(self) -> str:
        """https://host, or, when TLS is not verified and the registry does not speak it, http://host."""
        if self._base is None:
            self._base = f"https://{self.repo.api_host}"
            if not self.tls_verify:
                try:
                    self.transport.open(urllib.request.Request(self._base + "/v2/", method="GET")).close()
                except TransientError:
                    self._base = f"http://{self.repo.api_host}"
        return self._base

    @property
    def authorization(self) -> Optional[str]:
        """The Authorization header value in use, if any (for a streamed upload)."""
        return self._authorization

    def url(self, path: str) -> str:
        """The absolute URL of ``path``, or ``path`` itself when it is one (a Location)."""
        return path if "://" in path else self._base_url() + path

    def _open(self, path: str, accept: str = "*/*", method: str = "GET",
              data: Optional[bytes] = None, headers: Optional[Mapping[str, str]] = None) -> Response:
        """One attempt at ``method path``, authenticating again when challenged anew."""
        url = self.url(path)
        for _ in range(3):
            request = urllib.request.Request(url, data=data, method=method, headers={"Accept": accept, **(headers or {})})
            if self._authorization:
                request.add_header("Authorization", self._authorization)
            response = self.transport.open(request)
            header = response.headers.get("WWW-Authenticate", "")
            if status(response) != 401 or header == self._answered:
                return response
            response.close()
            self._authorization = self._authorize(header)
            self._answered = header
        return response

    def send(self, method: str, path: str, what: str, *, data: Optional[bytes] = None,
             headers: Optional[Mapping[str, str]] = None) -> Response:
        """The response to ``method path``, whatever its status, retried on transient errors."""
        return self.transport.retrying(what, lambda: self._open(path, "*/*", method, data, headers))

    def fail(self, response: Response, what: str) -> UserError:
        """The error for an unexpected response (closed here)."""
        detail = error_detail(response)
        response.close()
        return UserError(f"{what}: {self._explain(status(response), detail)}")

    def get(self, path: str, what: str, accept: str = "*/*") -> Response:
        """The successful (2xx) response to GET ``path``, retried on transient errors."""
        response = self.transport.retrying(what, lambda: self._open(path, accept))
        if status(response) >= 300:
            detail = error_detail(response)
            response.close()
            raise UserError(f"{what}: {self._explain(status(response), detail)}")
        return response

    def _explain(self, status: int, detail: str) -> str:
        code = f"HTTP {status}, {detail}" if detail else f"HTTP {status}"
        if status == 401 and self.credentials is not None:
            return (f"the registry refused the credentials of user {self.credentials.username!r} "
                    f"from {self.credentials.source} ({code})")
        if status == 401:
            return (f"the registry requires credentials ({code}); set {credentials.USERNAME_VAR} and "
                    f"{credentials.PASSWORD_VAR}, or log in with docker login / podman login")
        if status == 404:
            return f"not found ({code})"
        return code

    # -- authentication -------------------------------------------------------
    def _basic(self) -> str:
        assert self.credentials is not None
        pair = f"{self.credentials.username}:{self.credentials.password}".encode()
        return "Basic " + base64.b64encode(pair).decode()

    def _authorize(self, header: str) -> str:
        """The Authorization header value that answers the challenge ``header``."""
        found = challenge.parse(header)
        if found.scheme == "basic":
            if self.credentials is None:
                raise UserError(self._explain(401, ""))
            return self._basic()
        if found.scheme == "bearer" and "realm" in found.params:
            return "Bearer " + self._token(found.params)
        raise UserError(f"the registry asks for an unsupported authentication: {header!r}")

    def _token(self, params: dict[str, str]) -> str:
        query = {"service": params.get("service", ""), "scope": params.get("scope") or f"repository:{self.repo.path}:{self.actions}"}
        url = params["realm"] + "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v})
        headers = {"Authorization": self._basic()} if self.credentials is not None else {}
        what = f"token from {params['realm']}"
        response = self.transport.retrying(what, lambda: self.transport.open(urllib.request.Request(url, headers=headers)))
        with response:
            if status(response) != 200:
                raise UserError(f"{what}: {self._explain(status(response), error_detail(response))}")
            try:
                document = json.loads(response.read(MAX_MANIFEST))
                token = document.get("token") or document.get("access_token")
            except (ValueError, AttributeError):
                token = None
        if not isinstance(token, str) or not token:
            raise UserError(f"{what}: the answer holds no token")
        return token

    # -- endpoints ------------------------------------------------------------
    def manifest(self, reference: str, accept: str) -> tuple[bytes, str]:
        """The manifest's bytes and Content-Type for a tag or digest."""
        what = f"manifest {reference}"

        def attempt() -> tuple[bytes, str]:
            response = self.get(f"/v2/{self.repo.path}/manifests/{reference}", what, accept)
            with response:
                try:
                    data = response.read(MAX_MANIFEST + 1)
                except OSError as error:
                    raise TransientError(str(error)) from None
            if len(data) > MAX_MANIFEST:
                raise UserError(f"{what} is larger than {MAX_MANIFEST} bytes")
            return data, response.headers.get("Content-Type", "").split(";")[0].strip()

        return self.transport.retrying(what, attempt)

    def blob(self, digest: str) -> Response:
        """The open response of a blob; the caller reads, verifies and closes it."""
        return self.get(f"/v2/{self.repo.path}/blobs/{digest}", f"blob {digest}")
