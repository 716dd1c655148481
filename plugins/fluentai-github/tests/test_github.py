"""GitHub Models against a real local server: endpoint, auth and decoding of a real
OpenAI-compatible response (no GitHub Models recording exists in the shared fixtures: the body is
Together's recorded answer served through the Hugging Face router)."""

from __future__ import annotations

import fluentai
from fluentai.testing import ReplayServer, Reply
from fluentai.testing.conformance import ProviderSuite


class TestGitHubConformance(ProviderSuite):
    provider = "github"
    base_path = "/inference"
    default_base_url = "https://models.github.ai/inference"
    chat_path = "/chat/completions"
    capabilities = {"chat", "stream", "tools", "json", "vision", "embeddings", "models"}



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
