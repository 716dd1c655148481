"""Gemini against a real local server replaying recorded Gemini API traffic."""

from __future__ import annotations

import pytest

import fluentai
from fluentai.errors import NotFoundError, RateLimitError
from fluentai.testing import ReplayServer, Reply, load_cassette, recordings
from fluentai.testing.conformance import Case, ProviderSuite

FIX = recordings(__file__) / "gemini"
URL = ("https://generativelanguage.googleapis.com/v1beta/models/test-model"
       ":streamGenerateContent")
SIGNATURE = "gemini/test_google_streaming_tool_call_thought_signature.yaml"


class TestGeminiConformance(ProviderSuite):
    provider = "gemini"
    base_path = "/v1beta"
    default_base_url = "https://generativelanguage.googleapis.com/v1beta"
    capabilities = {"chat", "stream", "tools", "reasoning", "vision", "pdf", "audio", "json",
                    "embeddings", "models"}
    error_body = {"error": {"code": 500, "message": "failure", "status": "INTERNAL"}}
    cases = {
        "chat": Case(recording="gemini/test_google_model_instructions.yaml",
                     model="gemini-2.0-flash", prompt="What is the capital of France?",
                     call={"system": "You are a helpful assistant."},
                     expect_text="The capital of France is Paris.\n", expect_usage=(13, 8),
                     expect_finish="stop", expect_request=True),
        "stream": Case(recording="gemini/test_google_model_stream.yaml",
                       model="gemini-2.0-flash-exp", prompt="What is the capital of France?",
                       stream=True, call={"system": "You are a helpful chatbot.",
                                          "temperature": 0.0},
                       expect_text="The capital of France is Paris.\n", expect_usage=(13, 8),
                       expect_finish="stop", expect_request=True),
        "stream_tools": Case(recording=SIGNATURE, model="gemini-3-pro-preview", stream=True,
                             expect_tool_calls=[("get_country", {})],
                             expect_finish="tool_calls", expect_usage=(29, 212)),
        "tool_result_history": Case(recording=SIGNATURE, interaction=1, stream=True,
                                    model="gemini-3-pro-preview",
                                    expect_text="The capital of Mexico is Mexico City."),
        "parallel_tool_calls": Case(recording="gemini/google-stream-tool-call-arguments"
                                              ".chunks.txt", url=URL, stream=True,
                                    expect_tool_calls=[("getWeather", {"location": "Boston"}),
                                                       ("getWeather",
                                                        {"location": "San Francisco"})]),
        "stream_reasoning": Case(recording="gemini/google-reasoning.chunks.txt", url=URL,
                                 stream=True, expect_usage=(9, 285)),
        "embeddings": Case(recording="gemini/TestGoogle.test_query_with_dimensions.yaml",
                           model="gemini-embedding-2-preview", prompt=["Hello, world!"],
                           call={"dimensions": 768, "input_type": "query"}),
    }


def client_for(server: ReplayServer) -> fluentai.Client:
    return fluentai.Client(providers={"gemini": {"api_key": "AIza-test-key-123",
                                                 "base_url": server.url + "/v1beta"}})


def test_key_travels_in_a_header_never_in_the_url() -> None:
    it = load_cassette(FIX / "test_google_model_stream.yaml")[0]
    with ReplayServer.from_cassette([it]) as server:
        client_for(server).stream("gemini/gemini-2.0-flash-exp", "hi").collect()
        sent = server.requests[0]
    assert sent.headers["x-goog-api-key"] == "AIza-test-key-123"
    assert "AIza" not in sent.path + sent.query and sent.query == "alt=sse"
    assert sent.path == "/v1beta/models/gemini-2.0-flash-exp:streamGenerateContent"


