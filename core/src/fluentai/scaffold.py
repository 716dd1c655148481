"""``fluentai new-plugin NAME``: a ready third-party provider plugin, written only from the
contract in spec/. ``--wire openai`` (default) for an OpenAI-compatible API; ``--wire
native`` for a provider with its own wire format, built on the Provider base and
``fluentai.decoding.JSONStream``. Either comes with a LICENSE, ``py.typed``, the
conformance suite, pytest-asyncio configured, and the recorder fixture enabled."""

from __future__ import annotations

import datetime
import re
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from string import Template

from .errors import ConfigurationError

WIRES = ("openai", "native")

PYPROJECT = '''[build-system]
requires = ["hatchling>=1.27"]  # PEP 639 license-files
build-backend = "hatchling.build"

[project]
name = "fluentai-${name}"
version = "0.1.0"
description = "${label} provider plugin for fluentai."
readme = "README.md"
requires-python = ">=3.11"
license = "MIT"
license-files = ["LICENSE"]
classifiers = [
    "Programming Language :: Python :: 3",
    "Programming Language :: Python :: 3.11",
    "Programming Language :: Python :: 3.12",
    "Programming Language :: Python :: 3.13",
    "Typing :: Typed",
]
dependencies = ["fluentai-core>=0.1,<0.2"]

[project.entry-points."fluentai.providers"]
${name} = "${module}"

[dependency-groups]
test = ["fluentai-core[testing]>=0.1,<0.2", "pytest-asyncio>=0.23"]

[tool.hatch.build.targets.wheel]
packages = ["src/${module}"]

[tool.pytest.ini_options]
testpaths = ["tests"]
asyncio_mode = "auto"
asyncio_default_fixture_loop_scope = "function"
'''

OPENAI_MODULE = '''"""${label} for fluentai (an OpenAI-compatible API).

Docs followed: <the provider's API reference URL>
"""

from __future__ import annotations

from fluentai import OpenAICompatible, hookimpl

__version__ = "0.1.0"


class ${cls}(OpenAICompatible):
    name = "${name}"
    label = "${label}"
    base_url = "https://api.${name}.example/v1"
    api_key_env = ("${env}",)


@hookimpl
def fluentai_providers() -> list[type[OpenAICompatible]]:
    return [${cls}]
'''

