"""Anthropic against a real local server replaying recorded Anthropic traffic."""

from __future__ import annotations

import pytest

import fluentai
from fluentai.errors import AuthenticationError, OverloadedError
from fluentai.events import ReasoningDelta, ToolCallDelta, ToolCallEnd
from fluentai.testing import ReplayServer, Reply, load_cassette, recordings
from fluentai.testing.conformance import Case, ProviderSuite

FIX = recordings(__file__) / "anthropic"
RUBY_TOOLS = ("anthropic/chat_function_calling_anthropic_claude-haiku-4-5_can_use_tools_with_"
              "multi-turn_streaming_conversations.yml")
URL = "https://api.anthropic.com/v1/messages"


class TestAnthropicConformance(ProviderSuite):
    provider = "anthropic"
    base_path = "/v1"
    capabilities = {"chat", "stream", "tools", "reasoning", "vision", "pdf", "models"}
    error_body = {"type": "error", "error": {"type": "api_error", "message": "failure"}}
    cases = {
        "chat": Case(recording="anthropic/test_anthropic_model_instructions.yaml",
                     model="claude-3-opus-latest", prompt="What is the capital of France?",
                     call={"system": "You are a helpful assistant.\n\n"},
                     expect_text="The capital of France is Paris.", expect_usage=(20, 10),
                     expect_finish="stop", expect_request=True),
        "stream": Case(recording="anthropic/test_request_stream_fallback_for_high_max_tokens.yaml",
                       model="claude-sonnet-4-5", stream=True,
                       prompt="What is 1+1? Answer with just the number.",
                       call={"max_tokens": 32000}, expect_text="2", expect_usage=(20, 5),
                       expect_finish="stop", expect_request=True),
        "stream_reasoning": Case(recording="anthropic/test_anthropic_model_thinking_part_stream"
                                           ".yaml", model="claude-sonnet-4-0", stream=True,
                                 prompt="How do I cross the street?", call={"reasoning": 1024},
                                 expect_reasoning=True, expect_usage=(43, 282),
                                 expect_request=True),
        "tool_call": Case(recording="anthropic/test_anthropic_tool_with_thinking.yaml",
                          model="claude-sonnet-4-0",
                          expect_tool_calls=[("get_user_country", {})], expect_reasoning=True,
                          expect_finish="tool_calls", expect_usage=(398, 155)),
        "stream_tools": Case(recording=RUBY_TOOLS, model="claude-haiku-4-5", stream=True,
                             expect_tool_calls=[("weather", {"latitude": "52.5200",
                                                             "longitude": "13.4050"})],
                             expect_finish="tool_calls", expect_usage=(633, 75)),
        "multi_turn": Case(recording=RUBY_TOOLS, interaction=3, model="claude-haiku-4-5",
                           stream=True, expect_finish="stop", expect_usage=(934, 53)),
        "tool_result_history": Case(recording="anthropic/test_anthropic_tool_with_thinking.yaml",
                                    interaction=1, model="claude-sonnet-4-0",
                                    expect_finish="stop", expect_usage=(566, 126)),
        "stream_usage": Case(recording="anthropic/anthropic-message-delta-input-tokens"
                                       ".chunks.txt", url=URL, event_from_type=True,
                             stream=True, expect_text="pong", expect_usage=(61, 2)),
        "provider_error": Case(recording="anthropic/test_anthropic_explicit_effort_xhigh_"
                                         "unsupported_model_errors.yaml",
                               expect_error="InvalidRequestError"),
    }


def client_for(server: ReplayServer) -> fluentai.Client:
    return fluentai.Client(providers={"anthropic": {"api_key": "sk-ant-test-key",
                                                    "base_url": server.url + "/v1"}})


def test_headers_and_thinking_signature_round_trip() -> None:
    first, second = load_cassette(FIX / "test_anthropic_tool_with_thinking.yaml")
    tools = [fluentai.Tool(t["name"], t.get("description", ""), t["input_schema"])
             for t in first.request_json["tools"]]
    prompt = first.request_json["messages"][0]["content"][0]["text"]
    with ReplayServer.from_cassette([first, second]) as server:
        client = client_for(server)
        r = client.chat("claude/claude-sonnet-4-0", prompt, tools=tools, tool_choice="auto",
                        reasoning=3000)
        thinking = r.content[0]
        assert isinstance(thinking, fluentai.ReasoningPart) and thinking.signature
        history = [fluentai.Message.user(prompt), r.message,
                   fluentai.Message.tool(r.tool_calls[0].id, "Mexico")]
        client.chat("claude/claude-sonnet-4-0", history, tools=tools, tool_choice="auto",
                    reasoning=3000)
        sent = [q for q in server.requests]
    assert sent[0].headers["x-api-key"] == "sk-ant-test-key"
    assert sent[0].headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in sent[0].headers
    assert sent[0].json == first.request_json
    replayed = sent[1].json["messages"][1]["content"][0]
    assert replayed == {"type": "thinking", "thinking": thinking.text,
                        "signature": thinking.signature}
    assert sent[1].json["messages"][2]["content"][0]["type"] == "tool_result"


