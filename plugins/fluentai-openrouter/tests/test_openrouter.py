"""OpenRouter against a real local server replaying recorded OpenRouter traffic."""

from __future__ import annotations

import pytest

import fluentai
from fluentai.errors import RateLimitError
from fluentai.testing import ReplayServer, Reply, load_cassette, recordings
from fluentai.testing.conformance import Case, ProviderSuite

FIX = recordings(__file__) / "openrouter"


class TestOpenRouterConformance(ProviderSuite):
    provider = "openrouter"
    base_path = "/api/v1"
    capabilities = {"chat", "stream", "tools", "reasoning", "vision", "json", "models"}
    cases = {
        "stream": Case(recording="openrouter/test_openrouter_streaming_reasoning.yaml",
                       model="anthropic/claude-sonnet-4.5", prompt="What is 2+2?", stream=True,
                       expect_text="2 + 2 = 4", expect_reasoning=True, expect_usage=(43, 36),
                       expect_finish="stop"),
        "stream_reasoning": Case(recording="openrouter/test_openrouter_streaming_reasoning.yaml",
                                 stream=True, expect_reasoning=True),
        "tool_call": Case(recording="openrouter/test_openrouter_tool_calling.yaml",
                          model="mistralai/mistral-small",
                          expect_tool_calls=[("divide", {"numerator": 123, "denominator": 456,
                                                         "on_inf": "infinity"})],
                          expect_finish="tool_calls"),
        "provider_error": Case(recording="openrouter/test_openrouter_errors_raised.yaml",
                               expect_error="RateLimitError"),
    }


def test_reasoning_request_option_and_app_headers() -> None:
    it = load_cassette(FIX / "test_openrouter_streaming_reasoning.yaml")[0]
    with ReplayServer.from_cassette([it]) as server:
        client = fluentai.Client(providers={"openrouter": {
            "api_key": "sk-or-k", "base_url": server.url + "/api/v1",
            "app_url": "https://example.app", "app_name": "Example"}})
        r = client.stream("openrouter/anthropic/claude-sonnet-4.5", "What is 2+2?",
                          provider_options={"reasoning": {"enabled": True}}).collect()
        sent = server.requests[0]
    assert sent.json == it.request_json
    assert sent.headers["http-referer"] == "https://example.app"
    assert sent.headers["x-title"] == "Example"
    assert r.reasoning == "This is a simple arithmetic question. 2+2 equals 4."


def test_recorded_429_is_a_rate_limit_error() -> None:
    it = load_cassette(FIX / "test_openrouter_errors_raised.yaml")[0]
    with ReplayServer([Reply.from_interaction(it)]) as server, \
            pytest.raises(RateLimitError) as exc:
        fluentai.Client(providers={"openrouter": {"api_key": "k",
                                                  "base_url": server.url + "/api/v1"}}
                        ).chat("openrouter/google/gemini-2.0-flash-exp:free", "Tell me a joke.",
                               retry=0)
    assert exc.value.status_code == 429 and "Provider returned error" in str(exc.value)