NATIVE_MODULE = '''"""${label} for fluentai, on its own wire format.

Docs followed: <the provider's API reference URL>

The request and response shapes below are an example to replace with ${label}'s own: a
POST to /chat with the messages, a JSON answer, and a stream of server-sent events
(``start``, ``text``, ``tool_call``, ``done``, ``error``). Core does the rest: retries,
timeouts, errors (``map_error``), tool-call assembly and the stream-event grammar.
"""

from __future__ import annotations

from typing import Any

import httpx
import msgspec

from fluentai import ChatResponse, ModelInfo, Provider, hookimpl
from fluentai.decoding import JSONStream
from fluentai.errors import StreamInterruptedError
from fluentai.events import ErrorEvent, Finish, ResponseStart, StreamEvent, TextDelta, UsageEvent
from fluentai.request import ChatRequest, ListModelsRequest
from fluentai.types import FinishReason, Part, TextPart, ToolCall, ToolResult, Usage

__version__ = "0.1.0"

STOP_REASONS: dict[str, FinishReason] = {"end": "stop", "max_tokens": "length",
                                         "tool_use": "tool_calls", "filtered": "content_filter"}


# --- the wire format: decoded straight into Structs, no dict walking -----------------------

class _Usage(msgspec.Struct):
    input_tokens: int = 0
    output_tokens: int = 0

    def to_usage(self) -> Usage:
        return Usage(self.input_tokens, self.output_tokens)


class _ToolUse(msgspec.Struct):
    id: str
    name: str
    arguments: dict[str, Any] = {}


class _Answer(msgspec.Struct):
    model: str | None = None
    id: str | None = None
    text: str = ""
    tool_calls: list[_ToolUse] = []
    stop_reason: str | None = None
    usage: _Usage | None = None


class _Event(msgspec.Struct):
    type: str
    id: str | None = None
    model: str | None = None
    text: str = ""
    tool_call: _ToolUse | None = None
    stop_reason: str | None = None
    usage: _Usage | None = None
    message: str | None = None


class _Model(msgspec.Struct):
    id: str


class _Models(msgspec.Struct):
    data: list[_Model] = []


def _finish(stop_reason: str | None) -> FinishReason:
    return STOP_REASONS.get(stop_reason or "end", "other")


def _message(role: str, parts: list[Part]) -> dict[str, Any]:
    out: dict[str, Any] = {"role": role,
                           "content": "".join(p.text for p in parts if isinstance(p, TextPart))}
    calls = [{"id": p.id, "name": p.name, "arguments": p.arguments}
             for p in parts if isinstance(p, ToolCall)]
    if calls:
        out["tool_calls"] = calls
    results = [{"tool_call_id": p.tool_call_id, "content": p.content, "is_error": p.is_error}
               for p in parts if isinstance(p, ToolResult)]
    if results:
        out["tool_results"] = results
    return out


class ${cls}Stream(JSONStream):
    """Server-sent events -> stream events (set ``framing = "ndjson"`` for JSON lines)."""

    payload_type = _Event
    framing = "sse"

    def __init__(self, provider: str, request: ChatRequest) -> None:
        super().__init__(provider, request)
        self._calls = 0
        self._done = False

    def handle(self, event: _Event, out: list[StreamEvent]) -> bool:
        kind = event.type
        if kind == "start":
            out.append(ResponseStart(event.id, event.model))
        elif kind == "text" and event.text:
            out.append(TextDelta(event.text))
        elif kind == "tool_call" and event.tool_call is not None:
            index, call = self._calls, event.tool_call
            self._calls += 1
            out.append(self._tools.start(index, call.id, call.name))
            out.append(self._tools.end(index, call.arguments))
        elif kind == "done":
            self._done = True
            if event.usage is not None:
                out.append(UsageEvent(event.usage.to_usage()))
            out.append(Finish(_finish(event.stop_reason), event.stop_reason))
        elif kind == "error":
            out.append(ErrorEvent(StreamInterruptedError(
                f"${label} reported an error mid-stream: {event.message}",
                provider=self._provider)))
            return False
        return True

    def finish(self) -> list[StreamEvent]:
        return [] if self._done else self.interrupted("its done event")


class ${cls}(Provider):
    name = "${name}"
    label = "${label}"
    base_url = "https://api.${name}.example/v1"
    api_key_env = ("${env}",)
    lists_models = True  # GET /models: also what `fluentai check ${name}` sends

    def encode_chat(self, request: ChatRequest) -> httpx.Request:
        body: dict[str, Any] = {
            "model": request.model,
            "messages": [_message(m.role, m.parts) for m in request.messages],
            "stream": request.stream,
        }
        for key, value in (("max_tokens", request.max_tokens),
                           ("temperature", request.temperature), ("top_p", request.top_p),
                           ("stop", request.stop), ("seed", request.seed)):
            if value is not None:
                body[key] = value
        if request.tools:
            body["tools"] = [{"name": t.name, "description": t.description,
                              "parameters": t.parameters} for t in request.tools]
        body.update(request.provider_options)
        headers = {**request.headers, **({"accept": "text/event-stream"}
                                         if request.stream else {})}
        return self.json_request("POST", "/chat", body, headers)

    def decode_chat(self, request: ChatRequest, response: httpx.Response) -> ChatResponse:
        wire = msgspec.json.decode(response.content, type=_Answer)
        content: list[Part] = [TextPart(wire.text)] if wire.text else []
        content += [ToolCall(c.id, c.name, c.arguments) for c in wire.tool_calls]
        return ChatResponse(provider=self.name, model=wire.model or request.model, id=wire.id,
                            content=content,
                            usage=wire.usage.to_usage() if wire.usage else Usage(),
                            finish_reason=_finish(wire.stop_reason),
                            raw_finish_reason=wire.stop_reason)

    def stream_decoder(self, request: ChatRequest) -> ${cls}Stream:
        return ${cls}Stream(self.name, request)

    def encode_list_models(self, request: ListModelsRequest) -> httpx.Request:
        return httpx.Request("GET", self.url("/models"),
                             headers={"accept": "application/json", **request.headers})

    def decode_list_models(self, request: ListModelsRequest,
                           response: httpx.Response) -> list[ModelInfo]:
        wire = msgspec.json.decode(response.content, type=_Models)
        return [ModelInfo(id=m.id, provider=self.name, live=True) for m in wire.data]


@hookimpl
def fluentai_providers() -> list[type[Provider]]:
    return [${cls}]
'''

