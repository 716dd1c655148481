"""Timeouts against real local servers: the per-operation limits reach httpx, a server
that never sends its first byte or first token fails fast with a typed error naming the
phase, and a total budget cuts a slow stream without losing what arrived."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

import fluentai
from fluentai.errors import APITimeoutError, StreamInterruptedError
from fluentai.retry import RetryPolicy
from fluentai.testing import ReplayServer, Reply, load_cassette, recordings
from fluentai.timeouts import Timeout, timeout_from

pytest.importorskip("fluentai_openai")

FIX = recordings(__file__) / "openai"
CHAT = load_cassette(FIX / "test_max_completion_tokens[gpt-4o-mini].yaml")[0]
STREAM = load_cassette(FIX / "test_dbos_model_stream_direct.yaml")[0]
TEXT = "The capital of Mexico is Mexico City."


def stream_reply(**kw: Any) -> Reply:
    return Reply.from_interaction(STREAM, path=None, **kw)


def chat_reply(**kw: Any) -> Reply:
    return Reply.from_interaction(CHAT, path=None, **kw)


def settings(server: ReplayServer) -> dict[str, Any]:
    return {"openai": {"api_key": "sk-timeouts-12345", "base_url": server.url + "/v1"}}


def sync_client(server: ReplayServer, **kw: Any) -> fluentai.Client:
    return fluentai.Client(providers=settings(server), retry=0, **kw)


def async_client(server: ReplayServer, **kw: Any) -> fluentai.AsyncClient:
    return fluentai.AsyncClient(providers=settings(server), retry=0, **kw)


def collect_sync(client: fluentai.Client, **kw: Any) -> fluentai.ChatResponse:
    return client.stream("openai/gpt-4o", "x", **kw).collect()


def collect_async(client: fluentai.AsyncClient, **kw: Any) -> fluentai.ChatResponse:
    async def run() -> fluentai.ChatResponse:
        async with client:
            return await client.stream("openai/gpt-4o", "x", **kw).collect()
    return asyncio.run(run())


RUNNERS = {"sync": (sync_client, collect_sync), "async": (async_client, collect_async)}


def test_the_clients_read_timeout_reaches_httpx() -> None:
    with ReplayServer([chat_reply(delay=3)]) as server:
        start = time.monotonic()
        with pytest.raises(APITimeoutError) as info:
            sync_client(server, timeout=0.3).chat("openai/gpt-4o-mini", "hello")
        assert time.monotonic() - start < 2
    assert info.value.phase == "read" and "read timeout (0.3s)" in str(info.value)


async def test_a_per_call_timeout_overrides_the_client() -> None:
    with ReplayServer([chat_reply(delay=3)]) as server:
        async with async_client(server) as client:
            start = time.monotonic()
            with pytest.raises(APITimeoutError, match=r"total timeout of 0\.3s"):
                await client.chat("openai/gpt-4o-mini", "hello", timeout=Timeout(total=0.3))
            assert time.monotonic() - start < 2


@pytest.mark.parametrize("mode", RUNNERS)
@pytest.mark.parametrize("where", ["delay", "body_delay"])
def test_no_first_token_in_time_is_a_typed_timeout(mode: str, where: str) -> None:
    """Silent before the headers, or headers then silence: both are a first-token wait."""
    make, collect = RUNNERS[mode]
    with ReplayServer([stream_reply(**{where: 3})]) as server:
        start = time.monotonic()
        with pytest.raises(APITimeoutError) as info:
            collect(make(server, timeout=Timeout(first_token=0.3)))
        assert time.monotonic() - start < 2
        assert server.wait_idle()  # the connection was closed, the server is not stuck
    error = info.value
    assert error.phase == "first_token" and error.retryable and error.partial is None
    assert "no first token within 0.3s" in str(error) and "sk-timeouts" not in str(error)


@pytest.mark.parametrize("mode", RUNNERS)
def test_a_first_token_timeout_is_retried(mode: str) -> None:
    make, collect = RUNNERS[mode]
    with ReplayServer([stream_reply(body_delay=3), stream_reply()]) as server:
        response = collect(make(server, timeout=Timeout(first_token=0.3)),
                           retry=RetryPolicy(max_attempts=2, initial_backoff=0.01))
        assert len(server.requests) == 2
    assert response.text == TEXT


@pytest.mark.parametrize("mode", RUNNERS)
def test_first_token_is_timed_once_not_between_later_chunks(mode: str) -> None:
    make, collect = RUNNERS[mode]
    with ReplayServer([stream_reply(chunk_delay=0.15)]) as server:  # ~1.5 s in all
        response = collect(make(server, timeout=Timeout(first_token=0.5, read=1.0)))
    assert response.text == TEXT


@pytest.mark.parametrize("mode", RUNNERS)
def test_a_total_timeout_mid_stream_keeps_the_partial_output(mode: str) -> None:
    make, collect = RUNNERS[mode]
    with ReplayServer([stream_reply(chunk_delay=0.2), stream_reply()]) as server:
        with pytest.raises(StreamInterruptedError) as info:
            collect(make(server, timeout=Timeout(total=0.5)),
                    retry=RetryPolicy(max_attempts=3, initial_backoff=0.01))
        assert len(server.requests) == 1  # output had reached the caller: never retried
    error = info.value
    assert isinstance(error, APITimeoutError) and error.phase == "total"
    assert error.partial is not None and error.partial.text
    assert TEXT.startswith(error.partial.text) and error.partial.text != TEXT


def test_a_slow_drip_body_is_cut_by_the_total_timeout() -> None:
    body = CHAT.response_body
    drip = [body[i:i + 40] for i in range(0, len(body), 40)]
    slow = Reply(200, body, headers={"content-type": "application/json"}, chunks=drip,
                 chunk_delay=0.1)
    with ReplayServer([slow, chat_reply()]) as server:
        start = time.monotonic()
        with pytest.raises(APITimeoutError) as info:
            fluentai.Client(providers=settings(server), timeout=Timeout(total=0.5, read=5),
                            retry=RetryPolicy(max_attempts=3, initial_backoff=0.01)
                            ).chat("openai/gpt-4o-mini", "hello")
        assert time.monotonic() - start < 1.5
        assert len(server.requests) == 1  # an exhausted budget is final
    assert info.value.phase == "total" and not info.value.retryable


def test_timeout_values_are_validated_and_converted() -> None:
    with pytest.raises(ValueError, match=r"Timeout\.first_token must be a positive"):
        Timeout(first_token=0)
    assert timeout_from(5) == Timeout(connect=5, read=5, write=5, pool=5)
    assert timeout_from(httpx.Timeout(7, connect=2)) == Timeout(connect=2, read=7, write=7,
                                                                pool=7)
    with pytest.raises(TypeError, match="timeout= takes"):
        timeout_from("fast")
