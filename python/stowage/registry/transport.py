"""HTTP for the registry client: TLS verified by default, a timeout on every
socket operation and a deadline on every request (``deadline``), redirects that
drop credentials when they leave the registry's scheme and host and never go
from HTTPS to plain HTTP, proxies from the usual ``*_proxy`` variables, and
bounded retries with exponential backoff on transient failures (connection
errors, 429, 5xx). Only http and https URLs are opened.
"""

from __future__ import annotations

import email.utils
import http.client
import re
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Mapping, Optional, TypeVar, Union

from stowage.errors import UserError
from stowage.registry.deadline import Deadline, Limits
from stowage.registry.untrusted import shown

#: Seconds one connect or read may block (or less, when the request's deadline is shorter).
TIMEOUT = 60.0
#: Attempts per request (first try included); waits 0.5, 1, 2 s in between.
ATTEMPTS = 4
BACKOFF = 0.5
#: A server's Retry-After is honoured up to this many seconds.
MAX_WAIT = 30.0
TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504})

T = TypeVar("T")
Raw = Union[http.client.HTTPResponse, urllib.error.HTTPError]


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


class Response:
    """An answer whose reads end at its request's deadline; closing it ends the deadline.
    Read failures are transient errors, an expired deadline a user error."""

    def __init__(self, raw: Raw, deadline: Deadline) -> None:
        self._raw = raw
        self.deadline = deadline
        self.status = raw.code if isinstance(raw, urllib.error.HTTPError) else raw.status
        self.reason = shown(raw.reason, 80)
        self.headers = raw.headers

    def read(self, size: int) -> bytes:
        try:
            data: bytes = self._raw.read(size)
        except (OSError, http.client.HTTPException, ValueError) as error:
            if self.deadline.expired:
                raise self.deadline.error() from None
            raise TransientError(describe_os_error(error)) from None
        if self.deadline.expired:
            raise self.deadline.error()
        return data

    def close(self) -> None:
        self.deadline.cancel()
        self._raw.close()

    def __enter__(self) -> "Response":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def watched(connection: http.client.HTTPConnection, deadline: Deadline) -> None:
    """Connect ``connection`` and put its socket under ``deadline``."""
    connection.connect()
    assert connection.sock is not None
    deadline.watch(connection.sock)


def _deadline_of(request: urllib.request.Request) -> Optional[Deadline]:
    found = getattr(request, "stowage_deadline", None)
    return found if isinstance(found, Deadline) else None


def _factory(kind: type[http.client.HTTPConnection], request: urllib.request.Request) -> Callable[..., http.client.HTTPConnection]:
    """Makes the handler's connections, each watched by the request's deadline."""
    deadline = _deadline_of(request)

    class Watched(kind):  # type: ignore[valid-type, misc]
        def connect(self) -> None:
            super().connect()
            if deadline is not None:
                deadline.watch(self.sock)

    return Watched


class _HTTP(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_factory(http.client.HTTPConnection, req), req)


