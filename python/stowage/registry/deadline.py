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

import heapq
import itertools
import math
import socket
import threading
import time
from dataclasses import dataclass
from typing import Mapping, Optional

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


class _Watchdog:
    """The one thread that ends deadlines: it sleeps until the earliest one
    and shuts its connections down. (A timer thread per request cost more than
    a request to a loopback registry; a push makes several hundred.)"""

    def __init__(self) -> None:
        self._wake = threading.Condition()
        self._due: list[tuple[float, int, "Deadline"]] = []
        self._order = itertools.count()
        self._thread: Optional[threading.Thread] = None

    def add(self, deadline: "Deadline") -> None:
        with self._wake:
            if len(self._due) >= _PRUNE:  # cancelled ones leave only from the top: drop them here
                self._due = [entry for entry in self._due if not entry[2].cancelled]
                heapq.heapify(self._due)
            heapq.heappush(self._due, (deadline.at, next(self._order), deadline))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="registry-deadlines", daemon=True)
                self._thread.start()
            if self._due[0][2] is deadline:  # the thread sleeps until a later one
                self._wake.notify()

    def _next_due(self) -> "Deadline":
        """Wait for the earliest deadline that is not cancelled to pass; return it."""
        with self._wake:
            while True:
                while self._due and self._due[0][2].cancelled:
                    heapq.heappop(self._due)
                if not self._due:
                    self._wake.wait()
                    continue
                left = self._due[0][0] - time.monotonic()
                if left <= 0:
                    return heapq.heappop(self._due)[2]
                self._wake.wait(left)

    def _run(self) -> None:
        while True:
            due = self._next_due()
            try:
                due.expire()
            except Exception:  # noqa: BLE001 (one deadline's failure must not stop the others)
                continue


#: Waiting deadlines (cancelled ones included) above which cancelled ones are dropped.
_PRUNE = 256
_WATCHDOG = _Watchdog()


class Deadline:
    """Shuts down the connections of one request when ``seconds`` have passed;
    a read blocked on them then returns, and ``expired`` says why."""

    def __init__(self, seconds: float, what: str) -> None:
        self.seconds = min(seconds, _LONGEST)
        self.what = what
        self.expired = False
        self.cancelled = False
        self.at = time.monotonic() + self.seconds
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        _WATCHDOG.add(self)

    def watch(self, sock: socket.socket) -> None:
        """Shut ``sock`` down at the deadline (at once if it has passed)."""
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def expire(self) -> None:
        """The deadline has passed: shut its connections down (unless it was cancelled)."""
        with self._lock:
            if self.cancelled:
                return
            self.expired = True
            for sock in self._sockets:
                _shut(sock)

    def cancel(self) -> None:
        """The request is over: its connections are left alone from now on."""
        with self._lock:
            self.cancelled = True
            self._sockets.clear()

    def error(self) -> UserError:
        return UserError(
            f"{self.what}: no complete answer within {self.seconds:g} s; the registry is stalled or too slow. "
            f"Set {TIMEOUT_VAR} (seconds per request, default {Limits.request:g}) or "
            f"{MIN_RATE_VAR} (bytes per second a blob must average, default {Limits.min_rate:g}) to allow more"
        )
