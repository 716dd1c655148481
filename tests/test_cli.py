"""The fluentai command against a real local server."""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys

import pytest

import fluentai
from fluentai.testing import ReplayServer, Reply, load_cassette, recordings

FIX = recordings(__file__) / "openai"


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    keys = ("OPENAI", "GROQ", "GITHUB", "GH_", "OPENROUTER", "PERPLEXITY", "FLUENTAI_")
    base = {k: v for k, v in os.environ.items() if not k.startswith(keys)}
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
    assert out.returncode == 3
    assert "OPENAI_API_KEY" in out.stderr and "Traceback" not in out.stderr


def test_models_lists_the_catalog_as_json() -> None:
    out = run("models", "openai", "--no-live", "--json")
    ids = {m["id"] for m in json.loads(out.stdout)}
    assert {"gpt-4o-mini", "text-embedding-3-small"} <= ids


def test_check_without_key() -> None:
    out = run("check", "openai")
    assert out.returncode == 3 and "set OPENAI_API_KEY" in out.stdout


def test_embed_prints_vectors() -> None:
    [it] = load_cassette(FIX / "TestOpenAI.test_query.yaml")
    with ReplayServer.from_cassette([it]) as server:
        out = run("embed", "openai/text-embedding-3-small", "Hello, world!",
                  env={"OPENAI_API_KEY": "sk-cli", "OPENAI_BASE_URL": server.url + "/v1"})
    assert len(json.loads(out.stdout)) == 1536


# --- version, help, exit statuses ----------------------------------------------------------

REC = recordings(__file__)
GROQ = REC / "groq"


def openai_env(server: ReplayServer) -> dict[str, str]:
    return {"OPENAI_API_KEY": "sk-cli-0123456789", "OPENAI_BASE_URL": server.url + "/v1"}


def test_version() -> None:
    out = run("--version")
    assert out.returncode == 0 and out.stdout.strip() == f"fluentai-core {fluentai.__version__}"


def test_every_option_has_help_text() -> None:
    from fluentai.cli import parser

    def walk(p: argparse.ArgumentParser, where: str) -> list[str]:
        missing = []
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    missing += walk(sub, f"{where} {name}")
            elif not action.help:
                missing.append(f"{where} {'/'.join(action.option_strings) or action.dest}")
        return missing

    assert walk(parser(), "fluentai") == []


def test_help_documents_the_exit_statuses() -> None:
    out = run("--help")
    for code, kind in [(2, "usage"), (3, "configuration"), (4, "authentication"),
                       (5, "not found"), (6, "rate limit or quota"), (7, "network or timeout"),
                       (8, "provider error")]:
        assert f"  {code}  {kind}" in out.stdout


def test_exit_2_on_usage_errors() -> None:
    assert run("chat", "openai/gpt-4o-mini").returncode == 2
    assert run("record", "-o", "x.yaml").returncode == 2


def test_exit_3_on_configuration() -> None:
    out = run("chat", "openai/gpt-4o-mini", "hi")
    assert out.returncode == 3 and "OPENAI_API_KEY" in out.stderr
    assert run("chat", "opneai/gpt-4o-mini", "hi").returncode == 3  # no such provider