class _HTTPS(urllib.request.HTTPSHandler):
    def __init__(self, context: ssl.SSLContext) -> None:
        super().__init__(context=context)
        self._tls = context

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_factory(http.client.HTTPSConnection, req), req, context=self._tls)


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects (blob storage often answers with one) to http and https
    URLs only, never from HTTPS to plain HTTP unless TLS is not verified anyway,
    and sends the Authorization header only to the same scheme and host."""

    def __init__(self, plain_allowed: bool) -> None:
        self._plain_allowed = plain_allowed

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str,
                         headers: Any, newurl: str) -> Optional[urllib.request.Request]:
        old, target = urllib.parse.urlsplit(req.full_url), urllib.parse.urlsplit(newurl)
        if target.scheme not in ("http", "https"):
            raise UserError(f"the registry redirected to {shown(newurl, 200)}, which is not an http or https URL")
        if old.scheme == "https" and target.scheme == "http" and not self._plain_allowed:
            raise UserError(f"the registry redirected from HTTPS to plain HTTP ({shown(newurl, 200)}); refused")
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None:
            if (target.scheme, target.netloc) != (old.scheme, old.netloc):
                new.remove_header("Authorization")
            setattr(new, "stowage_deadline", _deadline_of(req))
        return new


@dataclass
class Transport:
    """Opens requests; ``sleep`` is replaceable for tests."""

    context: ssl.SSLContext
    sleep: Callable[[float], None] = time.sleep
    limits: Limits = field(default_factory=Limits)

    def __post_init__(self) -> None:
        # Built by hand: build_opener would add file:, ftp: and data: handlers.
        self._opener = urllib.request.OpenerDirector()
        for handler in (urllib.request.ProxyHandler(), urllib.request.UnknownHandler(), _HTTP(),
                        _HTTPS(self.context), urllib.request.HTTPDefaultErrorHandler(),
                        _Redirects(self.context.verify_mode == ssl.CERT_NONE), urllib.request.HTTPErrorProcessor()):
            self._opener.add_handler(handler)

    def open(self, request: urllib.request.Request, seconds: Optional[float] = None) -> Response:
        """One attempt, within ``seconds`` (default: the request limit): the
        response, whatever its status; a transient status or a connection failure
        raises TransientError, the deadline's expiry a UserError."""
        url = urllib.parse.urlsplit(request.full_url)
        deadline = Deadline(seconds or self.limits.request, f"{request.get_method()} {shown(url.netloc + url.path, 200)}")
        setattr(request, "stowage_deadline", deadline)
        try:
            raw: Raw = self._opener.open(request, timeout=min(TIMEOUT, deadline.seconds))
        except urllib.error.HTTPError as error:
            raw = error
        except (OSError, http.client.HTTPException, ValueError) as error:
            deadline.cancel()
            if deadline.expired:
                raise deadline.error() from None
            raise TransientError(describe_os_error(error)) from None
        except BaseException:
            deadline.cancel()
            raise
        response = Response(raw, deadline)
        if response.status in TRANSIENT_STATUSES:
            wait = retry_after(response.headers.get("Retry-After"))
            response.close()
            raise TransientError(f"HTTP {response.status} {response.reason}", wait)
        return response

    def retrying(self, what: str, attempt: Callable[[], T]) -> T:
        """Return ``attempt()``, tried up to ATTEMPTS times while it fails transiently."""
        for number in range(1, ATTEMPTS + 1):
            try:
                return attempt()
            except TransientError as error:
                if number == ATTEMPTS:
                    raise UserError(f"{what}: {error} (after {ATTEMPTS} attempts)") from None
                self.sleep(error.wait if error.wait is not None else min(BACKOFF * 2 ** (number - 1), MAX_WAIT))
        raise AssertionError("unreachable")


def status(response: Response) -> int:
    """The HTTP status of a response."""
    return response.status


def describe_os_error(error: BaseException) -> str:
    """A one-line description of a connection failure (what the server sent, escaped)."""
    reason = getattr(error, "reason", None) or error
    if isinstance(reason, ssl.SSLCertVerificationError):
        return f"TLS certificate not trusted ({reason.verify_message}); set SSL_CERT_FILE to the registry's CA, or tlsVerify = false for a loopback test registry"
    if isinstance(reason, http.client.IncompleteRead):
        return f"the connection closed early ({len(reason.partial)} bytes read, {reason.expected} more expected)"
    text = getattr(reason, "strerror", None) or str(reason) or type(reason).__name__
    if isinstance(error, http.client.HTTPException) and not isinstance(error, http.client.IncompleteRead):
        text = f"the registry's answer is not valid HTTP ({type(error).__name__}: {text})"
    return f"cannot connect: {shown(text)}" if isinstance(reason, ConnectionRefusedError) else shown(text)


def retry_after(value: Optional[str], now: Optional[datetime] = None) -> Optional[float]:
    """Seconds a ``Retry-After`` header asks to wait (delay-seconds or an
    HTTP-date, RFC 9110 10.2.3), at most MAX_WAIT; None when it is absent,
    unparseable or negative."""
    text = (value or "").strip()
    if re.fullmatch(r"[0-9]+(\.[0-9]+)?", text):
        return min(float(text), MAX_WAIT)
    try:
        date = email.utils.parsedate_to_datetime(text)
    except (ValueError, TypeError, IndexError, OverflowError):
        return None
    if date.tzinfo is None:
        date = date.replace(tzinfo=timezone.utc)
    try:
        seconds = (date - (now or datetime.now(timezone.utc))).total_seconds()
    except OverflowError:
        return None
    return min(max(seconds, 0.0), MAX_WAIT)
