"""Moonshot (Kimi) against a real local server replaying recorded Moonshot traffic."""

from __future__ import annotations

import pytest

import fluentai
from fluentai.errors import ConfigurationError
from fluentai.testing.conformance import Case, ProviderSuite

URL = "https://api.moonshot.ai/v1/chat/completions"
FIX = "vercel-ai/moonshotai/"


class TestMoonshotConformance(ProviderSuite):
    provider = "moonshot"
    base_path = "/v1"
    capabilities = {"chat", "stream", "tools", "reasoning", "models"}
    cases = {
        "chat": Case(recording=FIX + "moonshotai-text.json", url=URL, model="kimi-k3",
                     expect_text="Hello, world!", expect_usage=(9, 5), expect_finish="stop"),
        "stream": Case(recording=FIX + "moonshotai-stream.chunks.txt", url=URL, stream=True,
                       model="kimi-k3", expect_text="Hello!", expect_reasoning=True,
                       expect_usage=(9, 12), expect_finish="stop"),
        "reasoning": Case(recording=FIX + "moonshotai-reasoning.json", url=URL,
                          model="kimi-k2.6", expect_text="There are three.",
                          expect_reasoning=True, expect_usage=(20, 30)),
    }


def test_regions_choose_the_endpoint() -> None:
    intl = fluentai.Client(env={}).provider("moonshot")
    cn = fluentai.Client(env={"FLUENTAI_MOONSHOT_REGION": "cn"}).provider("moonshot")
    arg = fluentai.Client(env={}, providers={"moonshot": {"region": "cn"}}).provider("moonshot")
    assert intl.base_url == "https://api.moonshot.ai/v1"
    assert cn.base_url == arg.base_url == "https://api.moonshot.cn/v1"
    with pytest.raises(ConfigurationError, match="choose one of intl, cn"):
        fluentai.Client(env={}, providers={"moonshot": {"region": "eu"}}).provider("moonshot")
