"""Leaving a stream early (break, task cancel, client close) closes its connection, the
server sees the client go, and the pool keeps nothing busy; 500 concurrent streams through
one client finish with no error and no leaked connection."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import fluentai
from fluentai.events import TextDelta
from fluentai.testing import ReplayServer, Reply, load_cassette, recordings

pytest.importorskip("fluentai_openai")

STREAM = load_cassette(recordings(__file__) / "openai" / "test_dbos_model_stream_direct.yaml")[0]
TEXT = "The capital of Mexico is Mexico City."


def slow() -> Reply:
    return Reply.from_interaction(STREAM, path=None, chunk_delay=0.5, repeat=True)


def settings(server: ReplayServer) -> dict[str, Any]:
    return {"openai": {"api_key": "sk-cancel-12345", "base_url": server.url + "/v1"}}


def pool(client: fluentai.Client | fluentai.AsyncClient) -> list[Any]:
    """The httpcore connections of the provider's pool (httpx keeps them on its transport)."""
    http = client._clients.get("openai")
    return [] if http is None else list(http._transport._pool.connections)  # type: ignore[attr-defined]


def busy(client: fluentai.Client | fluentai.AsyncClient) -> list[Any]:
    return [c for c in pool(client) if not c.is_idle() and not c.is_closed()]


def test_break_closes_the_connection_and_the_next_request_works() -> None:
    with ReplayServer([slow()]) as server:
        client = fluentai.Client(providers=settings(server))
        for _ in range(3):
            for event in client.stream("openai/gpt-4o", "x"):
                if isinstance(event, TextDelta):
                    break
            assert server.wait_idle(2)  # the server saw the client leave at once
            assert busy(client) == []
        assert server.abandoned == 3


async def test_cancelling_the_task_closes_the_connection() -> None:
    with ReplayServer([slow()]) as server:
        async with fluentai.AsyncClient(providers=settings(server)) as client:
            first = asyncio.Event()

            async def consume() -> None:
                async for event in client.stream("openai/gpt-4o", "x"):
                    if isinstance(event, TextDelta):
                        first.set()

            tasks = [asyncio.create_task(consume()) for _ in range(20)]
            await asyncio.wait_for(first.wait(), 5)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            assert await asyncio.to_thread(server.wait_idle, 2)
            assert busy(client) == []
        assert server.abandoned == 20


async def test_closing_the_client_ends_its_streams() -> None:
    with ReplayServer([slow()]) as server:
        client = fluentai.AsyncClient(providers=settings(server))
        stream = client.stream("openai/gpt-4o", "x")
        events = stream.__aiter__()
        await anext(events)
        await client.aclose()
        with pytest.raises(fluentai.errors.FluentAIError):
            async for _ in events:
                pass
        assert await asyncio.to_thread(server.wait_idle, 2)
        assert pool(client) == []


def test_a_finished_stream_returns_its_connection_for_reuse() -> None:
    with ReplayServer([Reply.from_interaction(STREAM, path=None, repeat=True)]) as server:
        client = fluentai.Client(providers=settings(server))
        texts = [client.stream("openai/gpt-4o", "x").collect().text for _ in range(5)]
        ports = {r.client_port for r in server.requests}
    assert texts == [TEXT] * 5 and len(ports) == 1 and len(pool(client)) == 1


def test_500_concurrent_streams_through_one_client() -> None:
    async def run() -> tuple[list[str], int, int]:
        reply = Reply.from_interaction(STREAM, path=None, chunk_delay=0.01, repeat=True)
        with ReplayServer([reply]) as server:
            async with fluentai.AsyncClient(providers=settings(server)) as client:
                streams = [client.stream("openai/gpt-4o", "x").collect() for _ in range(500)]
                texts = [r.text for r in await asyncio.gather(*streams)]
                connections = len(pool(client))
                assert busy(client) == []
            assert await asyncio.to_thread(server.wait_idle, 5)
            return texts, connections, len({r.client_port for r in server.requests})

    texts, pooled, ports = asyncio.run(run())
    assert texts == [TEXT] * 500
    assert ports <= 500 and pooled <= 100  # kept-alive connections stay within the limit
