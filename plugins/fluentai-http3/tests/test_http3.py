"""HTTP/3 against a real QUIC server: hypercorn on 127.0.0.1 with a certificate made for
the test, serving recorded OpenAI traffic on one port over TCP (HTTP/2) and UDP (HTTP/3).
The provider is an OpenAI-compatible one declared here, so this plugin's tests need no
other plugin."""

from __future__ import annotations

import asyncio
import socket
import sys
from pathlib import Path
from typing import Any

import pytest

import fluentai
from fluentai import OpenAICompatible, hookimpl
from fluentai.errors import APIConnectionError, APITimeoutError, ServerError
from fluentai.events import TextDelta
from fluentai.retry import RetryPolicy
from fluentai.testing import ReplayServer, Reply, load_cassette, make_tls, recordings
from fluentai.testing.tls import TLS
from fluentai.timeouts import Timeout
from fluentai.transport import TransportOptions

FIX = recordings(__file__) / "openai"
STREAM = load_cassette(FIX / "test_dbos_model_stream_direct.yaml")[0]
CHAT = load_cassette(FIX / "test_max_completion_tokens[gpt-4o-mini].yaml")[0]
TEXT = "The capital of Mexico is Mexico City."


class Local(OpenAICompatible):
    name = "local"
    base_url = "https://127.0.0.1/v1"
    api_key_env = ("LOCAL_API_KEY",)


@hookimpl
def fluentai_providers() -> list[type[Local]]:
    return [Local]


PLUGIN = sys.modules[__name__]


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TLS:
    return make_tls(Path(tmp_path_factory.mktemp("tls")))


def stream_reply(**kw: Any) -> Reply:
    return Reply.from_interaction(STREAM, path=None, repeat=True, **kw)


def options(tls: TLS, name: str = "http3", **kw: Any) -> TransportOptions:
    return TransportOptions(name=name, verify=tls.ca_file, **kw)


def sync_client(server: ReplayServer, transport: Any, **kw: Any) -> fluentai.Client:
    return fluentai.Client(plugins=[PLUGIN], transport=transport, providers={"local": {
        "api_key": "sk-h3-secret-1234", "base_url": server.url + "/v1"}}, **kw)


def async_client(server: ReplayServer, transport: Any, **kw: Any) -> fluentai.AsyncClient:
    return fluentai.AsyncClient(plugins=[PLUGIN], transport=transport, providers={"local": {
        "api_key": "sk-h3-secret-1234", "base_url": server.url + "/v1"}}, **kw)


def test_http3_gives_the_same_events_as_http2(tls: TLS) -> None:
    with ReplayServer([stream_reply()], tls=tls, http3=True) as server:
        with sync_client(server, options(tls, "http2")) as c:
            over_h2 = list(c.stream("local/gpt-4o", "x"))
        with sync_client(server, options(tls)) as c:
            over_h3 = list(c.stream("local/gpt-4o", "x"))
        versions = [r.http_version for r in server.requests]
    assert over_h3 == over_h2 and len(over_h3) > 5
    assert versions == ["2", "3"]
    assert server.requests[1].headers["authorization"] == "Bearer sk-h3-secret-1234"


async def test_async_http3_streams_share_one_quic_connection(tls: TLS) -> None:
    with ReplayServer([stream_reply(chunk_delay=0.01)], tls=tls, http3=True) as server:
        async with async_client(server, options(tls)) as c:
            streams = [c.stream("local/gpt-4o", "x").collect() for _ in range(50)]
            texts = [r.text for r in await asyncio.gather(*streams)]
            await c.stream("local/gpt-4o", "x").collect()  # later: the same connection
        assert texts == [TEXT] * 50
        assert {r.http_version for r in server.requests} == {"3"}
        assert len({r.client_port for r in server.requests}) == 1


