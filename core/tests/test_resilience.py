"""Retries, Retry-After, circuit breaking, fallbacks and key rotation against real local
servers replaying a recorded OpenAI answer (the openai plugin is the provider)."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

import fluentai
from fluentai.errors import (
    APIConnectionError,
    CircuitOpenError,
    ServerError,
    StreamInterruptedError,
)
from fluentai.retry import RetryPolicy
from fluentai.testing import ReplayServer, Reply, load_cassette, recordings

pytest.importorskip("fluentai_openai")

FIX = recordings(__file__) / "openai"
CHAT = load_cassette(FIX / "test_max_completion_tokens[gpt-4o-mini].yaml")[0]
STREAM = load_cassette(FIX / "test_dbos_model_stream_direct.yaml")[0]
FAST = RetryPolicy(max_attempts=3, initial_backoff=0.01, max_backoff=0.05)
ERROR = {"error": {"message": "The server had an error", "type": "server_error"}}


def ok() -> Reply:
    return Reply.from_interaction(CHAT, path=None)


def client_for(server: ReplayServer, **kw: object) -> fluentai.Client:
    return fluentai.Client(providers={"openai": {"api_key": "sk-resilience-1",
                                                 "base_url": server.url + "/v1"}},
                           retry=FAST, **kw)  # type: ignore[arg-type]


def test_500_then_200_is_retried() -> None:
    with ReplayServer([Reply(500, ERROR), Reply(502, "bad gateway"), ok()]) as server:
        r = client_for(server).chat("openai/gpt-4o-mini", "hello")
        assert len(server.requests) == 3
    assert r.text == "Hello! How can I assist you today?"


def test_retries_are_bounded_and_the_last_error_is_raised() -> None:
    with ReplayServer([Reply(500, ERROR, repeat=True)]) as server, \
            pytest.raises(ServerError, match="The server had an error"):
        client_for(server).chat("openai/gpt-4o-mini", "hello")
    assert len(server.requests) == 3


def test_429_retry_after_is_honored() -> None:
    limited = Reply(429, {"error": {"message": "Rate limit reached", "code": "rate_limit"}},
                    headers={"retry-after": "1"})
    with ReplayServer([limited, ok()]) as server:
        start = time.monotonic()
        r = client_for(server).chat("openai/gpt-4o-mini", "hello")
        waited = time.monotonic() - start
    assert r.text and waited >= 1.0


def test_retry_per_call_overrides_the_client() -> None:
    with ReplayServer([Reply(500, ERROR), ok()]) as server:
        with pytest.raises(ServerError):
            client_for(server).chat("openai/gpt-4o-mini", "hello", retry=0)
        assert len(server.requests) == 1


async def test_async_stream_opening_is_retried() -> None:
    with ReplayServer([Reply(503, ERROR), Reply.from_interaction(STREAM, path=None)]) as srv:
        async with fluentai.AsyncClient(providers={"openai": {
                "api_key": "k-12345678", "base_url": srv.url + "/v1"}}, retry=FAST) as client:
            response = await client.stream("openai/gpt-4o", "x").collect()
    assert response.text == "The capital of Mexico is Mexico City."


def test_a_stream_that_broke_after_output_is_not_retried() -> None:
    replies = [Reply.from_interaction(STREAM, path=None, drop_after=4), ok()]
    with ReplayServer(replies) as server, pytest.raises(StreamInterruptedError) as exc:
        list(client_for(server).stream("openai/gpt-4o", "x"))
    assert exc.value.partial is not None and exc.value.partial.text == "The capital of"
    assert len(server.requests) == 1


def test_a_drop_before_the_first_token_is_a_retryable_connection_error() -> None:
    with ReplayServer([Reply.from_interaction(STREAM, path=None, drop_after=0), ok()]) as srv:
        with pytest.raises(APIConnectionError, match="broke before the first token") as exc:
            client_for(srv).stream("openai/gpt-4o", "x", retry=0).collect()
        assert exc.value.retryable and exc.value.partial is None


def test_circuit_opens_fails_fast_and_recovers_through_half_open() -> None:
    replies = [Reply(500, ERROR), Reply(500, ERROR), ok(), ok()]
    with ReplayServer(replies) as server:
        client = client_for(server, circuit_breaker={"threshold": 2, "recovery": 0.3})
        for _ in range(2):
            with pytest.raises(ServerError):
                client.chat("openai/gpt-4o-mini", "hello", retry=0)
        with pytest.raises(CircuitOpenError, match="try again in"):
            client.chat("openai/gpt-4o-mini", "hello", retry=0)
        assert len(server.requests) == 2  # failed fast: nothing sent
        time.sleep(0.35)
        assert client.chat("openai/gpt-4o-mini", "hello").text  # the half-open trial
        assert client.chat("openai/gpt-4o-mini", "hello").text  # closed again
        assert client._core.breaker(client.provider("openai")).state == "closed"


def test_fallback_moves_to_the_next_model_and_says_so() -> None:
    with ReplayServer([Reply(500, ERROR, repeat=True)]) as bad, \
            ReplayServer([ok()]) as good:
        client = fluentai.Client(providers={
            "openai": {"api_key": "sk-bad-1234", "base_url": bad.url + "/v1"},
            "groq": {"api_key": "gsk-good-1234", "base_url": good.url}},
            retry=RetryPolicy(max_attempts=2, initial_backoff=0.01))
        if "groq" not in client.providers():
            pytest.skip("fluentai-groq is not installed")
        r = client.chat(["openai/gpt-4o-mini", "groq/llama-3.3-70b-versatile"], "hello")
    assert r.provider == "groq" and r.text == "Hello! How can I assist you today?"
    assert r.provider_metadata["fallback"] == {"skipped": ["openai/gpt-4o-mini"]}


def test_rotated_key_applies_to_new_requests_not_to_one_in_flight() -> None:
    slow = Reply.from_interaction(STREAM, path=None, chunk_delay=0.05)
    with ReplayServer([slow, ok()]) as server:
        client = client_for(server)
        started = threading.Event()
        result: dict[str, str] = {}

        def consume() -> None:
            stream = client.stream("openai/gpt-4o", "x")
            for _ in stream:
                started.set()
            result["text"] = stream.response.text if stream.response else ""

        worker = threading.Thread(target=consume)
        worker.start()
        started.wait(5)
        client.set_api_key("openai", "sk-rotated-2")
        client.chat("openai/gpt-4o-mini", "hello")
        worker.join(10)
        keys = [r.headers["authorization"] for r in server.requests]
    assert keys == ["Bearer sk-resilience-1", "Bearer sk-rotated-2"]
    assert result["text"] == "The capital of Mexico is Mexico City."


def test_many_concurrent_streams_share_one_client() -> None:
    async def run() -> list[str]:
        reply = Reply.from_interaction(STREAM, path=None, repeat=True)
        with ReplayServer([reply]) as server:
            async with fluentai.AsyncClient(providers={"openai": {
                    "api_key": "k-12345678", "base_url": server.url + "/v1"}}) as client:
                streams = [client.stream("openai/gpt-4o", "x").collect() for _ in range(200)]
                return [r.text for r in await asyncio.gather(*streams)]

    texts = asyncio.run(run())
    assert texts == ["The capital of Mexico is Mexico City."] * 200
