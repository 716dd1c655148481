"""Groq against a real local server replaying recorded Groq traffic."""

from __future__ import annotations

import pytest

import fluentai
from fluentai.errors import InvalidRequestError
from fluentai.testing import ReplayServer, Reply, load_cassette, recordings
from fluentai.testing.conformance import Case, ProviderSuite

FAILED = "groq/test_tool_use_failed_error.yaml"
FAILED_STREAM = "groq/test_tool_use_failed_error_streaming.yaml"


class TestGroqConformance(ProviderSuite):
    provider = "groq"
    base_path = "/openai/v1"
    capabilities = {"chat", "stream", "tools", "reasoning", "json", "vision", "models"}
    cases = {
        "chat": Case(recording="groq/test_groq_model_instructions.yaml",
                     model="llama-3.3-70b-versatile", prompt="What is the capital of France?",
                     call={"system": "You are a helpful assistant."},
                     expect_text="The capital of France is Paris.", expect_usage=(48, 8),
                     expect_finish="stop"),
        "tool_no_arguments": Case(recording="groq/groq-tool-call.json",
                                  url="https://api.groq.com/openai/v1/chat/completions",
                                  expect_tool_calls=[("weather", {})],
                                  expect_finish="tool_calls"),
        "tool_call": Case(recording=FAILED, interaction=1, model="openai/gpt-oss-120b",
                          expect_tool_calls=[("get_something_by_name", {"name": "test"})],
                          expect_reasoning=True, expect_usage=(301, 52)),
        "reasoning": Case(recording=FAILED, interaction=2, model="openai/gpt-oss-120b",
                          expect_reasoning=True, expect_finish="stop"),
        "stream": Case(recording=FAILED_STREAM, interaction=2, model="openai/gpt-oss-120b",
                       stream=True,
                       expect_text="The tool returned the expected result for the valid call.",
                       expect_usage=(339, 58), expect_finish="stop"),
        "stream_tools": Case(recording=FAILED_STREAM, interaction=1, stream=True,
                             model="openai/gpt-oss-120b",
                             expect_tool_calls=[("get_something_by_name", {"name": "example"})],
                             expect_reasoning=True),
        "stream_error": Case(recording=FAILED_STREAM, stream=True,
                             expect_error="InvalidRequestError"),
        "provider_error": Case(recording=FAILED, expect_error="InvalidRequestError"),
    }


def test_in_stream_error_keeps_the_reasoning_received_so_far() -> None:
    it = load_cassette(recordings(__file__) / FAILED_STREAM)[0]
    with ReplayServer([Reply.from_interaction(it)]) as server, \
            pytest.raises(InvalidRequestError) as exc:
        client = fluentai.Client(providers={"groq": {"api_key": "gsk-test",
                                                     "base_url": server.url + "/openai/v1"}})
        list(client.stream("groq/openai/gpt-oss-120b", "x"))
    assert exc.value.code == "tool_use_failed"
    assert exc.value.partial is not None and exc.value.partial.reasoning.startswith("We need")


def test_unknown_model_and_request_path() -> None:
    it = load_cassette(recordings(__file__) / "groq/test_model_name_suggestion[groq].yaml")[0]
    with ReplayServer([Reply.from_interaction(it)]) as server, \
            pytest.raises(fluentai.errors.NotFoundError, match="does not exist"):
        fluentai.Client(providers={"groq": {"api_key": "gsk-test",
                                            "base_url": server.url + "/openai/v1"}}
                        ).chat("groq/llama-3.3-70b-versatlie", "hello")
    assert server.requests[0].headers["authorization"] == "Bearer gsk-test"


def test_usage_only_in_x_groq_becomes_a_usage_event() -> None:
    """Older Groq streams put usage only in x_groq; derived from the recording by dropping
    the top-level copy the newer API adds beside it."""
    it = load_cassette(recordings(__file__) / FAILED_STREAM)[2]
    head, sep, tail = it.response_body.rpartition(b',"usage":{"queue_time"')
    body = head + b',"_usage":{"queue_time"' + tail
    assert sep and b'"x_groq":{"id":"req_01khrvt' in head
    with ReplayServer([Reply(200, body, headers=it.response_headers)]) as server:
        client = fluentai.Client(providers={"groq": {"api_key": "k",
                                                     "base_url": server.url + "/openai/v1"}})
        response = client.stream("groq/openai/gpt-oss-120b", "x").collect()
    assert (response.usage.input_tokens, response.usage.output_tokens) == (339, 58)


def test_groq_base_url_means_what_it_means_in_the_groq_sdk() -> None:
    """GROQ_BASE_URL names the host as the official SDK reads it: requests go to
    <host>/openai/v1/..."""
    it = load_cassette(recordings(__file__) / "groq/test_groq_model_instructions.yaml")[0]
    with ReplayServer([Reply.from_interaction(it)]) as server:
        r = fluentai.Client(env={"GROQ_API_KEY": "gsk-env", "GROQ_BASE_URL": server.url}
                            ).chat("groq/llama-3.3-70b-versatile",
                                   "What is the capital of France?",
                                   system="You are a helpful assistant.")
        assert server.requests[0].path == "/openai/v1/chat/completions"
    assert r.text == "The capital of France is Paris."
