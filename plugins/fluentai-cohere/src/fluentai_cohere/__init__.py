"""Cohere's v2 API: chat with its own stream events (message-start, content-start/delta/end,
tool-plan-delta, tool-call-start/delta/end, citation-start, message-end), thinking,
embeddings v2 (input_type, embedding_types, output_dimension) and rerank v2.

The tool plan (the model's stated plan before calling tools) is reasoning; it is sent back
as ``tool_plan`` with the calls on later turns, as Cohere requires.
Docs followed: https://docs.cohere.com/reference/chat
"""

from __future__ import annotations

from typing import Any

import httpx
import msgspec

from fluentai import (
    ChatResponse,
    Citation,
    Embedding,
    EmbeddingResponse,
    ModelInfo,
    Provider,
    RerankResponse,
    RerankResult,
    hookimpl,
)
from fluentai.decoding import JSONStream
from fluentai.events import (
    CitationEvent,
    Finish,
    ReasoningDelta,
    ResponseStart,
    StreamEvent,
    TextDelta,
    UsageEvent,
)
from fluentai.request import ChatRequest, EmbedRequest, ListModelsRequest, RerankRequest
from fluentai.toolcalls import parse_arguments
from fluentai.types import (
    FinishReason,
    ImagePart,
    Message,
    ModelPage,
    Part,
    ReasoningPart,
    TextPart,
    ToolCall,
    ToolResult,
    Usage,
)

__version__ = "0.1.0"

FINISH: dict[str, FinishReason] = {"COMPLETE": "stop", "STOP_SEQUENCE": "stop",
                                   "MAX_TOKENS": "length", "TOOL_CALL": "tool_calls",
                                   "ERROR": "error", "TIMEOUT": "error"}
INPUT_TYPES = {"query": "search_query", "document": "search_document"}


class _Tokens(msgspec.Struct):
    input_tokens: float | None = None
    output_tokens: float | None = None


class _Usage(msgspec.Struct):
    tokens: _Tokens | None = None
    billed_units: _Tokens | None = None
    cached_tokens: float | None = None

    def to_usage(self) -> Usage:
        t = self.tokens or self.billed_units or _Tokens()
        cached = int(self.cached_tokens) if self.cached_tokens is not None else None
        return Usage(int(t.input_tokens or 0), int(t.output_tokens or 0), cached)


class _Function(msgspec.Struct):
    name: str | None = None
    arguments: str | None = None


class _ToolCall(msgspec.Struct):
    id: str | None = None
    function: _Function | None = None


class _Content(msgspec.Struct):
    type: str | None = None
    text: str | None = None
    thinking: str | None = None


class _Message(msgspec.Struct):
    content: _Content | list[_Content] | None = None
    tool_plan: str | None = None
    tool_calls: _ToolCall | list[_ToolCall] | None = None
    citations: Any = None


class _Delta(msgspec.Struct):
    message: _Message | None = None
    finish_reason: str | None = None
    usage: _Usage | None = None


class _Event(msgspec.Struct):
    type: str
    id: str | None = None
    index: int = 0
    delta: _Delta | None = None


class _Response(msgspec.Struct):
    id: str | None = None
    message: _Message | None = None
    finish_reason: str | None = None
    usage: _Usage | None = None


def _citations(raw: Any) -> list[Citation]:
    items = raw if isinstance(raw, list) else [raw] if isinstance(raw, dict) else []
    out = []
    for c in items:
        for src in c.get("sources") or [{}]:
            doc = src.get("document") or {}
            out.append(Citation(doc.get("url"), doc.get("title"), c.get("text")))
    return out


def _message(m: Message) -> list[dict[str, Any]]:
    if m.role == "tool":
        return [{"role": "tool", "tool_call_id": p.tool_call_id,
                 "content": [{"type": "document", "document": {"data": p.content}}]}
                for p in m.parts if isinstance(p, ToolResult)]
    if m.role != "assistant":
        if isinstance(m.content, str):
            return [{"role": m.role, "content": m.content}]
        parts: list[dict[str, Any]] = []
        for p in m.parts:
            if isinstance(p, TextPart):
                parts.append({"type": "text", "text": p.text})
            elif isinstance(p, ImagePart) and p.url:
                parts.append({"type": "image_url", "image_url": {"url": p.url}})
        return [{"role": m.role, "content": parts}]
    out: dict[str, Any] = {"role": "assistant"}
    calls = [p for p in m.parts if isinstance(p, ToolCall)]
    plan = "".join(p.text for p in m.parts if isinstance(p, ReasoningPart))
    if calls:
        out["tool_calls"] = [{"id": c.id, "type": "function", "function": {
            "name": c.name, "arguments": msgspec.json.encode(c.arguments).decode()}}
            for c in calls]
        if plan:
            out["tool_plan"] = plan
    if m.text:
        out["content"] = m.text
    return [out]