def test_a_non_streamed_request_and_an_error_status(tls: TLS) -> None:
    error = {"error": {"message": "The server had an error", "type": "server_error"}}
    chat = Reply.from_interaction(CHAT, path=None)
    with ReplayServer([Reply(500, error), chat, Reply(500, error)], tls=tls,
                      http3=True) as server, \
            sync_client(server, options(tls),
                        retry=RetryPolicy(max_attempts=2, initial_backoff=0.01)) as c:
        assert c.chat("local/gpt-4o-mini", "hello").text == \
            "Hello! How can I assist you today?"
        with pytest.raises(ServerError, match="The server had an error"):
            c.chat("local/gpt-4o-mini", "hello", retry=0)
        assert [r.json["model"] for r in server.requests] == ["gpt-4o-mini"] * 3


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_no_first_token_over_http3_is_a_typed_timeout(tls: TLS, mode: str) -> None:
    with ReplayServer([stream_reply(body_delay=3)], tls=tls, http3=True) as server:
        timeout = Timeout(first_token=0.3)
        if mode == "sync":
            with sync_client(server, options(tls), timeout=timeout, retry=0) as c, \
                    pytest.raises(APITimeoutError) as info:
                c.stream("local/gpt-4o", "x").collect()
        else:
            async def run() -> None:
                async with async_client(server, options(tls), timeout=timeout, retry=0) as c:
                    await c.stream("local/gpt-4o", "x").collect()
            with pytest.raises(APITimeoutError) as info:
                asyncio.run(run())
    assert info.value.phase == "first_token"


def test_leaving_a_stream_early_resets_it_and_keeps_the_connection(tls: TLS) -> None:
    with ReplayServer([stream_reply(chunk_delay=0.3)], tls=tls, http3=True) as server, \
            sync_client(server, options(tls)) as c:
        for _ in range(2):
            for event in c.stream("local/gpt-4o", "x"):
                if isinstance(event, TextDelta):
                    break
            assert server.wait_idle(2)  # the server stopped sending at once
        assert server.abandoned == 2
        assert len({r.client_port for r in server.requests}) == 1


def test_an_untrusted_certificate_fails_the_handshake(tls: TLS) -> None:
    other = make_tls()  # a CA the server's certificate does not chain to
    with ReplayServer([stream_reply()], tls=tls, http3=True) as server, \
            sync_client(server, options(other), retry=0) as c, \
            pytest.raises(APIConnectionError, match="QUIC handshake") as info:
        c.chat("local/gpt-4o", "x")
    assert "sk-h3-secret" not in str(info.value)


def test_no_quic_listener_is_a_connect_timeout(tls: TLS) -> None:
    with ReplayServer([stream_reply()], tls=tls) as server, \
            sync_client(server, options(tls), retry=0, timeout=Timeout(connect=0.5)) as c, \
            pytest.raises(APITimeoutError) as info:
        c.chat("local/gpt-4o", "x")  # TCP is served, UDP is not
    assert info.value.phase == "connect"


def test_plain_http_is_refused_with_a_reason() -> None:
    with ReplayServer([stream_reply()]) as server, \
            sync_client(server, "http3", retry=0) as c, \
            pytest.raises(APIConnectionError, match="always encrypted"):
        c.chat("local/gpt-4o", "x")


def test_without_opting_in_requests_stay_on_http1(tls: TLS) -> None:
    with ReplayServer([stream_reply()], tls=tls, http3=True) as server, \
            sync_client(server, TransportOptions(verify=tls.ca_file)) as c:
        c.stream("local/gpt-4o", "x").collect()
        assert server.requests[0].http_version == "1.1"


def test_udp_port_is_really_quic(tls: TLS) -> None:
    """The server under test listens on UDP at the HTTPS port, as real h3 servers do."""
    with ReplayServer([stream_reply()], tls=tls, http3=True) as server:
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        with pytest.raises(OSError):
            probe.bind(("127.0.0.1", server.port))
        probe.close()
