"""Bad input from the caller is a clear, typed error before anything is sent: an
InvalidInputError (also a ValueError) whose message says what to change, and the server,
which counts every request, receives none. Sync and async, chat and stream."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import fluentai
from fluentai.errors import AuthenticationError, ContextLengthExceededError, InvalidInputError
from fluentai.testing import ReplayServer, Reply, load_cassette, recordings


class Opaque:
    """A type JSON Schema cannot describe."""


def takes_opaque(thing: Opaque) -> str:
    """Uses a type with no schema."""
    return ""


def takes_missing(thing: NotDefinedAnywhere) -> str:  # type: ignore[name-defined]  # noqa: F821
    """Its annotation names a type that does not exist."""
    return ""


CASES: dict[str, tuple[dict[str, Any], str]] = {
    "empty message list": ({"prompt": []}, "the message list is empty"),
    "unknown role in a dict": ({"prompt": [{"role": "robot", "content": "hi"}]},
                               "message 0 is not a valid message"),
    "None content in a dict": ({"prompt": [{"role": "user", "content": None}]},
                               "message 0 is not a valid message"),
    "unknown role in a Message": ({"prompt": [fluentai.Message("robot", "hi")]},  # type: ignore[arg-type]
                                  "has the role 'robot': use one of"),
    "None content in a Message": ({"prompt": [fluentai.Message("user", None)]},  # type: ignore[arg-type]
                                  "message 0 has no usable content"),
    "None prompt": ({"prompt": None}, "the prompt is a NoneType: give the text"),
    "bytes prompt": ({"prompt": b"hi"}, "decode it first"),
    "None model": ({"model": None}, "the model must be a string"),
    "a number as the model": ({"model": 4}, "the model must be a string"),
    "no model after the provider": ({"model": "openai/"}, "needs both parts"),
    "a newline in the model": ({"model": "openai/gpt-4o\n"}, "contains whitespace or a "
                                                              "control character"),
    "a lone surrogate": ({"prompt": "caf\udce9"}, "lone surrogate '\\udce9' at position 3"),
    "a lone surrogate in the system prompt": ({"system": "\ud800"}, "system contains a lone"),
    "a tool JSON Schema cannot express": ({"tools": [takes_opaque]},
                                          "tool 'takes_opaque', parameter 'thing': JSON "
                                          "Schema cannot describe"),
    "a tool annotation that does not resolve": ({"tools": [takes_missing]},
                                                "tool 'takes_missing': parameter 'thing'"),
}


@pytest.fixture(scope="module")
def listening() -> Iterator[ReplayServer]:
    """One server for every case, ready to answer: it must never be asked."""
    with ReplayServer([Reply.from_interaction(load_cassette(
            recordings(Path(__file__).parents[1]) / "openai" /
            "test_max_completion_tokens[gpt-4o-mini].yaml")[0], path=None,
            repeat=True)]) as server:
        yield server


@pytest.mark.parametrize("call", ["chat", "stream"])
@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_a_value_error_and_nothing_is_sent(flavour: Any, listening: Any,
                                                        case: str, call: str) -> None:
    given, message = CASES[case]
    kwargs = dict(given)
    args = {"prompt": kwargs.pop("prompt", "hello"),
            "model": kwargs.pop("model", "openai/gpt-4o-mini")}
    client = flavour.client(listening)
    with pytest.raises(InvalidInputError) as info:
        getattr(client, call)(args["prompt"], args["model"], **kwargs)
    assert listening.requests == []
    assert isinstance(info.value, ValueError)
    assert message in str(info.value), str(info.value)


def test_a_prompt_over_the_context_window_is_refused_before_sending(flavour: Any) -> None:
    window = 128_000  # gpt-4o-mini's, as the catalog gives it
    prompt = "word " * (window * 2)  # ~256k tokens by any tokenizer
    with flavour.server(flavour.chat_reply()) as server:
        client = flavour.client(server)
        with pytest.raises(ContextLengthExceededError) as info:
            client.chat(prompt)
        assert server.requests == []
        assert client.chat(prompt, check_context=False).text  # overridden: sent
        assert len(server.requests) == 1
    error = info.value
    assert isinstance(error, ValueError) and error.context_window == window
    assert error.estimated_tokens is not None and error.estimated_tokens > window
    assert "check_context=False" in str(error) and "[HTTP" not in str(error)


def test_a_refused_key_names_the_variable_to_set(flavour: Any) -> None:
    body = {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error",
                      "code": "invalid_api_key"}}
    with flavour.server(Reply(401, body)) as server, \
            pytest.raises(AuthenticationError, match="Set OPENAI_API_KEY to a valid key"):
        flavour.client(server).chat()


def test_the_typed_surface_rejects_a_misspelt_option(flavour: Any) -> None:
    with flavour.server() as server:
        with pytest.raises(TypeError, match="did you mean 'temperature'"):
            flavour.client(server).chat(temprature=0.2)
        assert server.requests == []


