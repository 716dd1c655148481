"""xAI against a real local server replaying recorded xAI traffic."""

from __future__ import annotations

from fluentai.testing.conformance import Case, ProviderSuite

URL = "https://api.x.ai/v1/chat/completions"


class TestXAIConformance(ProviderSuite):
    provider = "xai"
    base_path = "/v1"
    capabilities = {"chat", "stream", "tools", "reasoning", "vision", "json", "models"}
    cases = {
        "chat": Case(recording="xai/xai-text.json", url=URL, model="grok-3-mini",
                     expect_text="Hello", expect_reasoning=True, expect_usage=(12, 1),
                     expect_finish="stop"),
        "reasoning": Case(recording="xai/xai-text.json", url=URL, model="grok-3-mini",
                          expect_reasoning=True),
        "stream_tools": Case(recording="xai/xai-tool-call.chunks.txt", url=URL, stream=True,
                             model="grok-3-mini",
                             expect_tool_calls=[("weather", {"location": "San Francisco"})],
                             expect_reasoning=True, expect_usage=(291, 26),
                             expect_finish="tool_calls"),
    }


def test_reasoning_tokens_are_reported() -> None:
    import fluentai
    from fluentai.testing import ReplayServer, load_cassette, recordings

    it = load_cassette(recordings(__file__) / "xai/xai-text.json", url=URL)[0]
    with ReplayServer.from_cassette([it]) as server:
        r = fluentai.Client(providers={"xai": {"api_key": "xai-k",
                                               "base_url": server.url + "/v1"}}
                            ).chat("grok/grok-3-mini", "Say a single word.")
    assert r.usage.reasoning_tokens == 228 and r.provider == "xai"
