"""Ollama's native API on OLLAMA_HOST (default http://localhost:11434, no key):
``/api/chat`` streamed as NDJSON with tools and thinking, ``/api/embed``, ``/api/tags``.

Docs followed: https://github.com/ollama/ollama/blob/main/docs/api.md
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlsplit

import httpx
import msgspec

from fluentai import (
    ChatResponse,
    Embedding,
    EmbeddingResponse,
    ModelInfo,
    Provider,
    hookimpl,
)
from fluentai.decoding import JSONStream
from fluentai.errors import ConfigurationError, StreamInterruptedError
from fluentai.events import (
    ErrorEvent,
    Finish,
    ReasoningDelta,
    ResponseStart,
    StreamEvent,
    TextDelta,
    UsageEvent,
)
from fluentai.request import ChatRequest, EmbedRequest, ListModelsRequest
from fluentai.types import (
    FinishReason,
    ImagePart,
    Message,
    Part,
    ReasoningPart,
    TextPart,
    ToolCall,
    ToolResult,
    Usage,
)

__version__ = "0.1.0"
DEFAULT_PORT = 11434

DONE_REASONS: dict[str, FinishReason] = {"stop": "stop", "length": "length", "load": "other",
                                         "unload": "other"}


class _Function(msgspec.Struct):
    name: str
    arguments: dict[str, Any] = {}


class _ToolCall(msgspec.Struct):
    function: _Function


class _Message(msgspec.Struct):
    content: str = ""
    thinking: str | None = None
    tool_calls: list[_ToolCall] | None = None


class _Chunk(msgspec.Struct):
    model: str | None = None
    message: _Message | None = None
    done: bool = False
    done_reason: str | None = None
    prompt_eval_count: int | None = None
    eval_count: int | None = None
    error: str | None = None

    def usage(self) -> Usage:
        return Usage(self.prompt_eval_count or 0, self.eval_count or 0)

    def finish(self, has_tools: bool) -> FinishReason:
        if has_tools and self.done_reason in (None, "stop"):
            return "tool_calls"
        return DONE_REASONS.get(self.done_reason or "stop", "other")


def _message(m: Message) -> list[dict[str, Any]]:
    if m.role == "tool":
        return [{"role": "tool", "content": p.content, **({"tool_name": p.name} if p.name else {})}
                for p in m.parts if isinstance(p, ToolResult)]
    out: dict[str, Any] = {"role": m.role, "content": m.text}
    images = [base64.b64encode(p.data).decode() for p in m.parts
              if isinstance(p, ImagePart) and p.data]
    if images:
        out["images"] = images
    calls = [p for p in m.parts if isinstance(p, ToolCall)]
    if calls:
        out["tool_calls"] = [{"function": {"name": c.name, "arguments": c.arguments}}
                             for c in calls]
    thinking = "".join(p.text for p in m.parts if isinstance(p, ReasoningPart))
    if thinking:
        out["thinking"] = thinking
    return [out]


class OllamaStream(JSONStream):
    """NDJSON chunks -> stream events; tool calls arrive whole, so each is start + end."""

    payload_type = _Chunk
    framing = "ndjson"

    def __init__(self, provider: str, request: ChatRequest) -> None:
        super().__init__(provider, request)
        self._started = False
        self._calls = 0
        self._done = False

    def handle(self, chunk: _Chunk, out: list[StreamEvent]) -> bool:
        if chunk.error:
            out.append(ErrorEvent(StreamInterruptedError(
                f"Ollama reported an error mid-stream: {chunk.error}",
                provider=self._provider)))
            return False
        if not self._started:
            self._started = True
            out.append(ResponseStart(None, chunk.model))
        msg = chunk.message
        if msg is not None:
            if msg.thinking:
                out.append(ReasoningDelta(msg.thinking))
            if msg.content:
                out.append(TextDelta(msg.content))
            for call in msg.tool_calls or ():
                index = self._calls
                self._calls += 1
                out.append(self._tools.start(index, f"call_{index}", call.function.name))
                out.append(self._tools.end(index, call.function.arguments))
        if chunk.done:
            self._done = True
            out.append(UsageEvent(chunk.usage()))
            out.append(Finish(chunk.finish(self._calls > 0), chunk.done_reason))
        return True

    def finish(self) -> list[StreamEvent]:
        return [] if self._done else self.interrupted("Ollama said done")


class _Tag(msgspec.Struct):
    name: str


class _Tags(msgspec.Struct):
    models: list[_Tag]


class _Embeddings(msgspec.Struct):
    embeddings: list[list[float]]
    model: str | None = None
    prompt_eval_count: int | None = None


class Ollama(Provider):
    name = "ollama"
    label = "Ollama"
    docs_url = "https://github.com/ollama/ollama/blob/main/docs/api.md"
    base_url = "http://localhost:11434"
    base_url_env = ("OLLAMA_HOST",)
    requires_key = False
    api_key_env = ("OLLAMA_API_KEY",)  # only for hosted Ollama behind a proxy
    option_env = {"keep_alive": ("OLLAMA_KEEP_ALIVE",)}
    lists_models = True
    connection_hint = (" — is Ollama running? Start it with `ollama serve`, or set OLLAMA_HOST "
                       "to where it listens.")

    def configure(self) -> None:
        self.base_url = host_url(self.base_url)

    def encode_chat(self, request: ChatRequest) -> httpx.Request:
        options: dict[str, Any] = {}
        for key, value in (("temperature", request.temperature), ("top_p", request.top_p),
                           ("num_predict", request.max_tokens), ("stop", request.stop),
                           ("seed", request.seed)):
            if value is not None:
                options[key] = value
        body: dict[str, Any] = {
            "model": request.model,
            "messages": [out for m in request.messages for out in _message(m)],
            "stream": request.stream,
        }
        if request.tools:
            body["tools"] = [{"type": "function", "function": {
                "name": t.name, "description": t.description, "parameters": t.parameters}}
                for t in request.tools]
        if request.response_format is not None:
            body["format"] = request.response_format.schema or "json"
        if request.reasoning is not None:
            body["think"] = request.reasoning.effort or True
        if options:
            body["options"] = options
        if self.options.get("keep_alive") is not None:
            body["keep_alive"] = self.options["keep_alive"]
        body.update(request.provider_options)
        return self.json_request("POST", "/api/chat", body, request.headers)

    def decode_chat(self, request: ChatRequest, response: httpx.Response) -> ChatResponse:
        chunk = msgspec.json.decode(response.content, type=_Chunk)
        msg = chunk.message or _Message()
        parts: list[Part] = []
        if msg.thinking:
            parts.append(ReasoningPart(msg.thinking))
        if msg.content:
            parts.append(TextPart(msg.content))
        calls = msg.tool_calls or []
        parts.extend(ToolCall(f"call_{i}", c.function.name, c.function.arguments)
                     for i, c in enumerate(calls))
        return ChatResponse(provider=self.name, model=chunk.model or request.model,
                            content=parts, usage=chunk.usage(),
                            finish_reason=chunk.finish(bool(calls)),
                            raw_finish_reason=chunk.done_reason)

    def stream_decoder(self, request: ChatRequest) -> OllamaStream:
        return OllamaStream(self.name, request)

    def encode_embed(self, request: EmbedRequest) -> httpx.Request:
        body: dict[str, Any] = {"model": request.model, "input": request.inputs}
        if request.dimensions is not None:
            body["dimensions"] = request.dimensions
        if self.options.get("keep_alive") is not None:
            body["keep_alive"] = self.options["keep_alive"]
        body.update(request.provider_options)
        return self.json_request("POST", "/api/embed", body, request.headers)

    def decode_embed(self, request: EmbedRequest, response: httpx.Response) -> EmbeddingResponse:
        wire = msgspec.json.decode(response.content, type=_Embeddings)
        return EmbeddingResponse(
            provider=self.name, model=wire.model or request.model,
            embeddings=[Embedding(i, v) for i, v in enumerate(wire.embeddings)],
            usage=Usage(wire.prompt_eval_count or 0))

    def encode_list_models(self, request: ListModelsRequest) -> httpx.Request:
        return httpx.Request("GET", self.url("/api/tags"), headers=request.headers)

    def decode_list_models(self, request: ListModelsRequest,
                           response: httpx.Response) -> list[ModelInfo]:
        tags = msgspec.json.decode(response.content, type=_Tags)
        return [ModelInfo(id=t.name, provider=self.name, live=True) for t in tags.models]


def host_url(host: str) -> str:
    """OLLAMA_HOST as the ollama client reads it: ``host``, ``host:port``, ``:port`` or a
    URL. Without a scheme the port defaults to Ollama's 11434 (not 80) and the host to
    127.0.0.1."""
    if "://" in host:
        return host.rstrip("/")
    parts = urlsplit(f"http://{host}")
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError:
        raise ConfigurationError(f"OLLAMA_HOST={host!r} has no valid port",
                                 provider="ollama", env_var="OLLAMA_HOST") from None
    name = parts.hostname or "127.0.0.1"
    if ":" in name:  # IPv6
        name = f"[{name}]"
    path = parts.path.strip("/")
    return f"http://{name}:{port}" + (f"/{path}" if path else "")


@hookimpl
def fluentai_providers() -> list[type[Provider]]:
    return [Ollama]