class CohereStream(JSONStream):
    """Decoder for a streamed v2 chat response."""

    payload_type = _Event

    def __init__(self, provider: str, request: ChatRequest) -> None:
        super().__init__(provider, request)
        self._done = False

    def handle(self, ev: _Event, out: list[StreamEvent]) -> bool:
        self._event(ev, out)
        return True

    def _event(self, ev: _Event, out: list[StreamEvent]) -> None:
        msg = ev.delta.message if ev.delta else None
        kind = ev.type
        if kind in ("content-delta", "content-start") and msg is not None:
            content = msg.content
            if isinstance(content, _Content):
                if content.text:
                    out.append(TextDelta(content.text))
                if content.thinking:
                    out.append(ReasoningDelta(content.thinking))
        elif kind == "tool-plan-delta" and msg is not None and msg.tool_plan:
            out.append(ReasoningDelta(msg.tool_plan))
        elif kind == "tool-call-start" and msg is not None:
            call = msg.tool_calls
            if isinstance(call, _ToolCall) and call.function is not None:
                out.append(self._tools.start(ev.index, call.id or f"call_{ev.index}",
                                             call.function.name or ""))
                if call.function.arguments:
                    out.append(self._tools.delta(ev.index, call.function.arguments))
        elif kind == "tool-call-delta" and msg is not None:
            call = msg.tool_calls
            if isinstance(call, _ToolCall) and call.function and call.function.arguments:
                out.append(self._tools.delta(ev.index, call.function.arguments))
        elif kind == "tool-call-end":
            if ev.index in self._tools:
                out.append(self._tools.end(ev.index))
        elif kind == "citation-start" and msg is not None:
            out.extend(CitationEvent(c) for c in _citations(msg.citations))
        elif kind == "message-start":
            out.append(ResponseStart(ev.id, None))
        elif kind == "message-end" and ev.delta is not None:
            self._done = True
            out.extend(self._tools.end_all())
            if ev.delta.usage is not None:
                out.append(UsageEvent(ev.delta.usage.to_usage()))
            raw = ev.delta.finish_reason
            out.append(Finish(FINISH.get(raw or "COMPLETE", "other"), raw))

    def finish(self) -> list[StreamEvent]:
        return [] if self._done else self.interrupted("message-end")


class _Embeddings(msgspec.Struct):
    embeddings: dict[str, list[list[float]]]
    meta: dict[str, Any] | None = None


class _Ranked(msgspec.Struct):
    index: int
    relevance_score: float


class _Reranked(msgspec.Struct):
    results: list[_Ranked]


class _Model(msgspec.Struct):
    name: str
    context_length: float | None = None


class _Models(msgspec.Struct):
    models: list[_Model] = []
    next_page_token: str | None = None


