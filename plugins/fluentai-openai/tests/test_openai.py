"""The OpenAI plugin against a real local server replaying recorded OpenAI traffic."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest

import fluentai
from fluentai.errors import (
    AuthenticationError,
    ConfigurationError,
    InvalidInputError,
    InvalidRequestError,
    MalformedStreamError,
    NotFoundError,
    RateLimitError,
    StreamInterruptedError,
)
from fluentai.events import Finish, TextDelta, ToolCallDelta, ToolCallEnd, ToolCallStart
from fluentai.testing import ReplayServer, Reply, load_cassette, recordings
from fluentai.testing.cassettes import Interaction

FIX = recordings(__file__) / "openai"


def cassette(name: str) -> list[Interaction]:
    return load_cassette(FIX / name)


def client_for(server: ReplayServer, **settings: Any) -> fluentai.Client:
    return fluentai.Client(providers={"openai": {"api_key": "sk-test-123",
                                                 "base_url": server.url + "/v1", **settings}})


def tool_from(spec: dict[str, Any]) -> fluentai.Tool:
    fn = spec["function"]
    return fluentai.Tool(fn["name"], fn["description"], fn["parameters"], fn.get("strict"))


def test_streamed_text_matches_the_recording_and_the_request_body() -> None:
    [it] = cassette("test_dbos_model_stream_direct.yaml")
    with ReplayServer.from_cassette([it]) as server:
        stream = client_for(server).stream("openai/gpt-4o", "What is the capital of Mexico?")
        events = list(stream)
        sent = server.requests[0]
    texts = [e.text for e in events if isinstance(e, TextDelta)]
    assert "".join(texts) == "The capital of Mexico is Mexico City."
    assert isinstance(events[-1], Finish) and events[-1].reason == "stop"
    r = stream.response
    assert r is not None
    assert r.model == "gpt-4o-2024-08-06" and r.id == "chatcmpl-C2P1wP1damHwC6sXvGAIh5PMvH6wM"
    assert (r.usage.input_tokens, r.usage.output_tokens, r.usage.reasoning_tokens) == (14, 8, 0)
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == "Bearer sk-test-123"
    assert sent.json == it.request_json


def test_non_streamed_chat_matches_the_recording() -> None:
    [it] = cassette("test_max_completion_tokens[gpt-4o-mini].yaml")
    with ReplayServer.from_cassette([it]) as server:
        r = client_for(server).chat("openai/gpt-4o-mini", "hello", max_tokens=100)
        sent = server.requests[0].json
    assert r.text == "Hello! How can I assist you today?"
    assert r.finish_reason == "stop" and r.raw_finish_reason == "stop"
    assert (r.usage.input_tokens, r.usage.output_tokens, r.usage.total_tokens) == (8, 9, 17)
    assert r.cost == pytest.approx((8 * 0.15 + 9 * 0.60) / 1e6)
    assert sent == it.request_json  # max_tokens goes out as max_completion_tokens


def test_parallel_tool_calls_stream_as_start_delta_end_per_index() -> None:
    it = cassette("test_complex_agent_run.yaml")[0]
    req = it.request_json
    with ReplayServer.from_cassette([it]) as server:
        stream = client_for(server).stream(
            "openai/gpt-4o", req["messages"][0]["content"],
            tools=[tool_from(t) for t in req["tools"]], tool_choice="required",
            partial_tool_arguments=True)
        events = list(stream)
        sent = server.requests[0].json
    starts = [e for e in events if isinstance(e, ToolCallStart)]
    ends = [e for e in events if isinstance(e, ToolCallEnd)]
    assert [(s.index, s.name) for s in starts] == [(0, "get_country"), (1, "get_product_name")]
    assert [(e.id, e.name, e.arguments) for e in ends] == [
        ("call_q2UyBRP7eXNTzAoR8lEhjc9Z", "get_country", {}),
        ("call_b51ijcpFkDiTQG1bQzsrmtW5", "get_product_name", {})]
    assert stream.response is not None
    assert stream.response.finish_reason == "tool_calls"
    assert stream.response.usage.input_tokens == 364
    assert sent == req


def test_streamed_tool_arguments_history_turn_matches_recorded_request() -> None:
    first, second = cassette("test_complex_agent_run.yaml")[:2]
    req = second.request_json
    with ReplayServer.from_cassette([first, second]) as server:
        client = client_for(server)
        tools = [tool_from(t) for t in req["tools"]]
        prompt = req["messages"][0]["content"]
        answer = client.stream("openai/gpt-4o", prompt, tools=tools,
                               tool_choice="required").collect()
        history = [fluentai.Message.user(prompt), answer.message,
                   fluentai.Message.tool("call_q2UyBRP7eXNTzAoR8lEhjc9Z", "Mexico"),
                   fluentai.Message.tool("call_b51ijcpFkDiTQG1bQzsrmtW5", "Pydantic AI")]
        follow = client.stream("openai/gpt-4o", history, tools=tools, tool_choice="required")
        events = list(follow)
        sent = server.requests[1].json
    assert sent == req
    deltas = "".join(e.arguments for e in events if isinstance(e, ToolCallDelta))
    ends = [e for e in events if isinstance(e, ToolCallEnd)]
    assert ends and json.loads(deltas) == ends[0].arguments


def test_non_streamed_tool_call_and_tool_result_turn() -> None:
    first, second = cassette("test_openai_tool_output.yaml")
    req = first.request_json
    with ReplayServer.from_cassette([first, second]) as server:
        client = client_for(server)
        tools = [tool_from(t) for t in req["tools"]]
        prompt = req["messages"][0]["content"]
        r = client.chat("openai/gpt-4o", prompt, tools=tools, tool_choice="required",
                        provider_options={"n": 1})
        assert r.tool_calls == [fluentai.ToolCall("call_iXFttys57ap0o16JSlC8yhYo",
                                                  "get_user_country", {})]
        assert r.finish_reason == "tool_calls"
        history = [fluentai.Message.user(prompt), r.message,
                   fluentai.Message.tool("call_iXFttys57ap0o16JSlC8yhYo", "Mexico")]
        r2 = client.chat("openai/gpt-4o", history, tools=tools, tool_choice="required",
                         provider_options={"n": 1})
        sent = [q.json for q in server.requests]
    assert sent == [first.request_json, second.request_json]
    assert r2.tool_calls[0].name == "final_result"
    assert r2.tool_calls[0].arguments == json.loads(
        second.response_json["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"])


async def test_async_stream_equals_sync_chat_content() -> None:
    [it] = cassette("test_dbos_model_stream_direct.yaml")
    with ReplayServer.from_cassette([it]) as server:
        async with fluentai.AsyncClient(providers={"openai": {
                "api_key": "sk-test", "base_url": server.url + "/v1"}}) as client:
            stream = client.stream("openai/gpt-4o", "What is the capital of Mexico?")
            texts = [ev.text async for ev in stream if isinstance(ev, TextDelta)]
    assert "".join(texts) == "The capital of Mexico is Mexico City."
    assert stream.response is not None and stream.response.usage.output_tokens == 8


def test_fluent_builder_is_immutable_and_sends_its_settings() -> None:
    [it] = cassette("test_dbos_model_stream_direct.yaml")
    with ReplayServer([Reply.from_interaction(it)]) as server:
        base = client_for(server).model("openai/gpt-4o")
        ask = base.system("Be brief").temperature(0.2)
        assert base is not ask and "temperature" not in repr(base)
        text = "".join(ask.stream("What is the capital of Mexico?").text())
        sent = server.requests[0].json
    assert text == "The capital of Mexico is Mexico City."
    assert sent["messages"][0] == {"role": "system", "content": "Be brief"}
    assert sent["temperature"] == 0.2


def test_embeddings_decode_base64_floats() -> None:
    [it] = cassette("TestOpenAI.test_query.yaml")
    with ReplayServer.from_cassette([it]) as server:
        r = client_for(server).embed("openai/text-embedding-3-small", ["Hello, world!"])
        sent = server.requests[0].json
    assert sent == it.request_json
    recorded = it.response_json["data"][0]["embedding"]
    import base64
    from array import array
    assert r.vectors[0] == array("f", base64.b64decode(recorded)).tolist()
    assert len(r.vectors[0]) == 1536
    assert r.usage.input_tokens == it.response_json["usage"]["prompt_tokens"]


def test_unknown_model_is_a_not_found_error_with_suggestions() -> None:
    [it] = cassette("test_model_name_suggestion[openai-chat].yaml")
    with ReplayServer.from_cassette([it]) as server, pytest.raises(NotFoundError) as exc:
        client_for(server).chat("openai/gpt-4o-mni", "hello")
    assert exc.value.status_code == 404 and exc.value.code == "model_not_found"
    assert "does not exist" in str(exc.value) and "'gpt-4o-mini'" in str(exc.value)


def test_invalid_request_error_body() -> None:
    [it] = cassette("test_openai_o1_mini_system_role[developer].yaml")
    with ReplayServer.from_cassette([it]) as server, pytest.raises(InvalidRequestError) as exc:
        client_for(server).chat("openai/o1-mini", "hello")
    assert exc.value.status_code == 400
    assert exc.value.message == it.response_json["error"]["message"]


def test_401_is_an_authentication_error_that_never_shows_the_key() -> None:
    recorded = load_cassette(FIX / "chat_error_handling_with_openai_gpt-5-nano_raises_"
                                    "appropriate_auth_error.yml")[0]
    reply = Reply(401, recorded.response_body.replace(b"invalid-key", b"sk-test-123"),
                  headers=recorded.response_headers)
    with ReplayServer([reply]) as server, pytest.raises(AuthenticationError) as exc:
        client_for(server).chat("openai/gpt-4o-mini", "hi")
    assert "sk-test-123" not in str(exc.value) and "sk-test-123" not in repr(exc.value.args)
    assert "check the API key for openai" in str(exc.value)


def test_429_carries_retry_after() -> None:
    body = {"error": {"message": "Rate limit reached for gpt-4o-mini", "type": "requests",
                      "code": "rate_limit_exceeded"}}
    with ReplayServer([Reply(429, body, headers={"retry-after": "7"})]) as server, \
            pytest.raises(RateLimitError) as exc:
        client_for(server).chat("openai/gpt-4o-mini", "hi", retry=0)
    assert exc.value.retry_after == 7.0 and "Retry after 7s" in str(exc.value)


def test_malformed_chunk_keeps_partial_output() -> None:
    [it] = cassette("test_dbos_model_stream_direct.yaml")
    frames = Reply.from_interaction(it).chunks
    broken = [*frames[:4], b"data: {\"choices\": [oops\n\n", *frames[4:]]
    reply = Reply(200, headers=it.response_headers, chunks=broken)
    with ReplayServer([reply]) as server, pytest.raises(MalformedStreamError) as exc:
        list(client_for(server).stream("openai/gpt-4o", "x"))
    assert exc.value.partial is not None and exc.value.partial.text == "The capital of"
    assert exc.value.raw.startswith(b'{"choices": [oops')


def test_connection_dropped_mid_stream_keeps_partial_output() -> None:
    [it] = cassette("test_dbos_model_stream_direct.yaml")
    with ReplayServer([Reply.from_interaction(it, drop_after=5)]) as server, \
            pytest.raises(StreamInterruptedError) as exc:
        list(client_for(server).stream("openai/gpt-4o", "x"))
    assert exc.value.partial is not None
    assert exc.value.partial.text == "The capital of Mexico"


def test_truncated_stream_is_reported() -> None:
    [it] = cassette("test_dbos_model_stream_direct.yaml")
    frames = Reply.from_interaction(it).chunks
    with ReplayServer([Reply(200, headers=it.response_headers, chunks=frames[:6])]) as server, \
            pytest.raises(StreamInterruptedError, match="ended before the model finished"):
        list(client_for(server).stream("openai/gpt-4o", "x"))


def test_missing_key_names_the_environment_variable() -> None:
    client = fluentai.Client(env={})
    with pytest.raises(ConfigurationError, match="OPENAI_API_KEY") as exc:
        client.chat("openai/gpt-4o-mini", "hi")
    assert exc.value.env_var == "OPENAI_API_KEY"


def test_settings_from_environment_and_org_project_headers() -> None:
    [it] = cassette("test_max_completion_tokens[gpt-4o-mini].yaml")
    with ReplayServer.from_cassette([it]) as server:
        env = {"OPENAI_API_KEY": "sk-env", "FLUENTAI_OPENAI_BASE_URL": server.url + "/v1",
               "OPENAI_ORG_ID": "org-1", "OPENAI_PROJECT_ID": "proj_2"}
        fluentai.Client(env=env).chat("openai/gpt-4o-mini", "hello", max_tokens=100)
        headers = server.requests[0].headers
    assert headers["authorization"] == "Bearer sk-env"
    assert (headers["openai-organization"], headers["openai-project"]) == ("org-1", "proj_2")


def test_live_model_listing_merges_with_catalog() -> None:
    # shape from https://platform.openai.com/docs/api-reference/models/list
    body = {"object": "list", "data": [
        {"id": "gpt-4o-mini", "object": "model", "created": 1721172741, "owned_by": "system"},
        {"id": "ft:gpt-4o-mini:acme", "object": "model", "created": 1, "owned_by": "acme"}]}
    with ReplayServer([Reply(200, body, path="/v1/models")]) as server:
        models = client_for(server).models("openai")
    by_id = {m.id: m for m in models}
    assert by_id["gpt-4o-mini"].live and by_id["gpt-4o-mini"].price is not None
    assert by_id["ft:gpt-4o-mini:acme"].live and not by_id["gpt-4o"].live


def test_check_reports_problems() -> None:
    with ReplayServer([Reply(401, {"error": {"message": "Incorrect API key provided"}})]) as srv:
        result = client_for(srv).check("openai")
    assert not result.ok and "Incorrect API key" in (result.problem or "")
    assert fluentai.Client(env={}).check("openai").problem == "not configured: set OPENAI_API_KEY"


def test_transcription_sends_multipart() -> None:
    with ReplayServer([Reply(200, {"text": "hello there"})]) as server:
        t = client_for(server).transcribe("openai/whisper-1", b"RIFF....WAVE", language="en")
        sent = server.requests[0]
    assert t.text == "hello there"
    assert sent.path == "/v1/audio/transcriptions"
    assert sent.headers["content-type"].startswith("multipart/form-data")
    assert b'name="model"\r\n\r\nwhisper-1' in sent.body and b"RIFF....WAVE" in sent.body


def test_images_and_structured_output_are_encoded() -> None:
    class City(msgspec.Struct):
        name: str
        population: int

    [it] = cassette("test_max_completion_tokens[gpt-4o-mini].yaml")
    with ReplayServer([Reply.from_interaction(it)]) as server:
        msg = fluentai.Message.user("What is this?",
                                    fluentai.ImagePart(data=b"\x89PNG", media_type="image/png"))
        client_for(server).chat("openai/gpt-4o-mini", [msg], response_format=City)
        sent = server.requests[0].json
    parts = sent["messages"][0]["content"]
    assert parts[1] == {"type": "image_url",
                        "image_url": {"url": "data:image/png;base64,iVBORw=="}}
    schema = sent["response_format"]["json_schema"]
    assert sent["response_format"]["type"] == "json_schema" and schema["name"] == "City"
    assert schema["schema"]["required"] == ["name", "population"]


def test_plugin_is_found_through_its_entry_point() -> None:
    from importlib.metadata import entry_points

    eps = {ep.name: ep for ep in entry_points(group="fluentai.providers")}
    assert eps["openai"].value == "fluentai_openai"
    assert Path(eps["openai"].load().__file__).name == "__init__.py"


def test_too_many_dimensions_fail_before_any_request() -> None:
    with ReplayServer([]) as server:
        with pytest.raises(InvalidInputError, match="at most 1536 dimensions, not 4096"):
            client_for(server).embed("openai/text-embedding-3-small", "hi", dimensions=4096)
        assert server.requests == []
