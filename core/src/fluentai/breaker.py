"""A circuit breaker per provider: after ``threshold`` consecutive failures it opens and
calls fail fast with CircuitOpenError; after ``recovery`` seconds one trial call goes
through (half-open): success closes the circuit, failure opens it again."""

from __future__ import annotations

import threading
import time

from .errors import (
    APIConnectionError,
    CircuitOpenError,
    FluentAIError,
    OverloadedError,
    ServerError,
)

# Failures that say the provider is unhealthy (a rate limit or a bad request does not).
TRIPPING = (ServerError, OverloadedError, APIConnectionError)


class CircuitBreaker:
    __slots__ = ("_failures", "_lock", "_opened_at", "_trial", "name", "recovery", "threshold")

    def __init__(self, name: str, threshold: int = 5, recovery: float = 30.0) -> None:
        self.name = name
        self.threshold = threshold
        self.recovery = recovery
        self._failures = 0
        self._opened_at: float | None = None
        self._trial = False
        self._lock = threading.Lock()

    @property
    def state(self) -> str:
        if self._opened_at is None:
            return "closed"
        if time.monotonic() - self._opened_at >= self.recovery:
            return "half-open"
        return "open"

    def before(self) -> None:
        """Raise CircuitOpenError if no call may go through now."""
        if self._opened_at is None:
            return
        with self._lock:
            if self._opened_at is None:
                return
            retry_at = self._opened_at + self.recovery
            wait = retry_at - time.monotonic()
            if wait > 0 or self._trial:
                raise CircuitOpenError(
                    f"the circuit for {self.name} is open after {self._failures} failures in a "
                    f"row; it will try again in {max(wait, 0):.1f}s", provider=self.name,
                    retry_at=time.time() + max(wait, 0))
            self._trial = True  # half-open: this call is the trial

    def success(self) -> None:
        if self._failures or self._opened_at is not None:
            with self._lock:
                self._failures = 0
                self._opened_at = None
                self._trial = False

    def failure(self, error: FluentAIError) -> None:
        if not isinstance(error, TRIPPING):
            return
        with self._lock:
            self._failures += 1
            if self._trial or self._failures >= self.threshold:
                self._opened_at = time.monotonic()
                self._trial = False
