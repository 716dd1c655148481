"""Voyage against a real local server replaying recorded Voyage traffic; batching of
10,000 inputs through a server that computes each vector from the text it received."""

from __future__ import annotations

import base64
import json
import threading
from array import array
from typing import Any

import pytest

import fluentai
from fluentai.errors import InvalidInputError, InvalidRequestError
from fluentai.testing import ReplayServer, Reply, load_cassette, recordings
from fluentai.testing.conformance import Case, ProviderSuite
from fluentai_voyage import Voyage

FIX = recordings(__file__) / "voyage"


class TestVoyageConformance(ProviderSuite):
    provider = "voyage"
    base_path = "/v1"
    capabilities = {"embeddings", "rerank"}
    cases = {
        "embeddings": Case(recording="voyage/TestVoyageAI.test_query.yaml", model="voyage-3.5",
                           prompt=["Hello, world!"], call={"input_type": "query"}),
        "rerank": Case(recording="voyage/voyage-reranking.1.json",
                       url="https://api.voyageai.com/v1/rerank", model="rerank-2.5",
                       prompt=("query", ["doc zero", "doc one"])),
    }


def client_for(server: ReplayServer, **kw: Any) -> fluentai.Client:
    return fluentai.Client(providers={"voyage": {"api_key": "pa-test-key-123",
                                                 "base_url": server.url + "/v1"}}, **kw)


def test_embeddings_match_the_recording_and_request() -> None:
    [it] = load_cassette(FIX / "TestVoyageAI.test_query.yaml")
    with ReplayServer.from_cassette([it]) as server:
        r = client_for(server).embed("voyage/voyage-3.5", ["Hello, world!"], input_type="query",
                                     provider_options={"truncation": False})
        sent = server.requests[0]
    assert sent.json == it.request_json
    assert sent.headers["authorization"] == "Bearer pa-test-key-123"
    packed = it.response_json["data"][0]["embedding"]
    assert r.vectors[0] == array("f", base64.b64decode(packed)).tolist()
    assert r.usage.input_tokens == it.response_json["usage"]["total_tokens"]


def test_unknown_model_400() -> None:
    [it] = load_cassette(FIX / "TestVoyageAI.test_embed_error.yaml")
    with ReplayServer([Reply.from_interaction(it)]) as server, \
            pytest.raises(InvalidRequestError, match="Model nonexistent is not supported"):
        client_for(server).embed("voyage/nonexistent", "Hello, world!")


def test_rerank_keeps_indices_scores_and_documents() -> None:
    [it] = load_cassette(FIX / "voyage-reranking.1.json", url="https://api.voyageai.com/v1/rerank")
    docs = [{"text": "sunny day at the beach"}, "rainy day in the city"]
    with ReplayServer.from_cassette([it]) as server:
        r = client_for(server).rerank("voyage/rerank-2.5", "weather", docs, top_n=2)
        sent = server.requests[0].json
    assert sent == {"query": "weather", "documents": ["sunny day at the beach",
                                                      "rainy day in the city"],
                    "model": "rerank-2.5", "top_k": 2}
    assert [(x.index, x.relevance_score, x.document) for x in r.results] == [
        (1, 0.5703125, "rainy day in the city"), (0, 0.255859375, "sunny day at the beach")]
    assert r.usage.input_tokens == 12


def test_bad_input_fails_before_any_request() -> None:
    with ReplayServer([]) as server:
        client = client_for(server)
        with pytest.raises(InvalidInputError, match="at least one input"):
            client.embed("voyage/voyage-3.5", [])
        with pytest.raises(InvalidInputError, match="document 1 has no text"):
            client.rerank("voyage/rerank-2.5", "q", ["a", {"title": "b"}])
        assert server.requests == []


class _Small(Voyage):
    max_embed_batch = 96


class _SmallPlugin:
    @staticmethod
    @fluentai.hookimpl
    def fluentai_providers() -> list[type[Voyage]]:
        return [_Small]


class _Echo:
    """An embeddings server that derives each vector from its input text and rejects
    requests over the per-request limit, as Voyage does."""

    def __init__(self) -> None:
        self.sizes: list[int] = []
        self.lock = threading.Lock()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        inputs = json.loads(body)["input"]
        with self.lock:
            self.sizes.append(len(inputs))
        if len(inputs) > 96:
            status, payload = 400, {"detail": "too many inputs"}
        else:
            data = [{"index": i, "embedding": [float(t.split("-")[1]), float(len(t))]}
                    for i, t in enumerate(inputs)]
            status, payload = 200, {"data": data, "usage": {"total_tokens": len(inputs)}}
        raw = json.dumps(payload).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": raw})


def _serve(app: _Echo) -> tuple[Any, threading.Thread, int]:
    import time

    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0,
                                           log_level="critical", lifespan="off"))
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    return server, thread, server.servers[0].sockets[0].getsockname()[1]


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_ten_thousand_inputs_are_batched_and_come_back_in_order(mode: str) -> None:
    import asyncio

    app = _Echo()
    server, thread, port = _serve(app)
    texts = [f"text-{i}" for i in range(10_000)]
    settings = {"voyage": {"api_key": "k", "base_url": f"http://127.0.0.1:{port}"}}
    try:
        if mode == "sync":
            r = fluentai.Client(plugins=[_SmallPlugin], providers=settings).embed(
                "voyage/voyage-3.5", texts)
        else:
            async def run() -> fluentai.EmbeddingResponse:
                async with fluentai.AsyncClient(plugins=[_SmallPlugin], providers=settings,
                                                max_concurrency=4) as client:
                    return await client.embed("voyage/voyage-3.5", texts)
            r = asyncio.run(run())
    finally:
        server.should_exit = True
        thread.join(timeout=5)
    assert len(r) == 10_000
    assert [int(v[0]) for v in r.vectors] == list(range(10_000))
    assert [e.index for e in r.embeddings] == list(range(10_000))
    assert max(app.sizes) == 96 and sum(app.sizes) == 10_000 and len(app.sizes) == 105
    assert r.usage.input_tokens == 10_000


def test_dimensions_the_model_cannot_output_fail_before_any_request() -> None:
    with ReplayServer([]) as server:
        with pytest.raises(InvalidInputError, match="outputs 256, 512, 1024, 2048 dimensions"):
            client_for(server).embed("voyage/voyage-3.5", "hi", dimensions=768)
        assert server.requests == []
