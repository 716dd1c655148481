"""How long a call may take.

httpx's four limits (connect, read, write, pool) bound each network operation; a server
that drips one byte a minute, or answers with headers and then thinks for ten minutes,
passes every one of them. ``total`` bounds the whole call (retries included) and
``first_token`` bounds the wait for a stream's first content, per attempt.
"""

from __future__ import annotations

import contextlib
import heapq
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import msgspec

from ._lazy import httpx
from .errors import APITimeoutError, StreamTimeoutError

T = TypeVar("T")
PHASES = ("connect", "read", "write", "pool", "total", "first_token")


class Timeout(msgspec.Struct, frozen=True, kw_only=True):
    """Seconds; None waits forever. A bare number given as ``timeout=`` sets the four
    per-operation limits, as in httpx."""

    connect: float | None = 10.0
    read: float | None = 600.0
    write: float | None = 600.0
    pool: float | None = 600.0
    total: float | None = None
    first_token: float | None = None

    def __post_init__(self) -> None:
        for phase in PHASES:
            value = getattr(self, phase)
            if value is not None and value <= 0:
                raise ValueError(f"Timeout.{phase} must be a positive number of seconds or "
                                 f"None, not {value!r}")


DEFAULT = Timeout()


def timeout_from(value: Any, default: Timeout = DEFAULT) -> Timeout:
    """``timeout=`` may be a Timeout, an httpx.Timeout, a number, or None (the default)."""
    if value is None:
        return default
    if isinstance(value, Timeout):
        return value
    if isinstance(value, (int, float)):
        v = float(value)
        return Timeout(connect=v, read=v, write=v, pool=v)
    as_dict = getattr(value, "as_dict", None)  # an httpx.Timeout
    if as_dict is not None:
        return Timeout(**as_dict())
    raise TypeError(f"timeout= takes a fluentai.Timeout, an httpx.Timeout or seconds, "
                    f"not {type(value).__name__}")


class Deadline:
    """One call's clock: when its total budget ends, and when the current attempt's wait
    for the first token ends."""

    __slots__ = ("first_at", "stream", "timeout", "total_at")

    def __init__(self, timeout: Timeout, *, stream: bool) -> None:
        self.timeout = timeout
        self.stream = stream
        self.total_at = None if timeout.total is None else time.monotonic() + timeout.total
        self.first_at: float | None = None

    def attempt(self) -> None:
        """A new attempt starts: its first-token clock starts now."""
        if self.stream and self.timeout.first_token is not None:
            self.first_at = time.monotonic() + self.timeout.first_token

    def got_first(self) -> None:
        self.first_at = None

    def next(self) -> float | None:
        """The earliest pending deadline (monotonic seconds), or None."""
        first, total = self.first_at, self.total_at
        if first is None:
            return total
        return first if total is None or first < total else total

    def left(self) -> float | None:
        """Seconds until the total budget runs out, or None."""
        return None if self.total_at is None else self.total_at - time.monotonic()

    def expired(self) -> str | None:
        """The phase whose deadline has passed, if any (timers may fire a hair early)."""
        now = time.monotonic() + 0.005
        if self.total_at is not None and now >= self.total_at:
            return "total"
        if self.first_at is not None and now >= self.first_at:
            return "first_token"
        return None

    def phase(self, exc: BaseException) -> str | None:
        """The limit behind a failure: a deadline of the call's that has passed, or the
        httpx limit (connect, read, write, pool) that ``exc`` reports."""
        phase = self.expired()
        if phase is None and isinstance(exc, httpx.TimeoutException):
            phase = type(exc).__name__.removesuffix("Timeout").lower()
        return phase

    def extension(self, *, first: bool) -> dict[str, float | None]:
        """httpx's per-request ``timeout`` extension, each limit cut to the time left; with
        ``first`` the first-token deadline counts too. httpcore reads the limits again at
        each phase (HTTP/1.1) or each read (HTTP/2), so the client updates them as the
        call goes on."""
        t = self.timeout
        until = self.next() if first else self.total_at
        limits = {"connect": t.connect, "read": t.read, "write": t.write, "pool": t.pool}
        if until is None:
            return limits
        left = max(until - time.monotonic(), 0.001)
        return {k: left if v is None or v > left else v for k, v in limits.items()}

    def error(self, phase: str, url: str, provider: str, *, partial: Any = None
              ) -> APITimeoutError:
        """The typed error for ``phase``; with output already delivered it also is a
        StreamInterruptedError carrying it."""
        limit = getattr(self.timeout, phase)
        what = {"total": f"the call took longer than its total timeout of {limit}s",
                "first_token": f"no first token within {limit}s"}.get(
            phase, f"{phase} timeout ({limit}s)")
        message = f"{what} talking to {url} (raise Timeout({phase}=...) if the model is slow)"
        if partial is not None:
            err: APITimeoutError = StreamTimeoutError(message, provider=provider, phase=phase)
            err.partial = partial
            return err
        return APITimeoutError(message, provider=provider, phase=phase)


class _Alarms:
    """One daemon thread that runs callbacks at monotonic times (the sync client's
    watchdog: a blocked socket read cannot watch a clock itself)."""

    def __init__(self) -> None:
        self._heap: list[list[Any]] = []
        self._cond = threading.Condition()
        self._seq = 0
        self._thread: threading.Thread | None = None

    def arm(self, when: float, fn: Callable[[], None]) -> list[Any]:
        with self._cond:
            self._seq += 1
            entry = [when, self._seq, fn]
            heapq.heappush(self._heap, entry)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="fluentai-deadlines",
                                                daemon=True)
                self._thread.start()
            self._cond.notify()
        return entry

    @staticmethod
    def cancel(entry: list[Any] | None) -> None:
        if entry is not None:
            entry[2] = None  # dropped when it reaches the top

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap or self._heap[0][2] is None:
                    if self._heap:
                        heapq.heappop(self._heap)
                        continue
                    self._cond.wait()
                wait = self._heap[0][0] - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                fn = heapq.heappop(self._heap)[2]
            if fn is not None:
                with contextlib.suppress(Exception):  # an alarm must not kill the watchdog
                    fn()


alarms = _Alarms()


def interrupter(response: Any) -> Callable[[], None]:
    """What the watchdog does when a sync read outlives its deadline: shut the HTTP/1.1
    socket down, which wakes the blocked read with an error. HTTP/2 multiplexes other
    streams on the socket, so there the deadline is met when the next data arrives."""
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if sock is None or response.http_version != "HTTP/1.1":
        return lambda: None

    import socket  # here: the sync client's watchdog, not every import of fluentai

    def interrupt() -> None:
        with contextlib.suppress(OSError):  # already closed: the read is over anyway
            sock.shutdown(socket.SHUT_RDWR)
    return interrupt


def read_within(response: Any, deadline: Deadline) -> None:
    """Read a whole body (sync), interrupted by the watchdog if the total budget runs out."""
    try:
        if deadline.total_at is None:
            response.read()
            return
        watch = alarms.arm(deadline.total_at, interrupter(response))
        try:
            response.read()
        finally:
            alarms.cancel(watch)
    except BaseException:
        response.close()
        raise


async def within(deadline: Deadline, awaitable: Awaitable[T]) -> T:
    """Await under the call's next deadline (asyncio.timeout), if it has one."""
    when = deadline.next()
    if when is None:
        return await awaitable
    import asyncio

    loop = asyncio.get_running_loop()
    async with asyncio.timeout_at(loop.time() + (when - time.monotonic())):
        return await awaitable
