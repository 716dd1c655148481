"""Together AI against a real local server: endpoint, auth and decoding of a real
OpenAI-compatible response (no Together AI recording exists in the shared fixtures: the body is
Together's recorded answer served through the Hugging Face router)."""

from __future__ import annotations

import fluentai
from fluentai.testing import ReplayServer, Reply, fixtures_dir, load_cassette
from fluentai.testing.conformance import ProviderSuite

RECORDED = fixtures_dir() / "huggingface" / "test_request_simple_usage.yaml"


class TestTogetherConformance(ProviderSuite):
    provider = "together"
    capabilities = {"chat", "stream", "tools", "json", "vision", "embeddings", "models"}


def test_chat_reaches_the_documented_endpoint() -> None:
    it = load_cassette(RECORDED)[0]
    with ReplayServer([Reply(200, it.response_body, headers=it.response_headers)]) as server:
        client = fluentai.Client(providers={"together": {"api_key": "key-123",
                                                      "base_url": server.url + "/v1"}})
        r = client.chat("together/deepseek-ai/DeepSeek-R1", "Hello")
        sent = server.requests[0]
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == "Bearer key-123"
    assert sent.json["model"] == "deepseek-ai/DeepSeek-R1"
    assert r.text.startswith("<think>") and r.usage.input_tokens > 0


def test_default_endpoint_and_key_variable() -> None:
    provider = fluentai.Client(env={"TOGETHER_API_KEY": "k"}).provider("together")
    assert provider.base_url == "https://api.together.xyz/v1" and provider.configured


def test_embeddings_request() -> None:
    # shape from https://docs.together.ai/reference/embeddings-2
    body = {"object": "list", "model": "BAAI/bge-large-en-v1.5",
            "data": [{"object": "embedding", "index": 0, "embedding": [0.1, -0.2]}]}
    with ReplayServer([Reply(200, body, path="/v1/embeddings")]) as server:
        r = fluentai.Client(providers={"together": {"api_key": "k",
                                                    "base_url": server.url + "/v1"}}
                            ).embed("together/BAAI/bge-large-en-v1.5", "hello")
        sent = server.requests[0].json
    assert sent == {"input": ["hello"], "model": "BAAI/bge-large-en-v1.5"}
    assert r.vectors == [[0.1, -0.2]]
