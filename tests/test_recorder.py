"""The recorder captures real traffic, exactly, into a cassette with every credential
redacted. Proof: a ReplayServer replaying real recordings stands in for each provider
(SSE, NDJSON, AWS event-stream); the cassette recorded from it, replayed, gives the same
events; no credential appears anywhere in the file."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.credentials import Credentials

import fluentai
from fluentai import OpenAICompatible, hookimpl
from fluentai.plugins import Registry
from fluentai.testing import Recorder, ReplayServer, Reply, load_cassette, recordings

REC = recordings(__file__)
KEY = "sk-recorder-SECRET-0123456789abcdef"
AWS = Credentials("AKIARECORDERTEST0001", "recorder/SECRET/aws+key0123456789abcdefgh",
                  "IQoJb3JpZ2luX2VjRECORDERSESSIONTOKEN0123456789")


def _events(client: Any, model: str, prompt: str, asynchronous: bool, **kw: Any) -> list[Any]:
    if not asynchronous:
        with client:
            return list(client.stream(model, prompt, **kw))

    async def run() -> list[Any]:
        async with client:
            return [ev async for ev in client.stream(model, prompt, **kw)]

    return asyncio.run(run())


def record_and_replay(recorded: Path, provider: str, settings: dict[str, Any], model: str,
                      prompt: str, tmp_path: Path, asynchronous: bool = False,
                      base_path: str = "", **kw: Any) -> tuple[str, list[Any], list[Any]]:
    """Record the real recording served by a local server, then replay the new cassette:
    the cassette's text and the events of both runs."""
    make = fluentai.AsyncClient if asynchronous else fluentai.Client
    [it] = load_cassette(recorded)
    recorder = Recorder()
    with ReplayServer([Reply.from_interaction(it)]) as server:
        client = make(plugins=[recorder], retry=0, env={},
                      providers={provider: {**settings, "base_url": server.url + base_path}})
        first = _events(client, model, prompt, asynchronous, **kw)
    cassette = recorder.save(tmp_path / "cassette.yaml")
    [again] = load_cassette(cassette)
    with ReplayServer([Reply.from_interaction(again)]) as server:
        client = make(retry=0, env={},
                      providers={provider: {**settings, "base_url": server.url + base_path}})
        second = _events(client, model, prompt, asynchronous, **kw)
        replayed = server.requests[0]
    assert again.request_body == replayed.body  # the request, exactly as sent
    assert again.response_body == it.response_body  # the response, byte for byte
    return cassette.read_text(), first, second


@pytest.mark.parametrize("asynchronous", [False, True])
def test_sse_openai(tmp_path: Path, asynchronous: bool) -> None:
    text, first, second = record_and_replay(
        REC / "openai/test_dbos_model_stream_direct.yaml", "openai", {"api_key": KEY},
        "openai/gpt-4o", "What is the capital of Mexico?", tmp_path, asynchronous,
        base_path="/v1")
    assert first == second and fluentai.collect(first).text == \
        "The capital of Mexico is Mexico City."
    assert KEY not in text
    assert "authorization:\n      - REDACTED" in text
    assert "string: |" in text  # SSE kept readable, one event per line


@pytest.mark.parametrize("asynchronous", [False, True])
def test_ndjson_ollama(tmp_path: Path, asynchronous: bool) -> None:
    text, first, second = record_and_replay(
        REC / "ollama/TestClient_GenerateChatStream.httprr", "ollama", {"api_key": KEY},
        "ollama/gemma3:1b", "Count from 1 to 5", tmp_path, asynchronous,
        max_tokens=50, temperature=0)
    assert first == second and fluentai.collect(first).text.startswith("Okay")
    assert KEY not in text and "application/x-ndjson" in text


@pytest.mark.parametrize("asynchronous", [False, True])
def test_aws_event_stream_bedrock(tmp_path: Path, asynchronous: bool) -> None:
    text, first, second = record_and_replay(
        REC / "bedrock/test_bedrock_model_stream.yaml", "bedrock",
        {"region": "us-east-1", "credentials": AWS}, "bedrock/us.amazon.nova-micro-v1:0",
        "What is the capital of France?", tmp_path, asynchronous,
        system="You are a helpful chatbot.", temperature=0.0)
    assert first == second and "Paris" in fluentai.collect(first).text
    assert "!!binary" in text  # the event-stream body, base64 as VCR stores bytes
    for secret in (AWS.secret_key, AWS.token, "Signature=", AWS.access_key):
        assert secret not in text, secret
    assert "x-amz-security-token:\n      - REDACTED" in text


