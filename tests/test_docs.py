"""The documentation cannot rot: every file in examples/ runs as a user runs it, and every
```python block of the READMEs, docs/ and spec/ runs, each against a local replay server
serving real recorded provider traffic.

Keys and base URLs reach the code the way they reach a user's program: through the
environment (``OPENAI_API_KEY``, ``FLUENTAI_OPENAI_BASE_URL``, ...). Every installed
provider's base URL points at a closed local port unless a script below serves it, so no
snippet can ever reach a real provider. A block that is not meant to run is preceded by
``<!-- docs-test: skip (why) -->``; none is today.

The one response no real recording exists for is OpenAI's model listing (``GET
/v1/models``, used by ``client.models`` and ``client.check``): ``LISTING`` below follows the
API reference's documented shape, as fluentai-openai's own test does.
"""

from __future__ import annotations

import ast
import asyncio
import os
import re
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from fluentai.plugins import Registry
from fluentai.testing import ReplayServer, Reply, load_cassette, make_tls, recordings

ROOT = Path(__file__).resolve().parents[1]
REC = recordings(__file__)
UNREACHABLE = None  # a script entry: the provider's base URL is a closed port
Script = dict[str, list[Reply] | None]


def rec(name: str, interaction: int = 0) -> Reply:
    return Reply.from_interaction(load_cassette(REC / name)[interaction])


def chat() -> Reply:  # gpt-4o-mini: "Hello! How can I assist you today?"
    return rec("openai/test_max_completion_tokens[gpt-4o-mini].yaml")


def stream() -> Reply:  # "The capital of Mexico is Mexico City."
    return rec("openai/test_dbos_model_stream_direct.yaml")


def tool_stream() -> Reply:  # two parallel tool calls, streamed
    return rec("openai/test_complex_agent_run.yaml")


def embeddings() -> Reply:
    return rec("openai/TestOpenAI.test_query.yaml")


def listing() -> Reply:
    """No recording of GET /v1/models exists: the shape of OpenAI's API reference."""
    return Reply(200, {"object": "list", "data": [
        {"id": "gpt-4o-mini", "object": "model", "created": 1721172741, "owned_by": "system"},
        {"id": "text-embedding-3-small", "object": "model", "created": 1705948997,
         "owned_by": "system"}]}, path="/v1/models")


def claude_stream() -> Reply:
    return rec("anthropic/test_anthropic_model_thinking_part_stream.yaml")


def claude_chat() -> Reply:
    return rec("anthropic/test_anthropic_model_instructions.yaml")


def readme_tour() -> Script:
    """chat, stream with a tool, embed, models, check, then the builder's chat and stream."""
    return {"openai": [chat(), tool_stream(), embeddings(), listing(), listing(), chat(),
                       stream()]}


# What each example and each requesting block is served, in the order it asks.
EXAMPLES: dict[str, Callable[[], Script]] = {
    "quickstart.py": readme_tour,
    "async_stream.py": lambda: {"anthropic": [claude_stream(), claude_chat()]},
    "fallbacks.py": lambda: {"anthropic": UNREACHABLE, "openai": [chat()]},
    "plugin.py": lambda: {"acme": [chat()]},
    "typing_mistakes.py": dict,
}
BLOCKS: dict[tuple[str, int], Callable[[], Script]] = {
    ("README.md", 0): readme_tour,
    ("README.md", 1): lambda: {"anthropic": [claude_stream(), claude_chat()]},
    ("README.md", 2): lambda: {"anthropic": UNREACHABLE, "openai": [chat()]},
    ("docs/resilience.md", 0): lambda: {"openai": [chat()]},
    ("docs/resilience.md", 2): lambda: {"anthropic": UNREACHABLE, "openai": [chat()]},
}

DOCS = sorted(str(p.relative_to(ROOT)).replace(os.sep, "/") for pattern in (
    "README.md", "core/README.md", "plugins/*/README.md", "docs/*.md", "spec/*.md",
    "examples/*.md") for p in ROOT.glob(pattern))
_FENCE = re.compile(r"(?:<!-- docs-test: skip \((?P<why>[^)]+)\) -->\n)?"
                    r"^```python\n(?P<code>.*?)^```$", re.DOTALL | re.MULTILINE)


