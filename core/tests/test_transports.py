"""Named transports: the same recorded stream read over HTTP/1.1 (uvicorn) and over TLS with
HTTP/1.1 and HTTP/2 (hypercorn, ALPN) gives identical events; HTTP/2 multiplexes
concurrent streams on one connection; an unknown transport says what to install."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

import fluentai
from fluentai.errors import APIConnectionError, ConfigurationError
from fluentai.testing import ReplayServer, Reply, load_cassette, make_tls, recordings
from fluentai.testing.tls import TLS
from fluentai.transport import TransportOptions

pytest.importorskip("fluentai_openai")
pytest.importorskip("h2")

STREAM = load_cassette(recordings(__file__) / "openai" / "test_dbos_model_stream_direct.yaml")[0]


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TLS:
    return make_tls(Path(tmp_path_factory.mktemp("tls")))


def reply(**kw: Any) -> Reply:
    return Reply.from_interaction(STREAM, path=None, repeat=True, **kw)


def client(server: ReplayServer, transport: Any, **kw: Any) -> fluentai.Client:
    return fluentai.Client(providers={"openai": {
        "api_key": "sk-transport-1234", "base_url": server.url + "/v1",
        "transport": transport}}, **kw)


def events_over(server: ReplayServer, transport: Any) -> list[Any]:
    with client(server, transport) as c:  # closed: the server stops without waiting on it
        return list(c.stream("openai/gpt-4o", "x"))


def test_http2_gives_the_same_events_as_http1(tls: TLS) -> None:
    with ReplayServer([reply()]) as plain:
        over_h1 = events_over(plain, "http1")
    with ReplayServer([reply()], tls=tls) as secure:
        over_tls = events_over(secure, TransportOptions(name="http1", verify=tls.ca_file))
        over_h2 = events_over(secure, TransportOptions(name="http2",
                                                       verify=tls.client_context()))
        versions = [r.http_version for r in secure.requests]
    assert over_h1 == over_tls == over_h2 and len(over_h1) > 5
    assert versions == ["1.1", "2"]


def test_http2_multiplexes_concurrent_streams_on_one_connection(tls: TLS) -> None:
    async def run() -> tuple[list[str], set[int], set[str]]:
        with ReplayServer([reply(chunk_delay=0.01)], tls=tls) as server:
            async with fluentai.AsyncClient(providers={"openai": {
                    "api_key": "sk-transport-1234", "base_url": server.url + "/v1"}},
                    transport=TransportOptions(name="http2", verify=tls.ca_file)) as c:
                streams = [c.stream("openai/gpt-4o", "x").collect() for _ in range(50)]
                texts = [r.text for r in await asyncio.gather(*streams)]
            return (texts, {r.client_port for r in server.requests},
                    {r.http_version for r in server.requests})

    texts, ports, versions = asyncio.run(run())
    assert texts == ["The capital of Mexico is Mexico City."] * 50
    assert versions == {"2"} and len(ports) == 1


def test_a_certificate_not_trusted_is_a_connection_error(tls: TLS) -> None:
    with ReplayServer([reply()], tls=tls) as server, \
            pytest.raises(APIConnectionError, match="CERTIFICATE_VERIFY_FAILED"):
        client(server, "http2", retry=0).chat("openai/gpt-4o", "x")


def test_the_transport_can_come_from_the_environment(tls: TLS) -> None:
    with ReplayServer([reply()], tls=tls) as server, fluentai.Client(
            providers={"openai": {"api_key": "sk-transport-1234",
                                  "base_url": server.url + "/v1"}},
            transport=TransportOptions(verify=tls.ca_file),
            env={"FLUENTAI_OPENAI_TRANSPORT": "http2"}) as c:
        assert c.stream("openai/gpt-4o", "x").collect().text
        assert server.requests[0].http_version == "2"


def test_an_unknown_transport_says_what_to_install() -> None:
    with ReplayServer([reply()]) as server, \
            pytest.raises(ConfigurationError, match="No installed plugin provides the "
                                                    "transport 'carrier-pigeon'"):
        client(server, "carrier-pigeon").chat("openai/gpt-4o", "x")


@pytest.mark.parametrize("name", ["http1", "http2", "aiohttp"])
def test_first_token_timeout_over_tls(tls: TLS, name: str) -> None:
    """The sync watchdog wakes a read blocked inside TLS (HTTP/1.1, aiohttp), and HTTP/2
    meets the deadline through its clamped read limit."""
    from fluentai.errors import APITimeoutError
    from fluentai.timeouts import Timeout

    if name == "aiohttp":
        pytest.importorskip("fluentai_aiohttp")

    options = TransportOptions(name=name, verify=tls.ca_file)
    with ReplayServer([reply(body_delay=3)], tls=tls) as server, \
            client(server, options, retry=0, timeout=Timeout(first_token=0.3)) as c, \
            pytest.raises(APITimeoutError) as info:
        c.stream("openai/gpt-4o", "x").collect()
    assert info.value.phase == "first_token"


def test_aiohttp_gives_the_same_events_over_tls(tls: TLS) -> None:
    """fluentai-aiohttp (transport contract version 2) against httpx, sync and async."""
    pytest.importorskip("fluentai_aiohttp")

    async def over_async(server: ReplayServer) -> list[Any]:
        async with fluentai.AsyncClient(providers={"openai": {
                "api_key": "sk-transport-1234", "base_url": server.url + "/v1"}},
                transport=TransportOptions(name="aiohttp", verify=tls.ca_file)) as c:
            return [ev async for ev in c.stream("openai/gpt-4o", "x")]

    with ReplayServer([reply()], tls=tls) as secure:
        over_httpx = events_over(secure, TransportOptions(name="http1", verify=tls.ca_file))
        over_aiohttp = events_over(secure, TransportOptions(name="aiohttp",
                                                            verify=tls.client_context()))
        over_async_ = asyncio.run(over_async(secure))
    assert over_aiohttp == over_async_ == over_httpx and len(over_httpx) > 5
