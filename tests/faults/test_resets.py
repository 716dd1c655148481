"""Faults no HTTP server commits on purpose, over HTTP/1.1, HTTP/2 and HTTP/3, sync and
async: a reset (RST, RST_STREAM, RESET_STREAM) before the answer, after the headers or
mid-stream; a connection closed with no answer or mid-stream; a body dripped a few bytes at
a time. Servers: ``fluentai.testing.RawServer`` (HTTP/1.1), and the h2 and aioquic fault
servers of this suite's conftest. The bytes are the recorded stream's, frame by frame."""

from __future__ import annotations

import time
from typing import Any

import pytest

from fluentai.errors import (
    APIConnectionError,
    APITimeoutError,
    CircuitOpenError,
    StreamInterruptedError,
)
from fluentai.retry import RetryPolicy
from fluentai.testing.faults import drip
from fluentai.timeouts import Timeout

RETRY = RetryPolicy(max_attempts=2, initial_backoff=0.01)


def whole(net: Any) -> list[Any]:
    return [net.HEAD, *net.frames()]


def cut(net: Any, after: int, how: str) -> list[Any]:
    """The stream's first ``after`` frames, then ``how`` (RESET or CLOSE)."""
    return [net.HEAD, *net.frames()[:after], 0.05, how]


@pytest.mark.parametrize("how", ["reset", "close"])
@pytest.mark.parametrize("when", ["before the answer", "after the headers"])
def test_a_break_before_any_output_is_a_retried_connection_error(net: Any, how: str,
                                                                 when: str) -> None:
    first = [how] if when == "before the answer" else [net.HEAD, 0.05, how]
    with net.faulty(first, whole(net)) as server:
        response = net.client(server, retry=RETRY).stream()
        assert len(server.requests) == 2
    assert response.text == net.TEXT
    with net.faulty(first) as server, pytest.raises(APIConnectionError) as info:
        net.client(server).stream()
    assert info.value.retryable and info.value.partial is None


@pytest.mark.parametrize("how", ["reset", "close"])
def test_a_break_mid_stream_keeps_the_partial_output(net: Any, how: str) -> None:
    with net.faulty(cut(net, 4, how), whole(net)) as server:
        with pytest.raises(StreamInterruptedError) as info:
            net.client(server, retry=RETRY).stream()
        assert len(server.requests) == 1  # output had reached the caller: not retried
    partial = info.value.partial
    assert partial is not None and partial.text == "The capital of"


def test_a_reset_of_a_non_streamed_answer_is_retried(net: Any) -> None:
    answer = net.CHAT.response_body
    with net.faulty([net.HEAD, answer[:100], 0.05, net.RESET],
                    [net.HEAD, answer]) as server:
        assert net.client(server, retry=RETRY).chat().text
        assert len(server.requests) == 2


def test_a_dripping_stream_is_cut_by_the_total_timeout_keeping_its_output(net: Any) -> None:
    """Every piece arrives well inside the read limit; only the total budget stops it."""
    body = b"".join(net.frames())
    with net.faulty([net.HEAD, *drip(body, 64, 0.02)]) as server:
        start = time.monotonic()
        with pytest.raises(StreamInterruptedError) as info:
            net.client(server).stream(timeout=Timeout(total=0.5, read=5))
        assert time.monotonic() - start < 1.2
    error = info.value
    assert isinstance(error, APITimeoutError) and error.phase == "total"
    assert error.partial is not None and error.partial.text
    assert net.TEXT.startswith(error.partial.text)


def test_a_dripping_answer_is_cut_by_the_total_timeout(net: Any) -> None:
    with net.faulty([net.HEAD, *drip(net.CHAT.response_body, 8, 0.02)]) as server:
        start = time.monotonic()
        with pytest.raises(APITimeoutError) as info:
            net.client(server, retry=RETRY).chat(timeout=Timeout(total=0.5, read=5))
        assert time.monotonic() - start < 1.2 and len(server.requests) == 1
    assert info.value.phase == "total" and not info.value.retryable


def test_the_breaker_opens_on_resets_and_recovers(net: Any) -> None:
    with net.faulty([net.RESET], [net.RESET], whole(net)) as server:
        client = net.client(server, circuit_breaker={"threshold": 2, "recovery": 0.3})
        for _ in range(2):
            with pytest.raises(APIConnectionError):
                client.stream()
        with pytest.raises(CircuitOpenError):
            client.stream()
        assert len(server.requests) == 2
        time.sleep(0.35)
        assert client.stream().text == net.TEXT
