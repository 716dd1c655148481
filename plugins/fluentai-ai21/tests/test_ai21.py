"""AI21 against a real local server: endpoint, auth and decoding of a real
OpenAI-compatible response (no AI21 recording exists in the shared fixtures: the body is
Together's recorded answer served through the Hugging Face router)."""

from __future__ import annotations

import fluentai
from fluentai.testing import ReplayServer, Reply, fixtures_dir, load_cassette
from fluentai.testing.conformance import ProviderSuite

RECORDED = fixtures_dir() / "huggingface" / "test_request_simple_usage.yaml"


class TestAI21Conformance(ProviderSuite):
    provider = "ai21"
    capabilities = {"chat", "stream", "tools"}


def test_chat_reaches_the_documented_endpoint() -> None:
    it = load_cassette(RECORDED)[0]
    with ReplayServer([Reply(200, it.response_body, headers=it.response_headers)]) as server:
        client = fluentai.Client(providers={"ai21": {"api_key": "key-123",
                                                      "base_url": server.url + "/studio/v1"}})
        r = client.chat("ai21/jamba-large", "Hello")
        sent = server.requests[0]
    assert sent.path == "/studio/v1/chat/completions"
    assert sent.headers["authorization"] == "Bearer key-123"
    assert sent.json["model"] == "jamba-large"
    assert r.text.startswith("<think>") and r.usage.input_tokens > 0


def test_default_endpoint_and_key_variable() -> None:
    provider = fluentai.Client(env={"AI21_API_KEY": "k"}).provider("ai21")
    assert provider.base_url == "https://api.ai21.com/studio/v1" and provider.configured
