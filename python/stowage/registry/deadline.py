"""Time limits of registry requests. A socket timeout restarts with every byte,
so a registry that trickles one byte every few seconds would keep a pull busy
forever; each request therefore also has an overall deadline, after which its
connection is shut down.

- ``STOWAGE_REGISTRY_TIMEOUT`` (seconds, default 120): one request, from its
  start to the last byte of its answer (a manifest, a token, an error body);
- ``STOWAGE_REGISTRY_MIN_RATE`` (bytes per second, default 100000): a blob of
  ``size`` bytes gets the timeout plus ``size`` / this rate, downloaded or uploaded.
"""

from __future__ import annotations

import math
import socket
import threading
from dataclasses import dataclass
from typing import Mapping

from stowage.errors import UserError
from stowage.registry.untrusted import quoted

TIMEOUT_VAR = "STOWAGE_REGISTRY_TIMEOUT"
#: A timer's longest wait (a year): a blob that claims 10**15 bytes must not overflow it.
_LONGEST = 365 * 86400.0
MIN_RATE_VAR = "STOWAGE_REGISTRY_MIN_RATE"


@dataclass(frozen=True)
class Limits:
    request: float = 120.0  # seconds
    min_rate: float = 100_000.0  # bytes per second

    def blob(self, size: int) -> float:
        """Seconds allowed for a blob of ``size`` bytes."""
        return self.request + size / self.min_rate


def _positive(env: Mapping[str, str], name: str, default: float, unit: str) -> float:
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number <= 0:
        raise UserError(f"{name} must be a number of {unit} greater than 0; got {quoted(value)}. "
                        f"Unset it for the default {default:g}")
    return number


def limits_from(env: Mapping[str, str]) -> Limits:
    """The limits the environment sets, else the defaults."""
    return Limits(_positive(env, TIMEOUT_VAR, Limits.request, "seconds"),
                  _positive(env, MIN_RATE_VAR, Limits.min_rate, "bytes per second"))


def _shut(sock: socket.socket) -> None:
    try:  # the base method: an SSL socket's own would unwrap it under its reader
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


class Deadline:
    """Shuts down the connections of one request when ``seconds`` have passed;
    a read blocked on them then returns, and ``expired`` says why."""

    def __init__(self, seconds: float, what: str) -> None:
        self.seconds = min(seconds, _LONGEST)
        self.what = what
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(self.seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, sock: socket.socket) -> None:
        """Shut ``sock`` down at the deadline (at once if it has passed)."""
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)

    def cancel(self) -> None:
        """Stop the timer and wait for its thread, so that none is left at exit
        (a daemon thread still ending then makes the interpreter kill it)."""
        self._timer.cancel()
        if self._timer is not threading.current_thread():
            self._timer.join()

    def error(self) -> UserError:
        return UserError(
            f"{self.what}: no complete answer within {self.seconds:g} s; the registry is stalled or too slow. "
            f"Set {TIMEOUT_VAR} (seconds per request, default {Limits.request:g}) or "
            f"{MIN_RATE_VAR} (bytes per second a blob must average, default {Limits.min_rate:g}) to allow more"
        )