CONFTEST = '''"""The recorder fixture (``fluentai_recorder``): see the README's "Recording"."""

pytest_plugins = ["fluentai.testing.pytest_plugin"]
'''

SUITE = '''"""The fluentai conformance suite.

Add cases pointing at recordings of ${label}'s real traffic (README: "Recording") to
cover chat, streaming and tools: ``cases = {"chat": Case(recording="${name}/chat.yaml",
model="...", expect_text="...")}``. Everything that needs no recording already runs."""

from __future__ import annotations

from fluentai.testing.conformance import Case, ProviderSuite


class TestConformance(ProviderSuite):
    provider = "${name}"
    capabilities = {"chat", "stream", "tools"}
    cases: dict[str, Case] = {}
'''

README = '''# fluentai-${name}

${label} provider plugin for [fluentai](https://pypi.org/project/fluentai-core/).

```
pip install fluentai-core fluentai-${name}
export ${env}=...
fluentai check ${name}
fluentai chat ${name}/<model> "Hello"
```

## Settings

| setting | environment | default |
|---|---|---|
| `api_key` | `${env}` | - |
| `base_url` | `FLUENTAI_${var}_BASE_URL` | `https://api.${name}.example/v1` |

## Develop

```
pip install -e . 'fluentai-core[testing]' pytest-asyncio    # or: uv sync --group test
pytest
```

## Recording

Tests replay real traffic. Capture it once with a real key, credentials redacted:

```
fluentai record -o tests/recordings/${name}/chat.yaml chat ${name}/<model> "Hello"
```

or in a test, with the `fluentai_recorder` fixture (enabled in `tests/conftest.py`):

```python
def test_chat(fluentai_recorder):
    client = fluentai.Client(plugins=[fluentai_recorder])
    client.chat("${name}/<model>", "Hello")   # written to tests/recordings/<module>/<test>.yaml
```

Then point a conformance `Case` at the cassette.
'''

CHANGELOG = '''# Changelog

## Unreleased

## 0.1.0
- First release.
'''

LICENSE = '''MIT License

Copyright (c) ${year} The fluentai-${name} authors

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
'''


def _files(wire: str) -> dict[str, str]:
    return {
        "pyproject.toml": PYPROJECT,
        "LICENSE": LICENSE,
        "README.md": README,
        "CHANGELOG.md": CHANGELOG,
        "src/${module}/__init__.py": NATIVE_MODULE if wire == "native" else OPENAI_MODULE,
        "src/${module}/py.typed": "",
        "tests/conftest.py": CONFTEST,
        "tests/test_conformance.py": SUITE,
    }


def taken(name: str) -> str | None:
    """Who already answers to ``name``: an installed provider (or alias) or a distribution
    named ``fluentai-<name>``; None when the name is free."""
    from .plugins import Registry

    registry = Registry()
    registry.load()
    canonical = registry.canonical(name)
    if canonical in registry.providers:
        owner = registry.owners[canonical].distribution or "a local plugin"
        alias = f" as an alias of {canonical!r}" if canonical != name else ""
        return f"the provider name{alias} of {owner} (installed)"
    try:
        distribution(f"fluentai-{name}")
    except PackageNotFoundError:
        return None
    return f"the distribution fluentai-{name} (installed)"


def scaffold(name: str, directory: str | Path = ".", *, wire: str = "openai") -> Path:
    """Write the plugin ``fluentai-<name>`` under ``directory`` and return its path."""
    if not re.fullmatch(r"[a-z][a-z0-9-]*", name):
        raise ConfigurationError(f"plugin name {name!r}: use lowercase letters, digits and '-'")
    if wire not in WIRES:
        raise ConfigurationError(f"--wire {wire!r}: choose one of {', '.join(WIRES)}")
    owner = taken(name)
    if owner is not None:
        raise ConfigurationError(f"the name {name!r} is taken: it is {owner}. Choose "
                                 f"another: provider names must be unique.")
    root = Path(directory) / f"fluentai-{name}"
    if root.exists():
        raise ConfigurationError(f"{root} already exists")
    var = name.upper().replace("-", "_")
    values = {"name": name, "module": f"fluentai_{name.replace('-', '_')}",
              "label": name.replace("-", " ").title(),
              "cls": "".join(p.title() for p in name.split("-")),
              "env": f"{var}_API_KEY", "var": var, "year": str(datetime.date.today().year)}
    for rel, template in _files(wire).items():
        path = root / Template(rel).substitute(values)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Template(template).substitute(values))
    return root
