"""MiniMax against a real local server: endpoint, auth and decoding of a real
OpenAI-compatible response (no MiniMax recording exists in the shared fixtures: the body is
Together's recorded answer served through the Hugging Face router)."""

from __future__ import annotations

import fluentai
from fluentai.testing.conformance import ProviderSuite


class TestMiniMaxConformance(ProviderSuite):
    provider = "minimax"
    base_path = "/v1"
    default_base_url = "https://api.minimax.io/v1"
    chat_path = "/chat/completions"
    capabilities = {"chat", "stream", "tools"}



def test_china_region() -> None:
    provider = fluentai.Client(env={}, providers={"minimax": {"region": "cn"}}).provider("minimax")
    assert provider.base_url == "https://api.minimaxi.com/v1"
