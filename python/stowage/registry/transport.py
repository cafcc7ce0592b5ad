"""HTTP for the registry client: TLS verified by default, a timeout on every
socket operation, redirects that drop credentials when they leave the registry's
host, proxies from the usual ``*_proxy`` variables, and bounded retries with
exponential backoff on transient failures (connection errors, 429, 5xx).
"""

from __future__ import annotations

import http.client
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Callable, Mapping, Optional, TypeVar, Union

from ..errors import UserError

#: Seconds a connect or a read may block; a stalled transfer fails instead of hanging.
TIMEOUT = 60.0
#: Attempts per request (first try included); waits 0.5, 1, 2 s in between.
ATTEMPTS = 4
BACKOFF = 0.5
#: A server's Retry-After is honoured up to this many seconds.
MAX_WAIT = 30.0
TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504})

T = TypeVar("T")
Response = Union[http.client.HTTPResponse, urllib.error.HTTPError]


class TransientError(Exception):
    """A failure worth another attempt; ``wait`` is the server's Retry-After."""

    def __init__(self, message: str, wait: Optional[float] = None) -> None:
        super().__init__(message)
        self.wait = wait


def ssl_context(verify: bool, env: Mapping[str, str]) -> ssl.SSLContext:
    """Return the TLS context: the CA bundle named by ``SSL_CERT_FILE`` (or
    ``NIX_SSL_CERT_FILE``) when set, else the system's; no checks when not ``verify``."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    cafile = env.get("SSL_CERT_FILE") or env.get("NIX_SSL_CERT_FILE")
    try:
        if cafile:
            context.load_verify_locations(cafile=cafile)
        else:  # explicit defaults: an empty SSL_CERT_FILE (as Nix may pass) must not blank them
            paths = ssl.get_default_verify_paths()
            context.load_verify_locations(cafile=paths.openssl_cafile, capath=paths.openssl_capath)
    except (OSError, ssl.SSLError) as error:
        raise UserError(f"cannot load the CA certificates {cafile or 'of the system'}: {error}") from None
    return context


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects (blob storage often answers with one), but never sends
    the registry's Authorization header to another host."""

    def redirect_request(self, req: urllib.request.Request, fp: object, code: int, msg: str,
                         headers: object, newurl: str) -> Optional[urllib.request.Request]:
        new = super().redirect_request(req, fp, code, msg, headers, newurl)  # type: ignore[arg-type]
        if new is not None and urllib.parse.urlsplit(newurl).netloc != urllib.parse.urlsplit(req.full_url).netloc:
            new.remove_header("Authorization")
        return new


@dataclass
class Transport:
    """Opens requests; ``sleep`` is replaceable for tests."""

    context: ssl.SSLContext
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        self._opener = urllib.request.build_opener(
            urllib.request.ProxyHandler(),
            urllib.request.HTTPSHandler(context=self.context),
            _Redirects(),
        )

    def open(self, request: urllib.request.Request) -> Response:
        """One attempt: the response, whatever its status; a transient status or a
        connection failure raises TransientError."""
        try:
            response: Response = self._opener.open(request, timeout=TIMEOUT)
        except urllib.error.HTTPError as error:
            response = error
        except (OSError, http.client.HTTPException) as error:
            raise TransientError(describe_os_error(error)) from None
        if status(response) in TRANSIENT_STATUSES:
            wait = _retry_after(response.headers.get("Retry-After"))
            response.close()
            raise TransientError(f"HTTP {status(response)} {response.reason}", wait)
        return response

    def retrying(self, what: str, attempt: Callable[[], T]) -> T:
        """Return ``attempt()``, tried up to ATTEMPTS times while it fails transiently."""
        for number in range(1, ATTEMPTS + 1):
            try:
                return attempt()
            except TransientError as error:
                if number == ATTEMPTS:
                    raise UserError(f"{what}: {error} (after {ATTEMPTS} attempts)") from None
                self.sleep(min(error.wait if error.wait is not None else BACKOFF * 2 ** (number - 1), MAX_WAIT))
        raise AssertionError("unreachable")


def status(response: Response) -> int:
    """The HTTP status of a response (an HTTPError's is its ``code``)."""
    if isinstance(response, urllib.error.HTTPError):
        return response.code
    return response.status


def describe_os_error(error: BaseException) -> str:
    """A one-line description of a connection failure."""
    reason = getattr(error, "reason", None) or error
    if isinstance(reason, ssl.SSLCertVerificationError):
        return f"TLS certificate not trusted ({reason.verify_message}); set SSL_CERT_FILE to the registry's CA, or tlsVerify = false for a loopback test registry"
    if isinstance(reason, http.client.IncompleteRead):
        return f"the connection closed early ({len(reason.partial)} bytes read, {reason.expected} more expected)"
    text = getattr(reason, "strerror", None) or str(reason) or type(reason).__name__
    return f"cannot connect: {text}" if isinstance(reason, ConnectionRefusedError) else str(text)


def _retry_after(value: Optional[str]) -> Optional[float]:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
