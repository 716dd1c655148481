"""Retries: what is retried, how long to wait, when to stop.

Retried: errors marked ``retryable`` (408, 409, 429, 5xx, 529, connection errors and
timeouts) that happen before any output reached the caller; a stream that already yielded
events is never retried. The wait honors ``Retry-After`` / ``retry-after-ms`` / the
rate-limit reset headers when the provider sends them, otherwise exponential backoff with
jitter.

One decision (``Retrier.next_wait``) serves the sync and the async loop, so both end the
same way. A retry is made only when its wait ends inside both budgets, the policy's
``max_time`` and the call's total timeout:

- the server asks for a wait longer than what is left: its error is raised at once (a
  ``RateLimitError`` keeps ``retry_after``), never slept on;
- our own backoff would outlast ``max_time``: the last error is raised;
- it would outlast the total timeout: ``APITimeoutError(phase="total")`` is raised, the last
  error kept as its cause.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import msgspec

from .errors import FluentAIError

if TYPE_CHECKING:
    from .timeouts import Deadline

T = TypeVar("T")
OnRetry = Callable[[int, BaseException, float], None]


class RetryPolicy(msgspec.Struct, frozen=True):
    """``max_attempts`` counts the first try; ``max_time`` bounds the whole call (seconds)."""

    max_attempts: int = 3
    max_time: float = 120.0
    initial_backoff: float = 0.5
    max_backoff: float = 30.0
    jitter: float = 0.25  # up to this fraction of the wait is added at random

    def backoff(self, attempt: int) -> float:
        """Our own wait before attempt ``attempt + 1`` when the server names none."""
        wait = min(self.initial_backoff * 2.0 ** (attempt - 1), self.max_backoff)
        return wait + wait * self.jitter * random.random()


NO_RETRY = RetryPolicy(max_attempts=1)


def policy_from(value: RetryPolicy | int | None, default: RetryPolicy) -> RetryPolicy:
    """``retry=`` may be a policy, a number of retries, or None for the default."""
    if value is None:
        return default
    if isinstance(value, RetryPolicy):
        return value
    return msgspec.structs.replace(default, max_attempts=int(value) + 1)


def _retryable(error: BaseException) -> bool:
    return isinstance(error, FluentAIError) and error.retryable and error.partial is None


class Retrier:
    """One call's retries: its policy, its deadline, and what to report on each retry."""

    __slots__ = ("deadline", "on_retry", "out_of_time", "policy")

    def __init__(self, policy: RetryPolicy, on_retry: OnRetry,
                 deadline: Deadline | None = None,
                 out_of_time: Callable[[], FluentAIError] | None = None) -> None:
        self.policy = policy
        self.on_retry = on_retry
        self.deadline = deadline
        self.out_of_time = out_of_time  # the total timeout's error

    def next_wait(self, attempt: int, error: FluentAIError, started: float) -> float:
        """Seconds to wait before attempt ``attempt + 1``, or raise what ends the call."""
        policy = self.policy
        if not _retryable(error) or attempt >= policy.max_attempts:
            raise error
        left = policy.max_time - (time.monotonic() - started)
        total_left = self.deadline.left() if self.deadline is not None else None
        if total_left is not None and total_left <= 0:
            raise self._timeout() from error
        hinted = getattr(error, "retry_after", None)
        if isinstance(hinted, (int, float)):
            room = left if total_left is None else min(left, total_left)
            if hinted > room:
                error.add_note(f"not retried: the server asks to wait {hinted:g}s and "
                               f"{max(room, 0):.1f}s of the retry budget is left")
                raise error
            wait = float(hinted)
        else:
            wait = policy.backoff(attempt)
            if wait >= left:
                raise error
            if total_left is not None and wait >= total_left:
                raise self._timeout() from error
        self.on_retry(attempt, error, wait)
        return wait

    def _timeout(self) -> FluentAIError:
        assert self.out_of_time is not None, "a deadline comes with its timeout error"
        return self.out_of_time()

    def call(self, fn: Callable[[], T]) -> T:
        started = time.monotonic()
        attempt, last = 1, None
        while True:
            try:  # the common case costs one try/except
                return fn()
            except FluentAIError as exc:
                _caused_by(exc, last)
                wait = self.next_wait(attempt, exc, started)
                last = exc
            time.sleep(wait)
            attempt += 1

    async def acall(self, fn: Callable[[], Awaitable[T]]) -> T:
        import asyncio

        started = time.monotonic()
        attempt, last = 1, None
        while True:
            try:
                return await fn()
            except FluentAIError as exc:
                _caused_by(exc, last)
                wait = self.next_wait(attempt, exc, started)
                last = exc
            await asyncio.sleep(wait)
            attempt += 1


def _caused_by(error: FluentAIError, last: FluentAIError | None) -> None:
    """A total timeout that ends a retried call keeps the failure it was retrying."""
    if last is not None and error.__cause__ is None and getattr(error, "phase", "") == "total":
        error.__cause__ = last
