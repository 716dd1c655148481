"""Mistral against a real local server replaying recorded Mistral traffic."""

from __future__ import annotations

import fluentai
from fluentai.testing import ReplayServer, Reply, load_cassette, recordings
from fluentai.testing.conformance import Case, ProviderSuite
from fluentai_mistral import tool_call_id

URL = "https://api.mistral.ai/v1/chat/completions"
FIX = recordings(__file__) / "mistral"


class TestMistralConformance(ProviderSuite):
    provider = "mistral"
    base_path = "/v1"
    capabilities = {"chat", "stream", "tools", "reasoning", "json", "vision", "models",
                    "embeddings"}
    cases = {
        "chat": Case(recording="mistral/test_mistral_forwards_penalties.yaml",
                     model="mistral-large-latest", prompt="hello",
                     call={"provider_options": {"frequency_penalty": 0.25,
                                                "presence_penalty": 0.5, "n": 1}},
                     expect_usage=(4, 36), expect_finish="stop"),
        "stream": Case(recording="mistral/mistral-text.chunks.txt", url=URL, stream=True,
                       model="mistral-small-latest",
                       expect_text="Hello, world! This is a test response.",
                       expect_usage=(13, 8), expect_finish="stop"),
        "stream_tools": Case(recording="mistral/mistral-incremental-tool-call.chunks.txt",
                             url=URL, stream=True,
                             expect_tool_calls=[("webSearchTool",
                                                 {"query": "current Berlin weather"})],
                             expect_finish="tool_calls"),
        "reasoning": Case(recording="mistral/mistral-reasoning.json", url=URL,
                          model="magistral-medium-2507", expect_text="2 + 2 = 4",
                          expect_reasoning=True),
        "stream_reasoning": Case(recording="mistral/test_mistral_model_thinking_part_iter.yaml",
                                 model="magistral-medium-latest", stream=True,
                                 prompt="How do I cross the street?", expect_reasoning=True,
                                 expect_usage=(10, 232), expect_request=True),
    }


def test_thinking_content_arrays_become_reasoning() -> None:
    it = load_cassette(FIX / "test_mistral_model_thinking_part_iter.yaml")[0]
    with ReplayServer.from_cassette([it]) as server:
        r = fluentai.Client(providers={"mistral": {"api_key": "k",
                                                   "base_url": server.url + "/v1"}}
                            ).stream("mistral/magistral-medium-latest",
                                     "How do I cross the street?").collect()
    assert r.reasoning.startswith("Okay, the user is asking how to cross the street.")
    assert r.text.startswith("To cross the street safely, follow these steps:")
    assert [type(p).__name__ for p in r.content] == ["ReasoningPart", "TextPart"]


def test_required_tool_choice_seed_and_tool_call_ids_in_history() -> None:
    it = load_cassette(FIX / "test_mistral_forwards_penalties.yaml")[0]
    history = [fluentai.Message.user("weather?"),
               fluentai.Message.assistant([fluentai.ToolCall("call_q2UyBRP7eXNTzAoR8lEhjc9Z",
                                                             "weather", {"city": "Paris"})]),
               fluentai.Message.tool("call_q2UyBRP7eXNTzAoR8lEhjc9Z", "sunny")]
    with ReplayServer([Reply.from_interaction(it)]) as server:
        fluentai.Client(providers={"mistral": {"api_key": "k", "base_url": server.url + "/v1"}}
                        ).chat("mistral/mistral-large-latest", history, seed=7,
                               tools=[fluentai.Tool("weather")], tool_choice="required")
        sent = server.requests[0].json
    assert sent["tool_choice"] == "any" and sent["random_seed"] == 7 and "seed" not in sent
    short = sent["messages"][1]["tool_calls"][0]["id"]
    assert len(short) == 9 and short.isalnum() and sent["messages"][2]["tool_call_id"] == short
    assert tool_call_id("abcDEF123") == "abcDEF123"
