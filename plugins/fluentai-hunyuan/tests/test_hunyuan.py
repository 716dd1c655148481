"""Tencent Hunyuan against a real local server: endpoint, auth and decoding of a real
OpenAI-compatible response (no Tencent Hunyuan recording exists in the shared fixtures: the body is
Together's recorded answer served through the Hugging Face router)."""

from __future__ import annotations

from fluentai.testing.conformance import ProviderSuite


class TestHunyuanConformance(ProviderSuite):
    provider = "hunyuan"
    base_path = "/v1"
    default_base_url = "https://api.hunyuan.cloud.tencent.com/v1"
    chat_path = "/chat/completions"
    capabilities = {"chat", "stream", "tools"}

