"""Retries with tenacity: what is retried, how long to wait, when to stop.

Retried: errors marked ``retryable`` (408, 409, 429, 5xx, 529, connection errors and
timeouts) that happen before any output reached the caller; a stream that already yielded
events is never retried. The wait honors ``Retry-After`` / ``retry-after-ms`` / the
rate-limit reset headers when the provider sends them, otherwise exponential backoff with
jitter; attempts and total time are bounded.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import msgspec
import tenacity

from .errors import FluentAIError

T = TypeVar("T")


class RetryPolicy(msgspec.Struct, frozen=True):
    """``max_attempts`` counts the first try; ``max_time`` bounds the whole call (seconds)."""

    max_attempts: int = 3
    max_time: float = 120.0
    initial_backoff: float = 0.5
    max_backoff: float = 30.0
    jitter: float = 0.25  # up to this fraction of the wait is added at random

    def wait(self, attempt: int, error: BaseException | None, elapsed: float) -> float:
        """Seconds before attempt ``attempt + 1``."""
        hinted = getattr(error, "retry_after", None)
        if isinstance(hinted, (int, float)):
            wait = float(hinted)
        else:
            wait = min(self.initial_backoff * 2 ** (attempt - 1), self.max_backoff)
            wait += wait * self.jitter * random.random()
        return max(0.0, min(wait, self.max_time - elapsed))


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


def _tenacity_args(policy: RetryPolicy, on_retry: Callable[[int, BaseException, float], None]
                   ) -> dict[str, Any]:
    start = time.monotonic()

    def wait(state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        return policy.wait(state.attempt_number, error, time.monotonic() - start)

    def before_sleep(state: tenacity.RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        if error is not None:
            on_retry(state.attempt_number, error, state.upcoming_sleep)

    return {
        "stop": tenacity.stop_after_attempt(policy.max_attempts)
        | tenacity.stop_after_delay(policy.max_time),
        "wait": wait,
        "retry": tenacity.retry_if_exception(_retryable),
        "before_sleep": before_sleep,
        "reraise": True,
    }


def _first_failure(policy: RetryPolicy, error: BaseException, started: float,
                   on_retry: Callable[[int, BaseException, float], None]) -> float | None:
    """The wait before the second attempt, or None when the error is final."""
    if policy.max_attempts <= 1 or not _retryable(error):
        return None
    wait = policy.wait(1, error, time.monotonic() - started)
    on_retry(1, error, wait)
    return wait


def call(policy: RetryPolicy, fn: Callable[[], T],
         on_retry: Callable[[int, BaseException, float], None]) -> T:
    started = time.monotonic()
    try:  # the common case costs one try/except, not a tenacity controller
        return fn()
    except FluentAIError as exc:
        wait = _first_failure(policy, exc, started, on_retry)
        if wait is None:
            raise
    time.sleep(wait)
    rest = msgspec.structs.replace(policy, max_attempts=policy.max_attempts - 1,
                                   max_time=max(policy.max_time - (time.monotonic() - started),
                                                0.0))
    if rest.max_attempts <= 1:
        return fn()
    return tenacity.Retrying(**_tenacity_args(rest, _shifted(on_retry)))(fn)


async def acall(policy: RetryPolicy, fn: Callable[[], Awaitable[T]],
                on_retry: Callable[[int, BaseException, float], None]) -> T:
    import asyncio

    started = time.monotonic()
    try:
        return await fn()
    except FluentAIError as exc:
        wait = _first_failure(policy, exc, started, on_retry)
        if wait is None:
            raise
    await asyncio.sleep(wait)
    rest = msgspec.structs.replace(policy, max_attempts=policy.max_attempts - 1,
                                   max_time=max(policy.max_time - (time.monotonic() - started),
                                                0.0))
    if rest.max_attempts <= 1:
        return await fn()

    async def attempt() -> T:  # tenacity awaits only coroutine functions
        return await fn()

    return await tenacity.AsyncRetrying(**_tenacity_args(rest, _shifted(on_retry)))(attempt)


def _shifted(on_retry: Callable[[int, BaseException, float], None]
             ) -> Callable[[int, BaseException, float], None]:
    """Attempt numbers as the caller counts them (the first try ran before tenacity)."""
    return lambda attempt, error, wait: on_retry(attempt + 1, error, wait)
