"""Zhipu AI (GLM) against a real local server replaying recorded z.ai traffic."""

from __future__ import annotations

import fluentai
from fluentai.testing import ReplayServer, load_cassette, recordings
from fluentai.testing.conformance import Case, ProviderSuite

FIX = "pydantic-ai/test_zai/"
KEEP = {"thinking": {"clear_thinking": False, "type": "enabled"}}


class TestZhipuAIConformance(ProviderSuite):
    provider = "zhipuai"
    base_path = "/api/paas/v4"
    capabilities = {"chat", "stream", "tools", "reasoning", "vision", "json", "models"}
    cases = {
        "stream_reasoning": Case(recording=FIX + "test_zai_thinking_stream.yaml",
                                 model="glm-4.7", prompt="What is 2 + 2?", stream=True,
                                 call={"provider_options": KEEP},
                                 expect_text="4", expect_reasoning=True, expect_usage=(13, 564),
                                 expect_request=True),
        "reasoning": Case(recording=FIX + "test_zai_glm_5_3_reasoning_effort.yaml",
                          model="glm-5.3", prompt="What is 2 + 2?",
                          call={"reasoning": "max", "provider_options": KEEP},
                          expect_text="2 + 2 = 4", expect_reasoning=True,
                          expect_request=True),
    }


def test_reasoning_sends_thinking_enabled() -> None:
    it = load_cassette(recordings(__file__) / (FIX + "test_zai_glm_5_3_reasoning_effort.yaml"))[0]
    with ReplayServer.from_cassette([it]) as server:
        fluentai.Client(providers={"glm": {"api_key": "k",
                                           "base_url": server.url + "/api/paas/v4"}}
                        ).chat("glm/glm-5.3", "What is 2 + 2?", reasoning="high")
        sent = server.requests[0].json
    assert sent["thinking"] == {"type": "enabled"} and sent["reasoning_effort"] == "high"


def test_regions() -> None:
    assert fluentai.Client(env={}).provider("zhipuai").base_url == \
        "https://open.bigmodel.cn/api/paas/v4"
    assert fluentai.Client(env={}, providers={"zhipuai": {"region": "intl"}}
                           ).provider("zhipuai").base_url == "https://api.z.ai/api/paas/v4"
