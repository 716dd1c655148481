"""DeepSeek against a real local server replaying recorded DeepSeek traffic."""

from __future__ import annotations

from fluentai.testing.conformance import Case, ProviderSuite

URL = "https://api.deepseek.com/chat/completions"


class TestDeepSeekConformance(ProviderSuite):
    provider = "deepseek"
    capabilities = {"chat", "stream", "tools", "reasoning", "json", "models"}
    cases = {
        "chat": Case(recording="deepseek/test_deepseek_model_thinking_part.yaml",
                     model="deepseek-reasoner", prompt="How do I cross the street?",
                     call={"provider_options": {"n": 1}}, expect_reasoning=True,
                     expect_usage=(12, 789), expect_finish="stop", expect_request=True),
        "length_finish": Case(recording="deepseek/deepseek-text.json", url=URL,
                              model="deepseek-chat", expect_finish="length",
                              expect_usage=(13, 300)),
        "stream_tools": Case(recording="deepseek/deepseek-tool-call.chunks.txt", url=URL,
                             stream=True, model="deepseek-reasoner", expect_reasoning=True,
                             expect_tool_calls=[("weather", {"location": "San Francisco"})],
                             expect_usage=(339, 83), expect_finish="tool_calls"),
        "stream_reasoning": Case(recording="deepseek/deepseek-tool-call.chunks.txt", url=URL,
                                 stream=True, expect_reasoning=True),
    }


def test_cache_hit_tokens_and_reasoning_tokens() -> None:
    import fluentai
    from fluentai.testing import ReplayServer, load_cassette, recordings

    it = load_cassette(recordings(__file__) / "deepseek/deepseek-tool-call.chunks.txt", url=URL)[0]
    with ReplayServer.from_cassette([it]) as server:
        r = fluentai.Client(providers={"deepseek": {"api_key": "k", "base_url": server.url}}
                            ).stream("deepseek/deepseek-reasoner", "weather?").collect()
        assert server.requests[0].path == "/chat/completions"
    assert (r.usage.cache_read_tokens, r.usage.reasoning_tokens) == (320, 39)
    assert r.reasoning.startswith("The user is asking for the weather in San Francisco.")
