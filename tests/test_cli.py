"""The fluentai command against a real local server."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from fluentai.testing import ReplayServer, load_cassette, recordings

FIX = recordings(__file__) / "openai"


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI")}
    return subprocess.run([sys.executable, "-m", "fluentai.cli", *args], capture_output=True,
                          text=True, env={**base, **(env or {})}, timeout=60)


def test_chat_streams_to_the_terminal() -> None:
    [it] = load_cassette(FIX / "test_dbos_model_stream_direct.yaml")
    with ReplayServer.from_cassette([it]) as server:
        out = run("chat", "openai/gpt-4o", "What is the capital of Mexico?", "--usage",
                  env={"OPENAI_API_KEY": "sk-cli", "OPENAI_BASE_URL": server.url + "/v1"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "The capital of Mexico is Mexico City."
    assert "[14 in, 8 out" in out.stderr


def test_chat_json_prints_the_final_response() -> None:
    [it] = load_cassette(FIX / "test_max_completion_tokens[gpt-4o-mini].yaml")
    with ReplayServer.from_cassette([it]) as server:
        out = run("chat", "openai/gpt-4o-mini", "hello", "--json", "--max-tokens", "100",
                  env={"OPENAI_API_KEY": "sk-cli", "OPENAI_BASE_URL": server.url + "/v1"})
        sent = server.requests[0].json
    data = json.loads(out.stdout)
    assert data["text"] == "Hello! How can I assist you today?"
    assert data["usage"]["input_tokens"] == 8 and data["finish_reason"] == "stop"
    assert sent["max_completion_tokens"] == 100


def test_chat_without_a_key_names_the_variable() -> None:
    out = run("chat", "openai/gpt-4o-mini", "hi")
    assert out.returncode == 1
    assert "OPENAI_API_KEY" in out.stderr and "Traceback" not in out.stderr


def test_models_lists_the_catalog_as_json() -> None:
    out = run("models", "openai", "--no-live", "--json")
    ids = {m["id"] for m in json.loads(out.stdout)}
    assert {"gpt-4o-mini", "text-embedding-3-small"} <= ids


def test_check_without_key() -> None:
    out = run("check", "openai")
    assert out.returncode == 1 and "set OPENAI_API_KEY" in out.stdout


def test_embed_prints_vectors() -> None:
    [it] = load_cassette(FIX / "TestOpenAI.test_query.yaml")
    with ReplayServer.from_cassette([it]) as server:
        out = run("embed", "openai/text-embedding-3-small", "Hello, world!",
                  env={"OPENAI_API_KEY": "sk-cli", "OPENAI_BASE_URL": server.url + "/v1"})
    data = json.loads(out.stdout)
    assert len(data["embeddings"][0]["vector"]) == 1536
