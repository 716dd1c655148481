"""Ollama's native API against a real local server replaying recorded Ollama traffic."""

from __future__ import annotations

import socket

import pytest

import fluentai
from fluentai.errors import APIConnectionError, InvalidRequestError
from fluentai.testing import ReplayServer, Reply, load_cassette, recordings
from fluentai.testing.conformance import Case, ProviderSuite

FIX = recordings(__file__) / "ollama"


class TestOllamaConformance(ProviderSuite):
    provider = "ollama"
    capabilities = {"chat", "stream", "tools", "reasoning", "vision", "json", "embeddings",
                    "models"}
    cases = {
        "stream": Case(recording="ollama/TestClient_GenerateChatStream.httprr",
                       model="gemma3:1b", prompt="Count from 1 to 5", stream=True,
                       call={"max_tokens": 50, "temperature": 0},
                       expect_usage=(16, 22), expect_finish="stop"),
        "stream_usage": Case(recording="ollama/TestClient_GenerateChatWithThink.httprr",
                             model="gemma3:1b", stream=True, expect_usage=(20, 55)),
        "provider_error": Case(recording="ollama/TestToolCall.httprr", model="gemma3:1b",
                               expect_error="InvalidRequestError"),
        "embeddings": Case(recording="ollama/TestClient_CreateEmbedding.httprr",
                           model="nomic-embed-text", prompt="Hello world"),
    }


def client_for(server: ReplayServer) -> fluentai.Client:
    return fluentai.Client(env={"OLLAMA_HOST": server.url.removeprefix("http://")})


def test_streamed_ndjson_text_and_request() -> None:
    [it] = load_cassette(FIX / "TestClient_GenerateChatStream.httprr")
    lines = [line for line in it.response_body.splitlines() if line]
    import json
    expected = "".join(json.loads(line)["message"]["content"] for line in lines)
    with ReplayServer.from_cassette([it]) as server:
        stream = client_for(server).stream("ollama/gemma3:1b", "Count from 1 to 5",
                                           max_tokens=50, temperature=0)
        text = "".join(stream.text())
        sent = server.requests[0]
    assert text == expected and text.startswith("Okay, here we go!")
    assert sent.path == "/api/chat" and "authorization" not in sent.headers
    body = sent.json
    assert body["options"] == {"num_predict": 50, "temperature": 0}
    assert body["messages"] == it.request_json["messages"] and body["stream"] is True


def test_model_without_tool_support_is_a_clear_error() -> None:
    [it] = load_cassette(FIX / "TestToolCall.httprr")
    with ReplayServer.from_cassette([it]) as server, \
            pytest.raises(InvalidRequestError, match="does not support tools"):
        client_for(server).chat("ollama/gemma3:1b", "Which date do we have today?",
                                tools=[fluentai.Tool("getTime", "Get the current time.")])


def test_embeddings_and_keep_alive() -> None:
    [it] = load_cassette(FIX / "TestClient_CreateEmbedding.httprr")
    with ReplayServer.from_cassette([it]) as server:
        client = fluentai.Client(env={"OLLAMA_HOST": server.url, "OLLAMA_KEEP_ALIVE": "5m"})
        r = client.embed("ollama/nomic-embed-text", "Hello world")
        sent = server.requests[0].json
    assert sent == {"model": "nomic-embed-text", "input": ["Hello world"], "keep_alive": "5m"}
    assert len(r.vectors[0]) == len(it.response_json["embeddings"][0]) == 768
    assert r.vectors[0][0] == it.response_json["embeddings"][0][0]
    assert r.usage.input_tokens == 2


def test_no_server_running_says_how_to_start_one() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(APIConnectionError, match="ollama serve"):
        fluentai.Client(env={"OLLAMA_HOST": f"127.0.0.1:{port}"}).chat("ollama/llama3.2", "hi")


def test_live_model_listing_from_tags() -> None:
    # shape from https://github.com/ollama/ollama/blob/main/docs/api.md#list-local-models
    tags = {"models": [{"name": "llama3.2:latest", "model": "llama3.2:latest", "size": 1}]}
    with ReplayServer([Reply(200, tags, path="/api/tags")]) as server:
        models = client_for(server).models("ollama")
    assert "llama3.2:latest" in {m.id for m in models if m.live}


@pytest.mark.parametrize(("host", "url"), [
    ("1.2.3.4", "http://1.2.3.4:11434"), (":56789", "http://127.0.0.1:56789"),
    ("example.com:56789/", "http://example.com:56789"), ("0.0.0.0", "http://0.0.0.0:11434"),
    ("http://example.com", "http://example.com"), ("[::1]", "http://[::1]:11434"),
    ("https://example.com:56789/path/", "https://example.com:56789/path"),
    ("example.com/path", "http://example.com:11434/path"),
])
def test_ollama_host_means_what_it_means_in_the_ollama_client(host: str, url: str) -> None:
    """A host without a scheme keeps Ollama's port 11434 (not HTTP's 80), as ollama-python
    and the ollama CLI read OLLAMA_HOST."""
    assert fluentai.Client(env={"OLLAMA_HOST": host}).provider("ollama").base_url == url
