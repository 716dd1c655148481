"""Baidu ERNIE against a real local server: endpoint, auth and decoding of a real
OpenAI-compatible response (no Baidu ERNIE recording exists in the shared fixtures: the body is
Together's recorded answer served through the Hugging Face router)."""

from __future__ import annotations

from fluentai.testing.conformance import ProviderSuite


class TestErnieConformance(ProviderSuite):
    provider = "ernie"
    base_path = "/v2"
    default_base_url = "https://qianfan.baidubce.com/v2"
    chat_path = "/chat/completions"
    capabilities = {"chat", "stream", "tools"}