def test_a_key_echoed_in_a_response_body_is_redacted(tmp_path: Path) -> None:
    """OpenAI's real 401 names the key it was given ('invalid-key')."""
    [it] = load_cassette(REC / "openai/chat_error_handling_with_openai_gpt-5-nano_raises_"
                                "appropriate_auth_error.yml")
    recorder = Recorder()
    with ReplayServer([Reply.from_interaction(it, path=None)]) as server, \
            pytest.raises(fluentai.errors.AuthenticationError):
        fluentai.Client(plugins=[recorder], providers={"openai": {
            "api_key": "invalid-key", "base_url": server.url + "/v1"}}
                        ).chat("openai/gpt-5-nano", "Hello")
    text = recorder.save(tmp_path / "denied.yaml").read_text()
    assert "invalid-key" not in text
    assert "Incorrect API key provided: REDACTED." in text
    [back] = load_cassette(tmp_path / "denied.yaml")
    assert back.status == 401


class _QueryKeyAuth(httpx.Auth):
    def __init__(self, key: str) -> None:
        self._key = key

    def auth_flow(self, request: httpx.Request) -> Any:
        request.url = request.url.copy_merge_params({"key": self._key})
        yield request


class QueryKey(OpenAICompatible):
    """A provider that takes its key in the query string, as some APIs do."""

    name = "querykey"
    api_key_env = ("QUERYKEY_API_KEY",)

    def auth(self) -> httpx.Auth:
        return _QueryKeyAuth(self.api_key.get())


@hookimpl
def fluentai_providers() -> list[type[OpenAICompatible]]:
    return [QueryKey]


def test_a_key_in_the_query_string_is_redacted(tmp_path: Path) -> None:
    [it] = load_cassette(REC / "openai/test_max_completion_tokens[gpt-4o-mini].yaml")
    recorder = Recorder()
    with ReplayServer([Reply.from_interaction(it)]) as server:
        registry = Registry([sys.modules[__name__], recorder])
        client = fluentai.Client(registry=registry, providers={"querykey": {"api_key": KEY,
                                                         "base_url": server.url + "/v1"}})
        client.chat("querykey/gpt-4o-mini", "hello")
        assert server.requests[0].query == f"key={KEY}"
    text = recorder.save(tmp_path / "query.yaml").read_text()
    assert KEY not in text and "chat/completions?key=REDACTED" in text


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI", "FLUENTAI_"))}
    return subprocess.run([sys.executable, "-m", "fluentai.cli", *args], capture_output=True,
                          text=True, env={**base, **env}, timeout=60)


def test_fluentai_record_chat(tmp_path: Path) -> None:
    [it] = load_cassette(REC / "openai/test_dbos_model_stream_direct.yaml")
    cassette = tmp_path / "cassette.yaml"
    with ReplayServer([Reply.from_interaction(it)]) as server:
        out = run_cli("record", "-o", str(cassette), "chat", "openai/gpt-4o",
                      "What is the capital of Mexico?", "--usage",
                      env={"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.url + "/v1"})
    assert out.returncode == 0, out.stderr
    assert f"recorded 1 exchange(s) to {cassette}, credentials redacted" in out.stderr
    assert KEY not in cassette.read_text()
    with ReplayServer.from_cassette(load_cassette(cassette)) as server:
        again = run_cli("chat", "openai/gpt-4o", "What is the capital of Mexico?",
                        env={"OPENAI_API_KEY": "sk-other", "OPENAI_BASE_URL": server.url + "/v1"})
    assert again.stdout == out.stdout == "The capital of Mexico is Mexico City.\n"


def test_the_pytest_fixture_writes_the_cassette_beside_the_test(tmp_path: Path) -> None:
    recorded = REC / "openai/test_dbos_model_stream_direct.yaml"
    (tmp_path / "conftest.py").write_text(
        'pytest_plugins = ["fluentai.testing.pytest_plugin"]\n')
    (tmp_path / "test_live.py").write_text(textwrap.dedent(f"""
        import fluentai
        from fluentai.testing import ReplayServer, load_cassette

        def test_mexico(fluentai_recorder):
            [it] = load_cassette({str(recorded)!r})
            with ReplayServer.from_cassette([it]) as server:
                client = fluentai.Client(plugins=[fluentai_recorder], providers={{"openai": {{
                    "api_key": {KEY!r}, "base_url": server.url + "/v1"}}}})
                assert "Mexico City" in client.stream("openai/gpt-4o", "x").collect().text
    """))
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "--rootdir", str(tmp_path), str(tmp_path)], capture_output=True,
                         text=True, cwd=tmp_path, timeout=120)
    assert out.returncode == 0, out.stdout[-2000:]
    cassette = tmp_path / "recordings" / "test_live" / "test_mexico.yaml"
    [it] = load_cassette(cassette)
    assert it.path == "/v1/chat/completions"
    assert it.response_body == load_cassette(recorded)[0].response_body
    assert KEY not in cassette.read_text()
