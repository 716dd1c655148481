"""Together AI against a real local server: endpoint, auth and decoding of a real
OpenAI-compatible response (no Together AI recording exists in the shared fixtures: the body is
Together's recorded answer served through the Hugging Face router)."""

from __future__ import annotations

import fluentai
from fluentai.testing import ReplayServer, Reply
from fluentai.testing.conformance import ProviderSuite


class TestTogetherConformance(ProviderSuite):
    provider = "together"
    base_path = "/v1"
    default_base_url = "https://api.together.xyz/v1"
    chat_path = "/chat/completions"
    capabilities = {"chat", "stream", "tools", "json", "vision", "embeddings", "models"}



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


def test_together_base_url_means_what_it_means_in_the_together_sdk() -> None:
    """TOGETHER_BASE_URL includes /v1, as the official SDK reads it."""
    provider = fluentai.Client(env={"TOGETHER_API_KEY": "k",
                                    "TOGETHER_BASE_URL": "https://proxy.example/v1/"}
                               ).provider("together")
    assert provider.base_url == "https://proxy.example/v1"
