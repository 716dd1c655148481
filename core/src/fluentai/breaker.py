"""A circuit breaker per provider: after ``threshold`` consecutive failures it opens and
calls fail fast with CircuitOpenError; after ``recovery`` seconds one trial call goes
through (half-open).

Every outcome of the trial ends it, so the circuit can never stay stuck half-open: a
success, or an answer that says nothing of the provider's health (a 429, a 4xx), closes
it; a tripping failure, a cancellation, an interrupt or anything else that leaves the
outcome unknown opens it again for another ``recovery`` seconds.
"""

from __future__ import annotations

import threading
import time

from .errors import (
    APIConnectionError,
    APIStatusError,
    CircuitOpenError,
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
        if self._trial or time.monotonic() - self._opened_at < self.recovery:
            return "open"
        return "half-open"

    def before(self) -> bool:
        """Raise CircuitOpenError if no call may go through now; True when this call is the
        half-open trial (its outcome must then be reported, whatever it is)."""
        if self._opened_at is None:
            return False
        with self._lock:
            if self._opened_at is None:
                return False
            wait = self._opened_at + self.recovery - time.monotonic()
            if wait > 0 or self._trial:
                later = max(wait, 0.0)
                when = f"in {later:.1f}s" if not self._trial else "when its trial call ends"
                raise CircuitOpenError(
                    f"the circuit for {self.name} is open after {self._failures} failures in a "
                    f"row; it will try again {when}", provider=self.name,
                    retry_at=time.time() + later)
            self._trial = True  # half-open: this call is the trial
            return True

    def success(self, trial: bool = False) -> None:
        if trial or self._failures or self._opened_at is not None:
            with self._lock:
                self._close()

    def failure(self, error: BaseException, trial: bool = False) -> None:
        """Count a failed call. A trial that ends in an error that does not trip the
        circuit still got an answer (closed); one that ends unknown, cancelled or
        interrupted, opens it again."""
        tripping = isinstance(error, TRIPPING)
        if not tripping and not trial:
            return
        with self._lock:
            if tripping:
                self._failures += 1
            if trial and not tripping and isinstance(error, APIStatusError):
                self._close()  # the provider answered: it is up
            elif trial or self._failures >= self.threshold:
                self._opened_at = time.monotonic()
                self._trial = False

    def _close(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._trial = False
