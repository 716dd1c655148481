"""AI21 against a real local server: endpoint, auth and decoding of a real
OpenAI-compatible response (no AI21 recording exists in the shared fixtures: the body is
Together's recorded answer served through the Hugging Face router)."""

from __future__ import annotations

from fluentai.testing.conformance import ProviderSuite


class TestAI21Conformance(ProviderSuite):
    provider = "ai21"
    base_path = "/studio/v1"
    default_base_url = "https://api.ai21.com/studio/v1"
    chat_path = "/chat/completions"
    capabilities = {"chat", "stream", "tools"}

