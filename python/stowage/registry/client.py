"""The registry's endpoints (``/v2/<name>/manifests/<ref>`` and
``/v2/<name>/blobs/<digest>``, and any request a push makes), with
authentication: anonymous first; on a 401, the challenge's scheme: a Bearer
token from its realm (sent the credentials as basic auth only when ``realm``
allows), or basic auth itself. A new challenge (a push asks for a wider scope
than a pull) is answered once more. Every JSON document read is capped, and the
registry's own text in an error is shown escaped (``untrusted``).
"""

from __future__ import annotations

import base64
import re
import urllib.parse
import urllib.request
from typing import Any, Iterable, Mapping, Optional, Protocol

from stowage.errors import UserError
from stowage.registry import challenge, credentials, realm
from stowage.registry.deadline import limits_from
from stowage.registry.names import Repository
from stowage.registry.transport import Response, TransientError, Transport, ssl_context, status
from stowage.registry.untrusted import parse_json, shown

#: Manifests are at most 4 MiB (the OCI distribution spec's recommended limit).
MAX_MANIFEST = 4 << 20
#: A token answer is a small JSON object.
MAX_TOKEN_ANSWER = 1 << 20
_MAX_ERROR_BODY = 64 << 10
# RFC 6750's b64token, and what registries send besides: visible ASCII only
# (a CR or LF in it would end up in a request header).
_TOKEN = re.compile(r"[\x21-\x7e]+")


class Readable(Protocol):
    def read(self, size: int) -> bytes: ...


def error_detail(response: Readable) -> str:
    """``CODE: message`` from a registry's JSON error body, when it has one, escaped."""
    try:
        errors = parse_json(response.read(_MAX_ERROR_BODY), "the error body")["errors"]
        text = "; ".join(f"{e.get('code', '?')}: {e.get('message', '')}".rstrip(": ") for e in errors)
    except (UserError, TransientError, KeyError, TypeError, AttributeError):
        return ""
    return shown(text)


