"""Core building blocks: error mapping, tools from functions, tool-call assembly, the
OpenAI-compatible stream decoder on any split of recorded bytes, messages and the builder."""

from __future__ import annotations

import email.utils
import time

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fluentai
from fluentai import building
from fluentai import errors as e
from fluentai.errormap import error_from_response, retry_after
from fluentai.events import ErrorEvent, ToolCallDelta, ToolCallEnd, collect
from fluentai.request import ChatRequest
from fluentai.testing import load_cassette, recordings
from fluentai.toolcalls import ToolCallAssembler, parse_arguments
from fluentai.wire.openai import OpenAIChatStream


def test_retry_after_forms() -> None:
    now = time.time()
    date = email.utils.formatdate(now + 30, usegmt=True)
    assert retry_after({"retry-after": "12"}) == 12.0
    assert retry_after({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    assert 28 <= (retry_after({"retry-after": date}, now=now) or 0) <= 31
    assert retry_after({"x-ratelimit-reset-requests": "6m0s"}) == 360.0
    assert retry_after({"x-ratelimit-reset-tokens": "250ms"}) == 0.25
    assert retry_after({}) is None


@pytest.mark.parametrize(("status", "body", "cls"), [
    (400, {"error": {"message": "This model's maximum context length is 8192 tokens",
                     "code": "context_length_exceeded"}}, e.ContextLengthExceededError),
    (400, {"error": {"message": "flagged", "code": "content_filter"}}, e.ContentFilterError),
    (529, {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
     e.OverloadedError),
    (503, {"message": "The server is overloaded"}, e.OverloadedError),
    (502, "<html>bad gateway</html>", e.ServerError),
    (422, {"detail": [{"loc": ["body"], "msg": "field required"}]}, e.InvalidRequestError),
])
def test_error_mapping(status: int, body: object, cls: type) -> None:
    content = body.encode() if isinstance(body, str) else msgspec.json.encode(body)
    err = error_from_response("p", status, {"x-request-id": "req_1"}, content)
    assert type(err) is cls and err.status_code == status and err.request_id == "req_1"
    assert err.message


def get_weather(city: str, unit: str = "celsius", days: int = 1) -> str:
    """Current weather for a city.

    Args:
        city: The city name.
        unit: celsius or fahrenheit.
    """
    return ""


def test_tool_from_function_signature_and_docstring() -> None:
    tool = fluentai.tool_from_function(get_weather)
    assert tool.name == "get_weather" and tool.description == "Current weather for a city."
    props = tool.parameters["properties"]
    assert props["city"] == {"type": "string", "description": "The city name."}
    assert props["days"] == {"type": "integer"}
    assert tool.parameters["required"] == ["city"]


def test_tool_arguments_invalid_json_keeps_raw_text() -> None:
    with pytest.raises(e.ToolArgumentsError) as exc:
        parse_arguments('{"city": "Par', tool_name="get_weather", tool_call_id="c1")
    assert exc.value.raw_arguments == '{"city": "Par'
    assert parse_arguments("") == {} and parse_arguments("  ") == {}


def test_assembler_partial_parse_and_interleaving() -> None:
    tools = ToolCallAssembler("p", partial=True)
    tools.start(0, "a", "f")
    tools.start(1, "b", "g")
    d1 = tools.delta(0, '{"city": "Pa')
    tools.delta(1, '{"x": 1}')
    d2 = tools.delta(0, 'ris"}')
    assert isinstance(d1, ToolCallDelta) and d1.partial == {"city": "Pa"}
    assert d2.partial == {"city": "Paris"}
    ends = tools.end_all()
    assert [(x.id, x.arguments) for x in ends if isinstance(x, ToolCallEnd)] == [
        ("a", {"city": "Paris"}), ("b", {"x": 1})]
    tools.start(2, "c", "h")
    tools.delta(2, "{broken")
    bad = tools.end(2)
    assert isinstance(bad, ErrorEvent) and isinstance(bad.error, e.ToolArgumentsError)


def _recorded() -> bytes:
    return load_cassette(recordings(__file__) / "openai" / "test_complex_agent_run.yaml")[1] \
        .response_body


def _decode(pieces: list[bytes]) -> list[object]:
    request = ChatRequest(model="gpt-4o", messages=[], stream=True)
    decoder = OpenAIChatStream("openai", request)
    events: list[object] = []
    for piece in pieces:
        events.extend(decoder.feed(piece))
    return events + decoder.close()


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_decoder_events_are_independent_of_network_reads(data: st.DataObject) -> None:
    body = _recorded()
    points = sorted(data.draw(st.sets(st.integers(0, len(body)), max_size=80)))
    pieces = [body[a:b] for a, b in zip([0, *points], [*points, len(body)], strict=True)]
    assert _decode(pieces) == _decode([body])


def test_collect_folds_a_recorded_stream() -> None:
    response = collect(_decode([_recorded()]), "openai", "gpt-4o")
    [call] = response.tool_calls
    assert call.name == "get_weather" and call.arguments == {"city": "Mexico City"}
    assert response.finish_reason == "tool_calls"


def test_messages_from_dicts_and_parts() -> None:
    req = building.chat_request("m", [{"role": "user", "content": "hi"}], stream=False,
                                system="Be brief", stop="END", reasoning="high")
    assert [m.role for m in req.messages] == ["system", "user"]
    assert req.stop == ["END"] and req.reasoning is not None
    assert req.reasoning.effort == "high"
    with pytest.raises(e.InvalidInputError, match="at least one input"):
        building.embed_request("m", [])
    with pytest.raises(e.InvalidInputError, match="document 1 has no text"):
        building.rerank_request("m", "q", ["a", {"title": "no text"}])


def test_secret_is_never_shown() -> None:
    s = fluentai.Secret("sk-very-secret")
    assert "sk-very-secret" not in f"{s} {s!r} {s!s}" and s.get() == "sk-very-secret"
    with pytest.raises(TypeError):
        import pickle

        pickle.dumps(s)


def test_usage_addition_keeps_unknown_details_unknown() -> None:
    total = fluentai.Usage(1, 2) + fluentai.Usage(3, 4, cache_read_tokens=1)
    assert (total.input_tokens, total.output_tokens, total.cache_read_tokens,
            total.reasoning_tokens) == (4, 6, 1, None)


@pytest.mark.parametrize("method", ["chat", "stream", "embed", "rerank", "transcribe"])
def test_a_misspelt_option_names_the_public_method(method: str) -> None:
    client = fluentai.Client(env={})
    args: tuple[object, ...] = {"rerank": ("openai/m", "q", ["d"]),
                                "transcribe": ("openai/m", b"")}.get(method, ("openai/m", "hi"))
    with pytest.raises(TypeError, match=rf"Client\.{method}\(\) got an unexpected keyword "
                                        r"argument 'temprature'"):
        getattr(client, method)(*args, temprature=0.2)


def test_a_misspelt_option_suggests_the_real_one() -> None:
    with pytest.raises(TypeError, match="did you mean 'temperature'"):
        fluentai.Client(env={}).chat("openai/m", "hi", temprature=0.2)


async def test_the_async_client_checks_its_options_too() -> None:
    async with fluentai.AsyncClient(env={}) as client:
        with pytest.raises(TypeError, match=r"AsyncClient\.chat\(\)"):
            await client.chat("openai/m", "hi", max_token=5)
