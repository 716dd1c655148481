"""GitHub Models against a real local server: endpoint, auth and decoding of a real
OpenAI-compatible response (no GitHub Models recording exists in the shared fixtures: the body is
Together's recorded answer served through the Hugging Face router)."""

from __future__ import annotations

import fluentai
from fluentai.testing import ReplayServer, Reply, fixtures_dir, load_cassette
from fluentai.testing.conformance import ProviderSuite

RECORDED = fixtures_dir() / "huggingface" / "test_request_simple_usage.yaml"


class TestGitHubConformance(ProviderSuite):
    provider = "github"
    capabilities = {"chat", "stream", "tools", "json", "vision", "embeddings", "models"}


def test_chat_reaches_the_documented_endpoint() -> None:
    it = load_cassette(RECORDED)[0]
    with ReplayServer([Reply(200, it.response_body, headers=it.response_headers)]) as server:
        client = fluentai.Client(providers={"github": {"api_key": "key-123",
                                                      "base_url": server.url + "/inference"}})
        r = client.chat("github/deepseek/DeepSeek-R1", "Hello")
        sent = server.requests[0]
    assert sent.path == "/inference/chat/completions"
    assert sent.headers["authorization"] == "Bearer key-123"
    assert sent.json["model"] == "deepseek/DeepSeek-R1"
    assert r.text.startswith("<think>") and r.usage.input_tokens > 0


def test_default_endpoint_and_key_variable() -> None:
    provider = fluentai.Client(env={"GITHUB_TOKEN": "k"}).provider("github")
    assert provider.base_url == "https://models.github.ai/inference" and provider.configured


def test_live_listing_reads_the_catalog_endpoint() -> None:
    # shape from https://docs.github.com/en/rest/models/catalog
    catalog = [{"id": "openai/gpt-4.1", "name": "OpenAI GPT-4.1", "publisher": "OpenAI",
                "limits": {"max_input_tokens": 1048576, "max_output_tokens": 32768}}]
    with ReplayServer([Reply(200, catalog, path="/catalog/models")]) as server:
        models = fluentai.Client(providers={"github": {"api_key": "ghp_x",
                                                       "base_url": server.url + "/inference"}}
                                 ).models("github")
        sent = server.requests[0]
    live = {m.id: m for m in models if m.live}
    assert live["openai/gpt-4.1"].context_window == 1048576
    assert sent.headers["x-github-api-version"] == "2022-11-28"
