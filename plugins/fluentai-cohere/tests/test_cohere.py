"""Cohere v2 against a real local server replaying recorded Cohere traffic."""

from __future__ import annotations

import pytest

import fluentai
from fluentai.errors import AuthenticationError
from fluentai.testing import ReplayServer, Reply, load_cassette, recordings
from fluentai.testing.conformance import Case, ProviderSuite

FIX = recordings(__file__) / "cohere"
CHAT = "https://api.cohere.com/v2/chat"


class TestCohereConformance(ProviderSuite):
    provider = "cohere"
    default_base_url = "https://api.cohere.com"
    capabilities = {"chat", "stream", "tools", "reasoning", "json", "embeddings", "rerank",
                    "models"}
    cases = {
        "chat": Case(recording="cohere/test_request_simple_success_with_vcr.yaml",
                     model="command-r7b-12-2024", prompt="hello",
                     expect_text="Hello! How can I assist you today?", expect_usage=(496, 11),
                     expect_finish="stop", expect_request=True),
        "tool_choice": Case(recording="cohere/test_tool_choice_matrix[required-cohere].yaml",
                            model="command-r7b-12-2024", call={"tool_choice": "required"},
                            expect_tool_calls=[("get_weather", {"city": "Paris"})],
                            expect_finish="tool_calls", expect_usage=(1452, 33)),
        "stream": Case(recording="cohere/cohere-text.chunks.txt", url=CHAT, stream=True,
                       expect_text="The capital of France is Paris.", expect_usage=(507, 10),
                       expect_finish="stop"),
        "tool_no_arguments": Case(recording="cohere/cohere-empty-tool-call.chunks.txt",
                                  url=CHAT, stream=True,
                                  expect_tool_calls=[("currentTime", {})],
                                  expect_finish="tool_calls", expect_reasoning=True),
        "stream_reasoning": Case(recording="cohere/cohere-reasoning.chunks.txt", url=CHAT,
                                 stream=True, expect_text="The answer to 2 + 2 is 4.",
                                 expect_reasoning=True, expect_usage=(1394, 54)),
        "embeddings": Case(recording="cohere/cohere-embedding.json",
                           url="https://api.cohere.com/v2/embed", model="embed-v4.0",
                           prompt=["sunny day at the beach", "rainy day in the city"]),
        "rerank": Case(recording="cohere/cohere-reranking.1.json",
                       url="https://api.cohere.com/v2/rerank", model="rerank-v3.5",
                       prompt=("weather", ["sunny day at the beach", "rainy day in the city"])),
    }


def client_for(server: ReplayServer) -> fluentai.Client:
    return fluentai.Client(providers={"cohere": {"api_key": "co-test-key-123",
                                                 "base_url": server.url}})


def test_tool_plan_goes_back_with_the_calls() -> None:
    [it] = load_cassette(FIX / "test_tool_choice_matrix[required-cohere].yaml")
    tools = [fluentai.Tool(t["function"]["name"], t["function"].get("description", ""),
                           t["function"]["parameters"]) for t in it.request_json["tools"]]
    with ReplayServer([Reply.from_interaction(it), Reply.from_interaction(it)]) as server:
        client = client_for(server)
        r = client.chat("cohere/command-r7b-12-2024", "weather in Paris?", tools=tools,
                        tool_choice="required")
        sent = server.requests[0]
        history = [fluentai.Message.user("weather in Paris?"), r.message,
                   fluentai.Message.tool(r.tool_calls[0].id, "sunny")]
        client.chat("cohere/command-r7b-12-2024", history, tools=tools)
        follow = server.requests[1].json
    assert sent.headers["authorization"] == "Bearer co-test-key-123"
    assert sent.json["tool_choice"] == "REQUIRED" and sent.path == "/v2/chat"
    assistant = follow["messages"][1]
    assert assistant["tool_plan"].startswith("I will use one or more of the available tools")
    assert assistant["tool_calls"][0]["function"] == {"name": "get_weather",
                                                      "arguments": '{"city":"Paris"}'}
    assert follow["messages"][2]["tool_call_id"] == r.tool_calls[0].id


def test_embed_and_rerank_requests() -> None:
    embed = load_cassette(FIX / "cohere-embedding.json", url="https://api.cohere.com/v2/embed")
    rerank = load_cassette(FIX / "cohere-reranking.1.json",
                           url="https://api.cohere.com/v2/rerank")
    docs = ["sunny day at the beach", "rainy day in the city"]
    with ReplayServer.from_cassette(embed + rerank) as server:
        client = client_for(server)
        vectors = client.embed("cohere/embed-v4.0", docs, input_type="query", dtype="int8",
                               dimensions=512)
        ranked = client.rerank("cohere/rerank-v3.5", "weather", docs, top_n=2)
        sent_embed, sent_rerank = (r.json for r in server.requests)
    assert sent_embed == {"model": "embed-v4.0", "texts": docs, "input_type": "search_query",
                          "embedding_types": ["int8"], "output_dimension": 512}
    assert vectors.vectors[0][:2] == [0.03302002, 0.020904541]
    assert sent_rerank["top_n"] == 2
    assert [(r.index, r.document) for r in ranked.results] == [(1, docs[1]), (0, docs[0])]
    assert ranked.results[0].relevance_score == pytest.approx(0.10183054)


def test_recorded_401() -> None:
    it = load_cassette(FIX / "chat_error_handling_with_cohere_command-a-03-2025_raises_"
                             "appropriate_auth_error.yml")[0]
    with ReplayServer([Reply.from_interaction(it)]) as server, \
            pytest.raises(AuthenticationError, match="Incorrect API key"):
        client_for(server).chat("cohere/command-a-03-2025", "Hello")
