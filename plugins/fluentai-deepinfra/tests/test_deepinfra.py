"""DeepInfra against a real local server: endpoint, auth and decoding of a real
OpenAI-compatible response (no DeepInfra recording exists in the shared fixtures: the body is
Together's recorded answer served through the Hugging Face router)."""

from __future__ import annotations

from fluentai.testing.conformance import ProviderSuite


class TestDeepInfraConformance(ProviderSuite):
    provider = "deepinfra"
    base_path = "/v1/openai"
    default_base_url = "https://api.deepinfra.com/v1/openai"
    chat_path = "/chat/completions"
    capabilities = {"chat", "stream", "tools", "json", "embeddings", "models"}

