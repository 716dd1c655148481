"""Hugging Face Inference Providers against a real local server replaying recorded traffic."""

from __future__ import annotations

import fluentai
from fluentai.testing.conformance import Case, ProviderSuite

FIX = "pydantic-ai/test_huggingface/"


class TestHuggingFaceConformance(ProviderSuite):
    provider = "huggingface"
    base_path = "/together/v1"  # the recordings went through the router's Together route
    capabilities = {"chat", "stream", "tools", "json", "models"}
    cases = {
        "chat": Case(recording="huggingface/test_request_simple_usage.yaml",
                     model="deepseek-ai/DeepSeek-R1", prompt="Hello", expect_usage=(4, 258),
                     expect_finish="stop"),
        "usage": Case(recording=FIX + "test_hf_model_instructions.yaml",
                      model="deepseek-ai/DeepSeek-R1", expect_usage=(16, 216)),
    }


def test_default_router_and_token_variables() -> None:
    provider = fluentai.Client(env={"HUGGING_FACE_HUB_TOKEN": "hf_x"}).provider("hf")
    assert provider.base_url == "https://router.huggingface.co/v1" and provider.configured