def python_blocks(doc: str) -> list[tuple[int, str | None, str]]:
    """(line, skip reason, code) of every ```python block."""
    text = (ROOT / doc).read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start("code")) + 1, m.group("why"), m.group("code"))
            for m in _FENCE.finditer(text)]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _provider_classes() -> dict[str, Any]:
    registry = Registry()
    registry.load()
    return dict(registry.providers)


def _base_path(cls: Any) -> str:
    """What follows the host in a provider's base URL: ``/v1`` mostly (and for a provider
    the program defines itself, as plugin.py does)."""
    return urlsplit(getattr(cls, "base_url", "https://example.invalid/v1")).path.rstrip("/")


def _base_url_variable(name: str) -> str:
    return f"FLUENTAI_{name.upper().replace('-', '_')}_BASE_URL"


@contextmanager
def serving(script: Script, keyed: set[str] = frozenset()
            ) -> Iterator[tuple[dict[str, str], list[ReplayServer]]]:
    """The environment variables a program needs to talk to replay servers for the
    providers in ``script``, with every other provider's base URL on a closed port and
    every credential cleared but the keys of ``script``'s and ``keyed``'s providers."""
    classes = _provider_classes()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("FLUENTAI_", "AWS_", "GOOGLE_", "AZURE_", "VERTEX_"))
           and not k.endswith(("_API_KEY", "_BASE_URL", "_TOKEN"))}
    closed = f"http://127.0.0.1:{_closed_port()}"
    for name, cls in classes.items():
        env[_base_url_variable(name)] = closed + _base_path(cls)
    for name in {*script, *keyed}:
        key = classes[name].api_key_env[0] if name in classes else f"{name.upper()}_API_KEY"
        env[key] = f"sk-docs-test-{name}"
    servers: list[ReplayServer] = []
    with ExitStack() as stack:
        for name, replies in script.items():
            host = closed
            if replies is not None:
                servers.append(stack.enter_context(ReplayServer(replies)))
                host = servers[-1].url
            env[_base_url_variable(name)] = host + _base_path(classes.get(name))
            if name not in classes:  # a provider the program defines itself (plugin.py)
                env[f"{name.upper()}_BASE_URL"] = env[_base_url_variable(name)]
        yield env, servers


def _all_served(servers: list[ReplayServer], script: Script) -> None:
    served = sum(len(s.requests) for s in servers)
    expected = sum(len(r) for r in script.values() if r is not None)
    assert served == expected, f"{served} requests for {expected} scripted replies"


@pytest.mark.parametrize("example", sorted(p.name for p in (ROOT / "examples").glob("*.py")))
def test_example_runs(example: str) -> None:
    assert example in EXAMPLES, f"examples/{example}: add what it is served to EXAMPLES"
    script = EXAMPLES[example]()
    with serving(script) as (env, servers):
        run = subprocess.run([sys.executable, str(ROOT / "examples" / example)], env=env,
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
        _all_served(servers, script)
    if example in ("quickstart.py", "fallbacks.py", "plugin.py"):
        assert "Hello! How can I assist you today?" in run.stdout
    if example == "fallbacks.py":
        assert "openai/gpt-4o-mini-2024-07-18 answered" in run.stdout
        assert "skipped: {'skipped': ['anthropic/claude-sonnet-4-5']}" in run.stdout


def test_every_scripted_block_exists() -> None:
    for doc, index in BLOCKS:
        assert index < len(python_blocks(doc)), f"{doc} has no python block #{index}"


@pytest.mark.parametrize("doc", [d for d in DOCS if python_blocks(d)])
def test_doc_snippets_run(doc: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The blocks of one document run in order in one namespace, as a reader pastes them,
    from a folder holding the files they name (a CA bundle ``ca.pem``). A client made in
    one block keeps the providers it resolved there, so every provider the document uses
    has its key throughout; base URLs follow each block's script."""
    keyed = {name for (d, _), script in BLOCKS.items() if d == doc for name in script()}
    make_tls(tmp_path)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    for index, (line, skip, code) in enumerate(python_blocks(doc)):
        if skip:
            continue
        script = BLOCKS.get((doc, index), dict)()
        with serving(script, keyed) as (env, servers), monkeypatch.context() as m:
            for k in list(os.environ):
                if k not in env:
                    m.delenv(k)
            for k, v in env.items():
                m.setenv(k, v)
            compiled = compile(code, f"{doc}, block {index} (line {line})", "exec",
                               flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
            result = eval(compiled, namespace)
            if asyncio.iscoroutine(result):
                asyncio.run(result)
            _all_served(servers, script)