def test_streamed_thinking_keeps_its_signature() -> None:
    it = load_cassette(FIX / "test_anthropic_model_thinking_part_stream.yaml")[0]
    with ReplayServer.from_cassette([it]) as server:
        stream = client_for(server).stream("anthropic/claude-sonnet-4-0",
                                           "How do I cross the street?", reasoning=1024)
        events = list(stream)
    signatures = [e.signature for e in events if isinstance(e, ReasoningDelta) and e.signature]
    assert len(signatures) == 1
    assert stream.response is not None
    part = stream.response.content[0]
    assert isinstance(part, fluentai.ReasoningPart) and part.signature == signatures[0]
    assert part.text.startswith("This is a straightforward question about pedestrian safety.")


def test_streamed_tool_input_json_deltas() -> None:
    [it] = load_cassette(FIX / "anthropic-json-tool.2.chunks.txt", url=URL,
                         event_from_type=True)
    with ReplayServer.from_cassette([it]) as server:
        events = list(client_for(server).stream("anthropic/claude-haiku-4-5", "x"))
    deltas = "".join(e.arguments for e in events if isinstance(e, ToolCallDelta))
    [end] = [e for e in events if isinstance(e, ToolCallEnd)]
    import json
    assert json.loads(deltas) == end.arguments and end.arguments


def test_overloaded_error_mid_stream_is_retryable_and_keeps_partial_text() -> None:
    """The error event's shape is Anthropic's documented one (no 529 was recorded)."""
    it = load_cassette(FIX / "test_anthropic_model_thinking_part_stream.yaml")[0]
    frames = Reply.from_interaction(it).chunks
    error = (b'event: error\ndata: {"type":"error","error":{"type":"overloaded_error",'
             b'"message":"Overloaded"}}\n\n')
    with ReplayServer([Reply(200, headers=it.response_headers,
                             chunks=[*frames[:8], error])]) as server, \
            pytest.raises(OverloadedError) as exc:
        list(client_for(server).stream("anthropic/claude-sonnet-4-0", "x"))
    assert exc.value.retryable and exc.value.status_code == 529
    assert exc.value.partial is not None and exc.value.partial.reasoning


def test_recorded_401_names_the_key_problem() -> None:
    it = load_cassette(FIX / "chat_error_handling_with_anthropic_claude-haiku-4-5_raises_"
                             "appropriate_auth_error.yml")[0]
    with ReplayServer([Reply.from_interaction(it)]) as server, \
            pytest.raises(AuthenticationError, match="invalid x-api-key"):
        client_for(server).chat("anthropic/claude-haiku-4-5", "Hello")


def test_unknown_model_is_not_found() -> None:
    it = load_cassette(FIX / "test_model_name_suggestion[anthropic].yaml")[0]
    with ReplayServer([Reply.from_interaction(it)]) as server, \
            pytest.raises(fluentai.errors.NotFoundError, match="claude-sonet-4-5"):
        client_for(server).chat("anthropic/claude-sonet-4-5", "hello")


def test_prompt_cache_usage_counts_into_input() -> None:
    from fluentai.wire.anthropic import WireUsage

    usage = WireUsage(10, 5, cache_creation_input_tokens=100,
                      cache_read_input_tokens=1000).to_usage()
    assert (usage.input_tokens, usage.cache_write_tokens, usage.cache_read_tokens) == \
        (1110, 100, 1000)


def test_anthropic_base_url_means_what_it_means_in_the_anthropic_sdk() -> None:
    """ANTHROPIC_BASE_URL names the host as the official SDK reads it (no /v1): the request
    reaches <host>/v1/messages; FLUENTAI_ANTHROPIC_BASE_URL is fluentai's own (with /v1)."""
    [it] = load_cassette(FIX / "test_anthropic_model_instructions.yaml")
    with ReplayServer([Reply.from_interaction(it)]) as server:
        client = fluentai.Client(env={"ANTHROPIC_API_KEY": "sk-ant-env",
                                      "ANTHROPIC_BASE_URL": server.url + "/"})
        r = client.chat("anthropic/claude-3-opus-latest", "What is the capital of France?",
                        system="You are a helpful assistant.\n\n")
        assert server.requests[0].path == "/v1/messages"
    assert r.text == "The capital of France is Paris."
    ours = fluentai.Client(env={"FLUENTAI_ANTHROPIC_BASE_URL": "http://proxy/v1",
                                "ANTHROPIC_BASE_URL": "http://ignored"}).provider("anthropic")
    assert ours.base_url == "http://proxy/v1"
