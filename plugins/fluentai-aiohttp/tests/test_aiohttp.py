"""fluentai over aiohttp against a real local server replaying recorded OpenAI traffic: the
same events as httpx, timeouts (connect, read, first token, total) typed by phase, leaving
a stream early closes its connection, pool limits hold, 500 concurrent streams finish, and
an httpx client can use the transport too (contract version 1)."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import httpx
import pytest
from local import PLUGIN

import fluentai
from fluentai.errors import APIConnectionError, APITimeoutError, ServerError
from fluentai.events import TextDelta
from fluentai.retry import RetryPolicy
from fluentai.testing import ReplayServer, Reply, load_cassette, recordings
from fluentai.timeouts import Timeout
from fluentai.transport import TransportOptions
from fluentai_aiohttp.transport import AiohttpTransport, AsyncAiohttpTransport

FIX = recordings(__file__) / "openai"
STREAM = load_cassette(FIX / "test_dbos_model_stream_direct.yaml")[0]
CHAT = load_cassette(FIX / "test_max_completion_tokens[gpt-4o-mini].yaml")[0]
TEXT = "The capital of Mexico is Mexico City."
KEY = "sk-aiohttp-secret-1234"


def stream_reply(**kw: Any) -> Reply:
    return Reply.from_interaction(STREAM, path=None, repeat=True, **kw)


def settings(server: ReplayServer, transport: Any = "aiohttp") -> dict[str, Any]:
    return {"local": {"api_key": KEY, "base_url": server.url + "/v1", "transport": transport}}


def sync_client(server: ReplayServer, transport: Any = "aiohttp", **kw: Any) -> fluentai.Client:
    return fluentai.Client(plugins=[PLUGIN], providers=settings(server, transport), **kw)


def async_client(server: ReplayServer, transport: Any = "aiohttp",
                 **kw: Any) -> fluentai.AsyncClient:
    return fluentai.AsyncClient(plugins=[PLUGIN], providers=settings(server, transport), **kw)


def test_the_same_events_as_httpx_sync_and_async() -> None:
    async def over_async(server: ReplayServer) -> list[Any]:
        async with async_client(server) as c:
            events = [ev async for ev in c.stream("local/gpt-4o", "x")]
            assert isinstance(c._clients["local"]._transport, AsyncAiohttpTransport)
            return events

    with ReplayServer([stream_reply()]) as server:
        with sync_client(server, "http1") as c:
            over_httpx = list(c.stream("local/gpt-4o", "x"))
        with sync_client(server) as c:
            over_sync = list(c.stream("local/gpt-4o", "x"))
            assert isinstance(c._clients["local"]._transport, AiohttpTransport)
        over_async_ = asyncio.run(over_async(server))
        sent = server.requests[-1]
    assert over_sync == over_async_ == over_httpx and len(over_httpx) > 5
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.json["stream"] is True and sent.path == "/v1/chat/completions"


def test_a_non_streamed_answer_an_error_status_and_a_retry() -> None:
    error = {"error": {"message": "The server had an error", "type": "server_error"}}
    chat = Reply.from_interaction(CHAT, path=None)
    with ReplayServer([Reply(500, error), chat, Reply(500, error)]) as server, \
            sync_client(server, retry=RetryPolicy(max_attempts=2, initial_backoff=0.01)) as c:
        r = c.chat("local/gpt-4o-mini", "hello")
        assert r.text == "Hello! How can I assist you today?" and r.usage.output_tokens == 9
        with pytest.raises(ServerError, match="The server had an error"):
            c.chat("local/gpt-4o-mini", "hello", retry=0)


def timed_out(server: ReplayServer, mode: str, timeout: Timeout) -> APITimeoutError:
    """The typed timeout a stream over aiohttp ends with, from the sync or async client."""
    async def run() -> None:
        async with async_client(server, timeout=timeout, retry=0) as c:
            await c.stream("local/gpt-4o", "x").collect()

    with pytest.raises(APITimeoutError) as info:
        if mode == "sync":
            with sync_client(server, timeout=timeout, retry=0) as c:
                c.stream("local/gpt-4o", "x").collect()
        else:
            asyncio.run(run())
    return info.value


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("phase", ["first_token", "read"])
def test_a_silent_server_is_a_typed_timeout(mode: str, phase: str) -> None:
    timeout = Timeout(first_token=0.3) if phase == "first_token" else Timeout(read=0.3)
    with ReplayServer([stream_reply(body_delay=3)]) as server:
        assert timed_out(server, mode, timeout).phase == phase


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_total_timeout_mid_stream_keeps_the_partial_output(mode: str) -> None:
    with ReplayServer([stream_reply(chunk_delay=0.2)]) as server:
        error = timed_out(server, mode, Timeout(total=0.8))
    assert error.phase == "total"
    assert error.partial is not None and TEXT.startswith(error.partial.text)


def test_nothing_listening_is_a_connection_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    c = fluentai.Client(plugins=[PLUGIN], retry=0, providers={"local": {
        "api_key": KEY, "base_url": f"http://127.0.0.1:{port}/v1", "transport": "aiohttp"}})
    with c, pytest.raises(APIConnectionError, match="could not reach") as info:
        c.chat("local/gpt-4o", "x")
    assert KEY not in str(info.value)


def test_leaving_a_stream_early_closes_its_connection_and_the_next_one_works() -> None:
    with ReplayServer([stream_reply(chunk_delay=0.3)]) as server, sync_client(server) as c:
        for event in c.stream("local/gpt-4o", "x"):
            if isinstance(event, TextDelta):
                break
        assert server.wait_idle(2)  # the server saw the client go at once
        assert server.abandoned == 1
        assert c.stream("local/gpt-4o", "x").collect().text == TEXT


async def test_cancelling_the_task_closes_the_connection() -> None:
    with ReplayServer([stream_reply(chunk_delay=0.3)]) as server:
        async with async_client(server) as c:
            async def consume() -> None:
                await c.stream("local/gpt-4o", "x").collect()
            task = asyncio.create_task(consume())
            await asyncio.sleep(0.5)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert await asyncio.to_thread(server.wait_idle, 2)
        assert server.abandoned == 1


def test_a_finished_stream_returns_its_connection_to_the_pool() -> None:
    with ReplayServer([stream_reply()]) as server, sync_client(server) as c:
        texts = [c.stream("local/gpt-4o", "x").collect().text for _ in range(5)]
        ports = {r.client_port for r in server.requests}
    assert texts == [TEXT] * 5 and len(ports) == 1


async def test_the_pool_limit_holds() -> None:
    with ReplayServer([stream_reply(chunk_delay=0.01)]) as server:
        options = TransportOptions(name="aiohttp", max_connections=4)
        async with async_client(server, options) as c:
            texts = [r.text for r in await asyncio.gather(
                *(c.stream("local/gpt-4o", "x").collect() for _ in range(20)))]
        assert texts == [TEXT] * 20
        assert len({r.client_port for r in server.requests}) <= 4


async def test_500_concurrent_streams() -> None:
    with ReplayServer([stream_reply(chunk_delay=0.01)]) as server:
        async with async_client(server) as c:
            texts = [r.text for r in await asyncio.gather(
                *(c.stream("local/gpt-4o", "x").collect() for _ in range(500)))]
        assert texts == [TEXT] * 500
        assert await asyncio.to_thread(server.wait_idle, 5)


async def test_an_httpx_client_can_use_the_transport() -> None:
    """Contract version 1: the transport is an ordinary httpx transport too."""
    with ReplayServer([stream_reply()]) as server:
        async with httpx.AsyncClient(transport=AsyncAiohttpTransport()) as http, \
                http.stream("POST", server.url + "/v1/chat/completions",
                            json={"stream": True}) as response:
            body = b"".join([chunk async for chunk in response.aiter_bytes()])
        assert response.status_code == 200 and body.count(b"data: ") > 5
