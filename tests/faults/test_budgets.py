"""Retry budgets end the same way every time, sync or async, streamed or not: a server's
Retry-After that does not fit what is left is raised at once (never slept on), and a total
timeout that runs out while retrying is APITimeoutError(phase="total") with the last
failure as its cause."""

from __future__ import annotations

import email.utils
import os
import time
from typing import Any

import pytest

from fluentai.errors import APITimeoutError, RateLimitError, ServerError
from fluentai.retry import RetryPolicy
from fluentai.timeouts import Timeout

RUNS = 10 if os.environ.get("FLUENTAI_FAULTS_LOAD") == "1" else 2  # the long run: nox -s faults


def http_date(seconds: float) -> str:
    return email.utils.formatdate(time.time() + seconds, usegmt=True)


@pytest.mark.parametrize("header", [{"retry-after": "30"}, {"retry-after-ms": "30000"},
                                    {"retry-after": "http-date"}],
                         ids=["seconds", "milliseconds", "http-date"])
@pytest.mark.parametrize("call", ["chat", "stream"])
def test_a_retry_after_longer_than_the_budget_is_raised_at_once(flavour: Any, header: Any,
                                                                call: str) -> None:
    if header.get("retry-after") == "http-date":
        header = {"retry-after": http_date(31)}
    with flavour.server(flavour.error(429, headers=header), flavour.chat_reply()) as server:
        client = flavour.client(server, retry=RetryPolicy(max_attempts=5, max_time=3))
        start = time.monotonic()
        with pytest.raises(RateLimitError) as info:
            getattr(client, call)()
        elapsed = time.monotonic() - start
        assert len(server.requests) == 1
    assert elapsed < 1.0, f"slept {elapsed:.1f}s on a wait that could never fit"
    assert info.value.retry_after is not None and 29 <= info.value.retry_after <= 31
    assert "not retried" in " ".join(getattr(info.value, "__notes__", []))


def test_a_retry_after_longer_than_the_total_timeout_is_raised_at_once(flavour: Any) -> None:
    with flavour.server(flavour.error(429, headers={"retry-after": "5"}),
                        flavour.chat_reply()) as server:
        client = flavour.client(server, retry=RetryPolicy(max_attempts=5))
        start = time.monotonic()
        with pytest.raises(RateLimitError) as info:
            client.chat(timeout=Timeout(total=2))
        assert time.monotonic() - start < 1.0 and len(server.requests) == 1
    assert info.value.retry_after == 5


def test_a_retry_after_that_fits_is_honoured(flavour: Any) -> None:
    with flavour.server(flavour.error(429, headers={"retry-after-ms": "300"}),
                        flavour.chat_reply()) as server:
        client = flavour.client(server, retry=RetryPolicy(max_attempts=2, max_time=3))
        start = time.monotonic()
        assert client.chat().text
        waited = time.monotonic() - start
        assert len(server.requests) == 2
    assert 0.3 <= waited < 1.5


@pytest.mark.parametrize("call", ["chat", "stream"])
def test_a_total_timeout_during_retries_ends_the_same_way_every_time(net: Any,
                                                                     call: str) -> None:
    """Against a server that always fails, every run ends with the total timeout and the
    server error it was retrying (before: ServerError 9 runs in 10 on the sync client)."""
    outcomes = []
    with net.server(net.error(repeat=True)) as server:
        client = net.client(server, retry=RetryPolicy(max_attempts=100, initial_backoff=0.05,
                                                      max_backoff=0.1, jitter=0.5))
        for _ in range(RUNS):
            start = time.monotonic()
            with pytest.raises(APITimeoutError) as info:
                getattr(client, call)(timeout=Timeout(total=0.4))
            outcomes.append((type(info.value).__name__, info.value.phase,
                             type(info.value.__cause__).__name__,
                             time.monotonic() - start))
        assert len(server.requests) >= 2 * RUNS
    for name, phase, cause, elapsed in outcomes:
        assert (name, phase, cause) == ("APITimeoutError", "total", "ServerError")
        assert elapsed < 0.4 + 0.3


def test_attempts_that_run_out_first_raise_the_last_error(flavour: Any) -> None:
    with flavour.server(flavour.error(repeat=True)) as server:
        client = flavour.client(server, retry=RetryPolicy(max_attempts=3, initial_backoff=0.01))
        with pytest.raises(ServerError) as info:
            client.chat(timeout=Timeout(total=10))
        assert len(server.requests) == 3
    assert info.value.__cause__ is None