def test_thought_signature_goes_back_with_the_function_call() -> None:
    first, second = load_cassette(FIX / "test_google_streaming_tool_call_thought_signature.yaml")
    recorded_call = second.request_json["contents"][1]["parts"][0]
    tools = [fluentai.Tool("get_country", "", {"additionalProperties": False,
                                               "properties": {}, "type": "object"})]
    prompt = first.request_json["contents"][0]["parts"][0]["text"]
    with ReplayServer.from_cassette([first, second]) as server:
        client = client_for(server)
        answer = client.stream("gemini/gemini-3-pro-preview", prompt, tools=tools).collect()
        [call] = answer.tool_calls
        history = [fluentai.Message.user(prompt), answer.message,
                   fluentai.Message.tool(call.id, "Mexico")]
        final = client.stream("gemini/gemini-3-pro-preview", history, tools=tools).collect()
        sent = server.requests[1].json
    model_part = sent["contents"][1]["parts"][0]
    assert model_part["functionCall"] == {"name": "get_country", "args": {}}
    # the recording went through a client that re-encodes base64 as URL-safe
    assert model_part["thoughtSignature"].replace("+", "-").replace("/", "_") == \
        recorded_call["thoughtSignature"]
    assert sent["contents"][2]["parts"][0]["functionResponse"]["name"] == "get_country"
    assert final.text == "The capital of Mexico is Mexico City."


def test_429_with_retry_info_sets_retry_after() -> None:
    [it] = load_cassette(FIX / "google-429-retry-info.json")
    with ReplayServer([Reply(429, it.response_body,
                             headers={"content-type": "application/json"})]) as server, \
            pytest.raises(RateLimitError) as exc:
        client_for(server).chat("gemini/gemini-2.5-pro", "hi", retry=0)
    assert exc.value.retry_after == 34.4  # RetryInfo.retryDelay "34.4s"
    assert "exceeded your current quota" in str(exc.value)


def test_unknown_model_and_embed_error() -> None:
    for name, call in (("test_model_name_suggestion[google].yaml",
                        lambda c: c.chat("gemini/gemini-3.6-flahs", "hello")),
                       ("TestGoogle.test_embed_error.yaml",
                        lambda c: c.embed("gemini/nonexistent-model", "Hello, world!"))):
        it = load_cassette(FIX / name)[0]
        with ReplayServer([Reply.from_interaction(it)]) as server, \
                pytest.raises(NotFoundError, match="is not found"):
            call(client_for(server))


def test_safety_block_is_a_content_filter_finish() -> None:
    """Body in the documented shape of a blocked prompt (no blocked prompt was recorded)."""
    blocked = {"promptFeedback": {"blockReason": "SAFETY"},
               "usageMetadata": {"promptTokenCount": 7, "totalTokenCount": 7}}
    with ReplayServer([Reply(200, blocked)]) as server:
        r = client_for(server).chat("gemini/gemini-2.5-flash", "something unsafe")
    assert r.finish_reason == "content_filter" and r.raw_finish_reason == "SAFETY"


def test_tool_results_take_the_name_of_their_own_turns_call() -> None:
    """Generated ids repeat across turns (call_0 each time); each result must still be
    sent as a functionResponse of the call it answers."""
    it = load_cassette(FIX / "test_google_model_instructions.yaml")[0]
    history = [fluentai.Message.user("weather, then time?"),
               fluentai.Message("assistant", [fluentai.ToolCall("call_0", "get_weather",
                                                                {"city": "Paris"})]),
               fluentai.Message.tool("call_0", "sunny"),
               fluentai.Message("assistant", [fluentai.ToolCall("call_0", "get_time", {})]),
               fluentai.Message.tool("call_0", "noon")]
    with ReplayServer([Reply.from_interaction(it, path=None)]) as server:
        client_for(server).chat("gemini/gemini-2.0-flash", history)
        contents = server.requests[0].json["contents"]
    responses = [p["functionResponse"] for c in contents for p in c["parts"]
                 if "functionResponse" in p]
    assert responses == [{"name": "get_weather", "response": {"result": "sunny"}},
                         {"name": "get_time", "response": {"result": "noon"}}]
    assert [c["role"] for c in contents] == ["user", "model", "user", "model", "user"]