class Cohere(Provider):
    name = "cohere"
    label = "Cohere"
    docs_url = "https://docs.cohere.com/reference/chat"
    base_url = "https://api.cohere.com"
    api_key_env = ("CO_API_KEY", "COHERE_API_KEY")
    lists_models = True
    max_embed_batch = 96  # texts per /v2/embed request

    def encode_chat(self, request: ChatRequest) -> httpx.Request:
        body: dict[str, Any] = {
            "messages": [out for m in request.messages for out in _message(m)],
            "model": request.model,
            "stream": request.stream,
        }
        if request.tools:
            body["tools"] = [{"type": "function", "function": {
                "name": t.name, "description": t.description, "parameters": t.parameters}}
                for t in request.tools]
        if request.tool_choice in ("required", "none"):
            body["tool_choice"] = request.tool_choice.upper()
        for key, value in (("temperature", request.temperature), ("p", request.top_p),
                           ("max_tokens", request.max_tokens),
                           ("stop_sequences", request.stop), ("seed", request.seed)):
            if value is not None:
                body[key] = value
        if request.response_format is not None:
            fmt: dict[str, Any] = {"type": "json_object"}
            if request.response_format.schema is not None:
                fmt["json_schema"] = request.response_format.schema
            body["response_format"] = fmt
        if request.reasoning is not None:
            thinking: dict[str, Any] = {"type": "enabled"}
            if request.reasoning.budget_tokens:
                thinking["token_budget"] = request.reasoning.budget_tokens
            body["thinking"] = thinking
        body.update(request.provider_options)
        headers = dict(request.headers)
        if request.stream:
            headers["accept"] = "text/event-stream"
        return self.json_request("POST", "/v2/chat", body, headers)

    def decode_chat(self, request: ChatRequest, response: httpx.Response) -> ChatResponse:
        wire = msgspec.json.decode(response.content, type=_Response)
        msg = wire.message or _Message()
        parts: list[Part] = []
        if msg.tool_plan:
            parts.append(ReasoningPart(msg.tool_plan))
        contents = msg.content if isinstance(msg.content, list) else \
            [msg.content] if msg.content else []
        for c in contents:
            if c.thinking:
                parts.append(ReasoningPart(c.thinking))
            if c.text:
                parts.append(TextPart(c.text))
        calls = msg.tool_calls if isinstance(msg.tool_calls, list) else \
            [msg.tool_calls] if msg.tool_calls else []
        for i, call in enumerate(calls):
            fn = call.function or _Function()
            parts.append(ToolCall(call.id or f"call_{i}", fn.name or "", parse_arguments(
                fn.arguments or "", provider=self.name, tool_call_id=call.id or "",
                tool_name=fn.name or "")))
        raw = wire.finish_reason
        return ChatResponse(provider=self.name, model=request.model, id=wire.id, content=parts,
                            usage=wire.usage.to_usage() if wire.usage else Usage(),
                            finish_reason=FINISH.get(raw or "COMPLETE", "other"),
                            raw_finish_reason=raw, citations=_citations(msg.citations))

    def stream_decoder(self, request: ChatRequest) -> CohereStream:
        return CohereStream(self.name, request)

    def encode_embed(self, request: EmbedRequest) -> httpx.Request:
        dtype = {"base64": "float", None: "float"}.get(request.dtype, request.dtype)
        body: dict[str, Any] = {"model": request.model, "texts": request.inputs,
                                "input_type": INPUT_TYPES.get(request.input_type or "document"),
                                "embedding_types": [dtype]}
        if request.dimensions is not None:
            body["output_dimension"] = request.dimensions
        body.update(request.provider_options)
        return self.json_request("POST", "/v2/embed", body, request.headers)

    def decode_embed(self, request: EmbedRequest, response: httpx.Response) -> EmbeddingResponse:
        wire = msgspec.json.decode(response.content, type=_Embeddings)
        vectors = next(iter(wire.embeddings.values()), [])
        billed = (wire.meta or {}).get("billed_units", {})
        return EmbeddingResponse(provider=self.name, model=request.model,
                                 embeddings=[Embedding(i, v) for i, v in enumerate(vectors)],
                                 usage=Usage(int(billed.get("input_tokens", 0))))

    def encode_rerank(self, request: RerankRequest) -> httpx.Request:
        body: dict[str, Any] = {"model": request.model, "query": request.query,
                                "documents": request.documents}
        if request.top_n is not None:
            body["top_n"] = request.top_n
        body.update(request.provider_options)
        return self.json_request("POST", "/v2/rerank", body, request.headers)

    def decode_rerank(self, request: RerankRequest, response: httpx.Response) -> RerankResponse:
        wire = msgspec.json.decode(response.content, type=_Reranked)
        return RerankResponse(provider=self.name, model=request.model, results=[
            RerankResult(r.index, r.relevance_score) for r in wire.results])

    def encode_list_models(self, request: ListModelsRequest) -> httpx.Request:
        params = {"page_size": "1000"}
        if request.page_token:
            params["page_token"] = request.page_token
        return httpx.Request("GET", self.url("/v1/models"), params=params,
                             headers=request.headers)

    def decode_list_models(self, request: ListModelsRequest,
                           response: httpx.Response) -> ModelPage:
        wire = msgspec.json.decode(response.content, type=_Models)
        return ModelPage([ModelInfo(id=m.name, provider=self.name, live=True,
                                    context_window=int(m.context_length)
                                    if m.context_length else None)
                          for m in wire.models], wire.next_page_token)


@hookimpl
def fluentai_providers() -> list[type[Provider]]:
    return [Cohere]