def test_exit_3_when_trace_needs_the_otel_extra() -> None:
    code = ("import sys; sys.modules['opentelemetry.exporter'] = None; "
            "from fluentai.cli import main; sys.exit(main(['chat', '--trace', 'openai/x', 'hi']))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 3 and "pip install 'fluentai-core[otel]'" in out.stderr


@pytest.mark.parametrize(("recording", "code", "said"), [
    ("openai/chat_error_handling_with_openai_gpt-5-nano_raises_appropriate_auth_error.yml", 4,
     "Incorrect API key provided"),
    ("openai/test_model_name_suggestion[openai-chat].yaml", 5, "does not exist"),
    ("openai/test_openai_o1_mini_system_role[developer].yaml", 8, "Unsupported value"),
])
def test_exit_status_by_kind_of_provider_error(recording: str, code: int, said: str) -> None:
    [it] = load_cassette(REC / recording)
    with ReplayServer([Reply.from_interaction(it, path=None)]) as server:
        out = run("chat", "openai/gpt-4o-mini", "hi", env=openai_env(server))
    assert out.returncode == code, out.stderr
    assert said in out.stderr and "Traceback" not in out.stderr


def test_exit_6_on_a_rate_limit_once_retries_are_spent() -> None:
    recorded = load_cassette(REC / "openrouter/test_openrouter_errors_raised.yaml")
    with ReplayServer([Reply.from_interaction(it) for it in recorded]) as server:
        out = run("--retries", "2", "chat", "openrouter/google/gemini-2.0-flash-exp:free", "hi",
                  env={"OPENROUTER_API_KEY": "sk-or-0123456789",
                       "FLUENTAI_OPENROUTER_BASE_URL": server.url + "/api/v1"})
        assert len(server.requests) == 3
    assert out.returncode == 6 and "Provider returned error" in out.stderr


def test_exit_7_when_the_provider_cannot_be_reached_or_is_too_slow() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = run("--retries", "0", "chat", "openai/gpt-4o-mini", "hi",
              env={"OPENAI_API_KEY": "sk-cli", "OPENAI_BASE_URL": f"http://127.0.0.1:{port}/v1"})
    assert out.returncode == 7 and "could not reach" in out.stderr
    [it] = load_cassette(FIX / "test_max_completion_tokens[gpt-4o-mini].yaml")
    with ReplayServer([Reply.from_interaction(it, delay=3)]) as server:
        out = run("--timeout", "0.5", "chat", "openai/gpt-4o-mini", "hi", "--no-stream",
                  env=openai_env(server))
    assert out.returncode == 7 and "Timeout" in out.stderr


def test_check_exit_statuses() -> None:
    assert run("check", "openai").returncode == 3
    [listing] = load_cassette(REC / "github/chatlas__test_github_list_models.yaml")
    with ReplayServer([Reply.from_interaction(listing)]) as server:
        ok = run("check", "github", env={"GITHUB_TOKEN": "ghp-cli-0123456789",
                                         "FLUENTAI_GITHUB_BASE_URL": server.url + "/inference"})
    assert ok.returncode == 0 and ok.stdout.startswith("github: ok (verified in ")
    [denied] = load_cassette(REC / "openai/chat_error_handling_with_openai_gpt-5-nano_raises_"
                                   "appropriate_auth_error.yml")
    with ReplayServer([Reply.from_interaction(denied, path=None)]) as server:
        out = run("check", "openai", env=openai_env(server))
    assert out.returncode == 4 and "Incorrect API key" in out.stdout
    unverified = run("check", "perplexity", "--json", env={"PERPLEXITY_API_KEY": "pplx-1"})
    data = json.loads(unverified.stdout)
    assert unverified.returncode == 0 and data["configured"] and not data["ok"]
    assert data["problem"].startswith("configured, not verified")


# --- chat modes, embed, providers ------------------------------------------------------------

def groq_env(server: ReplayServer) -> dict[str, str]:
    return {"GROQ_API_KEY": "gsk-cli-0123456789",
            "FLUENTAI_GROQ_BASE_URL": server.url + "/openai/v1"}


@pytest.mark.parametrize("mode", [[], ["--no-stream"], ["--json"]])
def test_usage_and_reasoning_in_every_mode(mode: list[str]) -> None:
    name = "test_tool_use_failed_error" + ("_streaming" if not mode else "")
    it = load_cassette(GROQ / f"{name}.yaml")[2]
    with ReplayServer([Reply.from_interaction(it)]) as server:
        out = run("chat", "groq/openai/gpt-oss-120b", "hi", "--usage", "--reasoning", *mode,
                  env=groq_env(server))
    assert out.returncode == 0, out.stderr
    reasoning, usage = out.stderr.rstrip("\n").rsplit("\n", 1)
    assert reasoning.startswith("We need to respond") if mode else len(reasoning) > 20
    assert re.fullmatch(r"\[\d+ in, \d+ out(, \$\d+\.\d+)?\]", usage)
    if mode == ["--json"]:
        data = json.loads(out.stdout)
        assert data["reasoning"].startswith("We need") and data["usage"]["input_tokens"] > 0
        assert data["text"].startswith("The first call failed")
    else:
        assert out.stdout.startswith("The first call failed" if mode else "The tool returned")


def test_without_the_flags_nothing_goes_to_stderr() -> None:
    it = load_cassette(GROQ / "test_tool_use_failed_error.yaml")[2]
    with ReplayServer([Reply.from_interaction(it)]) as server:
        out = run("chat", "groq/openai/gpt-oss-120b", "hi", "--no-stream", env=groq_env(server))
    assert out.returncode == 0 and out.stderr == ""


def test_embed_prints_one_compact_vector_per_line() -> None:
    [it] = load_cassette(FIX / "TestOpenAI.test_query.yaml")
    with ReplayServer([Reply.from_interaction(it)] * 2) as server:
        out = run("embed", "openai/text-embedding-3-small", "Hello, world!", "--usage",
                  env=openai_env(server))
        whole = run("embed", "openai/text-embedding-3-small", "Hello, world!", "--json",
                    env=openai_env(server))
    lines = out.stdout.splitlines()
    assert len(lines) == 1 and " " not in lines[0]
    assert len(json.loads(lines[0])) == 1536 and out.stderr.startswith("[4 in, 0 out")
    assert len(whole.stdout.splitlines()) == 1
    assert json.loads(whole.stdout)["embeddings"][0]["vector"] == json.loads(lines[0])


def test_providers_json_has_booleans_and_the_problem() -> None:
    out = run("providers", "--json", env={"GITHUB_TOKEN": "ghp-1"})
    found = {p["name"]: p for p in json.loads(out.stdout)}
    assert found["github"]["configured"] is True and found["github"]["problem"] is None
    assert found["openai"]["configured"] is False
    assert found["openai"]["problem"] == "set OPENAI_API_KEY"
