"""Jina against a real local server. No real Jina traffic is in the shared recordings, so
response bodies follow the shapes in Jina's API reference (https://api.jina.ai/redoc)."""

from __future__ import annotations

import base64
from array import array

import fluentai
from fluentai.testing import ReplayServer, Reply
from fluentai.testing.conformance import ProviderSuite


class TestJinaConformance(ProviderSuite):
    provider = "jina"
    capabilities = {"embeddings", "rerank"}


def client_for(server: ReplayServer) -> fluentai.Client:
    return fluentai.Client(providers={"jina": {"api_key": "jina_test_key_123",
                                               "base_url": server.url + "/v1"}})


def test_embeddings_task_dimensions_and_packed_floats() -> None:
    packed = base64.b64encode(array("f", [0.5, -0.25]).tobytes()).decode()
    body = {"model": "jina-embeddings-v3", "object": "list",
            "usage": {"total_tokens": 4, "prompt_tokens": 4},
            "data": [{"object": "embedding", "index": 0, "embedding": packed}]}
    with ReplayServer([Reply(200, body, path="/v1/embeddings")]) as server:
        r = client_for(server).embed("jina/jina-embeddings-v3", "hello", input_type="query",
                                     dimensions=2, provider_options={"late_chunking": True})
        sent = server.requests[0]
    assert sent.json == {"model": "jina-embeddings-v3", "input": ["hello"],
                         "task": "retrieval.query", "dimensions": 2,
                         "embedding_type": "base64", "late_chunking": True}
    assert sent.headers["authorization"] == "Bearer jina_test_key_123"
    assert r.vectors == [[0.5, -0.25]] and r.usage.input_tokens == 4


def test_binary_embeddings_are_lists() -> None:
    body = {"model": "jina-embeddings-v3", "data": [{"index": 0, "embedding": [12, -7]}],
            "usage": {"total_tokens": 1}}
    with ReplayServer([Reply(200, body)]) as server:
        r = client_for(server).embed("jina/jina-embeddings-v3", "x", dtype="binary")
        assert server.requests[0].json["embedding_type"] == "binary"
    assert r.vectors == [[12, -7]]


def test_rerank() -> None:
    body = {"model": "jina-reranker-v2-base-multilingual", "usage": {"total_tokens": 20},
            "results": [{"index": 1, "relevance_score": 0.9},
                        {"index": 0, "relevance_score": 0.1}]}
    with ReplayServer([Reply(200, body, path="/v1/rerank")]) as server:
        r = client_for(server).rerank("jina/jina-reranker-v2-base-multilingual", "q",
                                      ["a", "b"], top_n=2)
        sent = server.requests[0].json
    assert sent == {"model": "jina-reranker-v2-base-multilingual", "query": "q",
                    "documents": ["a", "b"], "return_documents": False, "top_n": 2}
    assert [(x.index, x.document) for x in r.results] == [(1, "b"), (0, "a")]