class RegistryClient:
    """Pull access to one repository."""

    def __init__(self, repo: Repository, *, tls_verify: bool, env: Mapping[str, str],
                 transport: Optional[Transport] = None, actions: str = "pull") -> None:
        self.repo = repo
        self.actions = actions  # the token scope's actions: "pull", or "pull,push"
        self.tls_verify = tls_verify
        self.transport = transport or Transport(ssl_context(tls_verify, env), limits=limits_from(env))
        self.credentials = credentials.lookup(repo, env)
        #: Why the STOWAGE_REGISTRY_* variables are not used here, if they are set.
        self.note = credentials.environment_note(repo, env)
        self._realm_hosts = realm.extra_hosts(env)
        self._withheld: Optional[str] = None  # why a realm was not sent the credentials
        self._authorization: Optional[str] = None
        self._answered: Optional[str] = None  # the challenge _authorization answers
        self._base: Optional[str] = None
        self._also_pull: list[str] = []  # repositories blobs are mounted from (see pull_also)

    def pull_also(self, paths: Iterable[str]) -> None:
        """Ask tokens for pull access to the repositories ``paths`` too: a token
        registry mounts a blob only for a token that may pull its source, and
        otherwise quietly opens an upload instead. A token already held without
        them is dropped, so that the next challenge brings one with them."""
        new = [p for p in dict.fromkeys(paths) if p != self.repo.path and p not in self._also_pull]
        if not new:
            return
        self._also_pull.extend(new)
        if self._authorization is not None and self._authorization.startswith("Bearer "):
            self._authorization = self._answered = None

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

    def _open(self, path: str, accept: str = "*/*", *, method: str = "GET", data: Optional[bytes] = None,
              headers: Optional[Mapping[str, str]] = None, seconds: Optional[float] = None) -> Response:
        """One attempt at ``method path``, authenticating again when challenged anew."""
        url = self.url(path)
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise UserError(f"the registry sent the location {shown(url, 200)}, which is not an http or https URL")
        for _ in range(3):
            request = urllib.request.Request(url, data=data, method=method, headers={"Accept": accept, **(headers or {})})
            if self._authorization:
                request.add_header("Authorization", self._authorization)
            response = self.transport.open(request, seconds)
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
        return self.transport.retrying(what, lambda: self._open(path, method=method, data=data, headers=headers))

    def fail(self, response: Response, what: str) -> UserError:
        """The error for an unexpected response (closed here)."""
        detail = error_detail(response)
        response.close()
        return UserError(f"{what}: {self._explain(status(response), detail)}")

    def get(self, path: str, what: str, accept: str = "*/*", seconds: Optional[float] = None) -> Response:
        """The successful (2xx) response to GET ``path``, retried on transient errors."""
        response = self.transport.retrying(what, lambda: self._open(path, accept, seconds=seconds))
        if status(response) >= 300:
            detail = error_detail(response)
            response.close()
            raise UserError(f"{what}: {self._explain(status(response), detail)}")
        return response

    def _explain(self, status: int, detail: str) -> str:
        code = f"HTTP {status}, {detail}" if detail else f"HTTP {status}"
        if status in (401, 403) and self.credentials is not None and self._withheld is not None:
            return (f"the registry requires credentials ({code}); those of user {self.credentials.username!r} "
                    f"from {self.credentials.source} were not sent to its token realm: {self._withheld}")
        if status == 401 and self.credentials is not None:
            return (f"the registry refused the credentials of user {self.credentials.username!r} "
                    f"from {self.credentials.source} ({code})")
        if status == 401:
            hint = f"; {self.note}" if self.note else (
                f"; set {credentials.HOST_VAR}={self.repo.registry}, {credentials.USERNAME_VAR} and "
                f"{credentials.PASSWORD_VAR}, or log in with docker login / podman login")
            return f"the registry requires credentials ({code}){hint}"
        if status == 404:
            return f"not found ({code})"
        if 300 <= status < 400:
            return f"a redirect that cannot be followed: a loop, more than 10, or no Location ({code})"
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
        raise UserError(f"the registry asks for an unsupported authentication: {shown(header, 120)}")

    def _realm_headers(self, realm_url: str) -> dict[str, str]:
        """The token request's headers: the credentials, when ``realm`` lets them go there."""
        if self.credentials is None:
            return {}
        self._withheld = realm.refusal(self._base_url(), realm_url, self._realm_hosts)
        return {} if self._withheld is not None else {"Authorization": self._basic()}

    def _token(self, params: dict[str, str]) -> str:
        what = f"token from {shown(params['realm'], 200)}"
        if urllib.parse.urlsplit(params["realm"]).scheme not in ("http", "https"):
            raise UserError(f"{what}: the realm is not an http or https URL")
        scopes = [params.get("scope") or f"repository:{self.repo.path}:{self.actions}",
                  *(f"repository:{path}:pull" for path in self._also_pull)]
        query = [("service", params.get("service", "")), *(("scope", scope) for scope in scopes)]
        url = params["realm"] + ("&" if "?" in params["realm"] else "?") + urllib.parse.urlencode([q for q in query if q[1]])
        headers = self._realm_headers(params["realm"])
        response = self.transport.retrying(what, lambda: self.transport.open(urllib.request.Request(url, headers=headers)))
        with response:
            if status(response) != 200:
                raise UserError(f"{what}: {self._explain(status(response), error_detail(response))}")
            data = response.read(MAX_TOKEN_ANSWER + 1)
        if len(data) > MAX_TOKEN_ANSWER:
            raise UserError(f"{what}: the answer is larger than {MAX_TOKEN_ANSWER} bytes")
        return _token_of(parse_json(data, f"{what}: the answer"), what)

    # -- endpoints ------------------------------------------------------------
    def manifest(self, reference: str, accept: str) -> tuple[bytes, str]:
        """The manifest's bytes and Content-Type for a tag or digest."""
        what = f"manifest {reference}"

        def attempt() -> tuple[bytes, str]:
            response = self.get(f"/v2/{self.repo.path}/manifests/{reference}", what, accept)
            with response:
                data = response.read(MAX_MANIFEST + 1)
            if len(data) > MAX_MANIFEST:
                raise UserError(f"{what} is larger than {MAX_MANIFEST} bytes")
            return data, response.headers.get("Content-Type", "").split(";")[0].strip()

        return self.transport.retrying(what, attempt)

    def blob(self, digest: str, size: int) -> Response:
        """The open response of a blob of ``size`` bytes, within the deadline for
        that size; the caller reads, verifies and closes it."""
        seconds = self.transport.limits.blob(size)
        return self.get(f"/v2/{self.repo.path}/blobs/{digest}", f"blob {digest}", seconds=seconds)


def _token_of(document: Any, what: str) -> str:
    """The token of a realm's answer ({"token": …} or {"access_token": …})."""
    token = (document.get("token") or document.get("access_token")) if isinstance(document, dict) else None
    if not isinstance(token, str) or not token:
        raise UserError(f"{what}: the answer holds no token")
    if not _TOKEN.fullmatch(token):
        raise UserError(f"{what}: the token holds characters a token cannot have")
    return token
