"""Qwen on DashScope against a real local server replaying recorded DashScope traffic."""

from __future__ import annotations

import fluentai
from fluentai.testing import ReplayServer, load_cassette, recordings
from fluentai.testing.conformance import Case, ProviderSuite

URL = "https://dashscope-intl.aliyuncs.com/compatible-mode/v1/chat/completions"
FIX = "vercel-ai/alibaba/"


class TestQianwenConformance(ProviderSuite):
    provider = "qianwen"
    base_path = "/compatible-mode/v1"
    capabilities = {"chat", "stream", "tools", "reasoning", "vision", "json", "embeddings",
                    "models"}
    cases = {
        "reasoning": Case(recording=FIX + "alibaba-reasoning.json", url=URL, model="qwen3-max",
                          expect_reasoning=True, expect_usage=(24, 1668),
                          expect_finish="stop"),
        "tool_call": Case(recording=FIX + "alibaba-tool-call.json", url=URL, model="qwen3-max",
                          expect_tool_calls=[("weather", {"location": "San Francisco"})],
                          expect_finish="tool_calls"),
    }


def test_reasoning_switches_on_thinking_with_a_budget() -> None:
    [it] = load_cassette(recordings(__file__) / (FIX + "alibaba-reasoning.json"), url=URL)
    with ReplayServer.from_cassette([it]) as server:
        r = fluentai.Client(providers={"qwen": {"api_key": "sk-ds",
                                                "base_url": server.url + "/compatible-mode/v1"}}
                            ).chat("qwen/qwen3-max", "How many r in strawberry?", reasoning=2048)
        sent = server.requests[0].json
    assert sent["enable_thinking"] is True and sent["thinking_budget"] == 2048
    assert "reasoning_effort" not in sent
    assert r.usage.reasoning_tokens == 1353 and r.reasoning.startswith("We are asked")


def test_regions() -> None:
    client = fluentai.Client(env={}, providers={"qianwen": {"region": "cn"}})
    assert client.provider("qianwen").base_url == \
        "https://dashscope.aliyuncs.com/compatible-mode/v1"
