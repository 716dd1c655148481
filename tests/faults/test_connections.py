"""Connections that stall or are left, over HTTP/1.1, HTTP/2 and HTTP/3, sync and async:
every timeout is typed and names its phase, nothing that reached the caller is lost or
retried, and a stream left early frees its connection at once. (Connections that break:
test_resets.py.)"""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any

import pytest

from fluentai.errors import (
    APIConnectionError,
    APITimeoutError,
    StreamInterruptedError,
    StreamTimeoutError,
)
from fluentai.events import TextDelta
from fluentai.retry import RetryPolicy
from fluentai.timeouts import Timeout

RETRY = RetryPolicy(max_attempts=2, initial_backoff=0.01)


def test_a_read_timeout_mid_stream_is_a_typed_timeout_with_the_partial_output(net: Any
                                                                              ) -> None:
    """The server pauses longer than the read limit after the first words."""
    with net.server(net.content_first(chunk_delay=1.0)) as server:
        start = time.monotonic()
        with pytest.raises(StreamTimeoutError) as info:
            net.client(server, timeout=Timeout(read=0.3)).stream()
        assert time.monotonic() - start < 0.9
    error = info.value
    assert isinstance(error, APITimeoutError) and isinstance(error, StreamInterruptedError)
    assert error.phase == "read" and not error.retryable
    assert error.partial is not None and error.partial.text == "The capital"


def test_no_first_token_in_time_is_a_typed_timeout(net: Any) -> None:
    with net.server(net.stream_reply(body_delay=3)) as server:
        start = time.monotonic()
        with pytest.raises(APITimeoutError) as info:
            net.client(server).stream(timeout=Timeout(first_token=0.3))
        assert time.monotonic() - start < 1.5
    assert info.value.phase == "first_token" and info.value.partial is None


def test_a_total_timeout_mid_stream_keeps_the_partial_output(net: Any) -> None:
    with net.server(net.content_first(chunk_delay=0.3)) as server:
        with pytest.raises(StreamTimeoutError) as info:
            net.client(server, retry=RETRY).stream(timeout=Timeout(total=0.5))
        assert len(server.requests) == 1
    error = info.value
    assert error.phase == "total" and error.partial is not None
    assert net.TEXT.startswith(error.partial.text) and error.partial.text != net.TEXT


def test_a_slow_body_is_cut_by_the_total_timeout(net: Any) -> None:
    body = net.CHAT.response_body
    drip = [body[i:i + 40] for i in range(0, len(body), 40)]
    from fluentai.testing import Reply

    slow = Reply(200, body, headers={"content-type": "application/json"}, chunks=drip,
                 chunk_delay=0.1)
    with net.server(slow) as server:
        start = time.monotonic()
        with pytest.raises(APITimeoutError) as info:
            net.client(server, retry=RETRY).chat(timeout=Timeout(total=0.5, read=5))
        assert time.monotonic() - start < 1.5 and len(server.requests) == 1
    assert info.value.phase == "total" and not info.value.retryable


def test_leaving_a_stream_early_frees_the_connection_at_once(net: Any) -> None:
    """HTTP/1.1 closes the connection and HTTP/3 resets the stream, so the server stops at
    once. httpcore's HTTP/2 frees the stream on the client's side but sends no RST_STREAM
    (encode/httpcore#944, declined), so that server is told only when the connection
    closes: here the client's side is what is proven."""
    told = net.transport != "http2"
    with net.server(net.stream_reply(chunk_delay=0.1, repeat=True)) as server:
        client = net.client(server)
        for _ in range(2):
            _first_text_then_leave(client)
            if told:
                assert server.wait_idle(2), "the server still sends to a client that left"
        assert server.abandoned == (2 if told else 0)
        assert client.stream().text == net.TEXT  # the connection and the client are fine
        assert len({r.client_port for r in server.requests}) == (3 if net.transport ==
                                                                 "http1" else 1)


def _first_text_then_leave(client: Any) -> None:
    if client.flavour == "sync":
        with client.sync.stream("openai/gpt-4o", "x") as stream:
            for event in stream:
                if isinstance(event, TextDelta):
                    break
        return

    async def leave() -> None:
        async with client.aio.stream("openai/gpt-4o", "x") as stream:
            async for event in stream:
                if isinstance(event, TextDelta):
                    break
    client.runner.run(leave())


def test_cancelling_a_task_mid_stream_frees_the_connection(net: Any) -> None:
    if net.flavour != "async":
        pytest.skip("task cancellation is an asyncio matter")
    with net.server(net.stream_reply(chunk_delay=0.1, repeat=True)) as server:
        client = net.client(server)

        async def cancel_mid_stream() -> None:
            got_text = asyncio.Event()

            async def consume() -> None:
                async for event in client.aio.stream("openai/gpt-4o", "x"):
                    if isinstance(event, TextDelta):
                        got_text.set()

            task = asyncio.ensure_future(consume())
            await asyncio.wait_for(got_text.wait(), 5)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

        client.runner.run(cancel_mid_stream())
        if net.transport != "http2":  # see the test above
            assert server.wait_idle(2) and server.abandoned == 1
        assert client.stream().text == net.TEXT


def test_a_closed_port_is_a_retried_connection_error(flavour: Any) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    class Nowhere:
        url = f"http://127.0.0.1:{port}"

    client = flavour.client(Nowhere(), retry=RETRY)
    start = time.monotonic()
    with pytest.raises(APIConnectionError, match="could not reach") as info:
        client.chat()
    assert time.monotonic() - start < 2 and info.value.retryable
