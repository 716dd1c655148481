"""The Anthropic Messages wire format, once, for every host of Claude (Anthropic's API,
Vertex AI's rawPredict, ...). ``AnthropicMessages`` is a Provider that brings encoding,
decoding, the stream decoder and model listing; a host subclass brings the base URL and
auth.

Streams are SSE events decoded straight into msgspec Structs: message_start,
content_block_start/delta/stop (text, thinking, signature, tool input JSON), message_delta
with usage and stop reason, message_stop, ping, and error events mid-stream.
"""

from __future__ import annotations

import base64
from typing import Any, ClassVar

import msgspec

from .._lazy import httpx
from ..decoding import JSONStream
from ..errormap import error_from_response
from ..errors import MalformedStreamError
from ..events import (
    CitationEvent,
    ErrorEvent,
    Finish,
    ReasoningDelta,
    ResponseStart,
    StreamEvent,
    TextDelta,
    UsageEvent,
)
from ..provider import Provider
from ..request import ChatRequest, ListModelsRequest
from ..types import (
    ChatResponse,
    Citation,
    FilePart,
    FinishReason,
    ImagePart,
    Message,
    ModelInfo,
    ModelPage,
    Part,
    ReasoningPart,
    TextPart,
    ToolCall,
    Usage,
)

STOP_REASONS: dict[str, FinishReason] = {
    "end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length",
    "model_context_window_exceeded": "length", "tool_use": "tool_calls",
    "refusal": "content_filter", "pause_turn": "other",
}
# Error types Anthropic sends inside a stream, as the HTTP status they stand for.
ERROR_STATUS = {
    "invalid_request_error": 400, "authentication_error": 401, "permission_error": 403,
    "not_found_error": 404, "request_too_large": 413, "rate_limit_error": 429,
    "api_error": 500, "overloaded_error": 529,
}
EFFORT_BUDGET = {"minimal": 1024, "low": 2048, "medium": 8192, "high": 24576}
DEFAULT_MAX_TOKENS = 4096


class WireUsage(msgspec.Struct):
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_creation_input_tokens: int | None = None
    cache_read_input_tokens: int | None = None

    def merged(self, later: WireUsage | None) -> WireUsage:
        """message_delta usage updates what message_start reported."""
        if later is None:
            return self
        pick = [b if b is not None else a for a, b in zip(
            msgspec.structs.astuple(self), msgspec.structs.astuple(later), strict=True)]
        return WireUsage(*pick)

    def to_usage(self) -> Usage:
        write, read = self.cache_creation_input_tokens, self.cache_read_input_tokens
        total_in = (self.input_tokens or 0) + (write or 0) + (read or 0)
        return Usage(total_in, self.output_tokens or 0, read, write)


class _Block(msgspec.Struct):
    type: str
    text: str | None = None
    thinking: str | None = None
    signature: str | None = None
    data: str | None = None
    id: str | None = None
    name: str | None = None
    input: dict[str, Any] | None = None
    citations: list[dict[str, Any]] | None = None


class _Delta(msgspec.Struct):
    type: str | None = None
    text: str | None = None
    partial_json: str | None = None
    thinking: str | None = None
    signature: str | None = None
    citation: dict[str, Any] | None = None
    stop_reason: str | None = None


class _Message(msgspec.Struct):
    id: str | None = None
    model: str | None = None
    content: list[_Block] = []
    stop_reason: str | None = None
    usage: WireUsage | None = None


class _Event(msgspec.Struct):
    """Every stream event in one Struct: only the fields of its type are present."""

    type: str
    index: int = 0
    message: _Message | None = None
    content_block: _Block | None = None
    delta: _Delta | None = None
    usage: WireUsage | None = None
    error: dict[str, Any] | None = None


def _citation(raw: dict[str, Any]) -> Citation:
    return Citation(raw.get("url"), raw.get("title") or raw.get("document_title"),
                    raw.get("cited_text"))


def stream_error(provider: str, error: dict[str, Any]) -> Any:
    status = ERROR_STATUS.get(str(error.get("type")), 500)
    return error_from_response(provider, status, {}, msgspec.json.encode({"error": error}))


# --- encoding ------------------------------------------------------------------------------

def _source(data: bytes | None, url: str | None, media_type: str) -> dict[str, Any]:
    if url:
        return {"type": "url", "url": url}
    return {"type": "base64", "media_type": media_type,
            "data": base64.b64encode(data or b"").decode()}


def _block(part: Part) -> dict[str, Any]:
    if isinstance(part, TextPart):
        return {"type": "text", "text": part.text}
    if isinstance(part, ImagePart):
        return {"type": "image", "source": _source(part.data, part.url, part.media_type)}
    if isinstance(part, FilePart):
        return {"type": "document", "source": _source(part.data, part.url, part.media_type)}
    if isinstance(part, ReasoningPart):
        if part.redacted:
            return {"type": "redacted_thinking", "data": part.signature or part.text}
        return {"type": "thinking", "thinking": part.text, "signature": part.signature or ""}
    if isinstance(part, ToolCall):
        return {"type": "tool_use", "id": part.id, "name": part.name, "input": part.arguments}
    result: dict[str, Any] = {"type": "tool_result", "tool_use_id": part.tool_call_id,
                              "content": part.content}
    if part.is_error:
        result["is_error"] = True
    return result


def encode_messages(messages: list[Message]) -> list[dict[str, Any]]:
    """Messages as Anthropic wants them: tool results are user turns, and consecutive
    turns of the same role are merged."""
    out: list[dict[str, Any]] = []
    for m in messages:
        if m.role == "system":
            continue
        role = "assistant" if m.role == "assistant" else "user"
        blocks = [_block(p) for p in m.parts
                  if not (isinstance(p, TextPart) and not p.text and role == "assistant")]
        if out and out[-1]["role"] == role:
            out[-1]["content"].extend(blocks)
        else:
            out.append({"role": role, "content": blocks})
    return out


def _tool_choice(choice: str | None, parallel: bool | None) -> dict[str, Any] | None:
    if choice is None and parallel is None:
        return None
    if choice in (None, "auto"):
        spec: dict[str, Any] = {"type": "auto"}
    elif choice == "required":
        spec = {"type": "any"}
    elif choice == "none":
        spec = {"type": "none"}
    else:
        spec = {"type": "tool", "name": choice}
    if parallel is False:
        spec["disable_parallel_tool_use"] = True
    return spec


def messages_body(request: ChatRequest, max_tokens: int = DEFAULT_MAX_TOKENS
                  ) -> dict[str, Any]:
    """The Messages API body for a ChatRequest (the host adds model/version as it needs)."""
    body: dict[str, Any] = {
        "max_tokens": request.max_tokens or max_tokens,
        "messages": encode_messages(request.messages),
        "model": request.model,
        "stream": request.stream,
    }
    if request.system:
        body["system"] = request.system
    if request.tools:
        body["tools"] = [{"name": t.name, "description": t.description,
                          "input_schema": t.parameters} for t in request.tools]
    choice = _tool_choice(request.tool_choice, request.parallel_tool_calls)
    if choice is not None:
        body["tool_choice"] = choice
    for key, value in (("temperature", request.temperature), ("top_p", request.top_p),
                       ("stop_sequences", request.stop)):
        if value is not None:
            body[key] = value
    if request.reasoning is not None:
        budget = request.reasoning.budget_tokens or EFFORT_BUDGET.get(
            request.reasoning.effort or "medium", 8192)
        body["thinking"] = {"budget_tokens": budget, "type": "enabled"}
    body.update(request.provider_options)
    return body


# --- decoding ------------------------------------------------------------------------------

def _parts(blocks: list[_Block]) -> tuple[list[Part], list[Citation]]:
    parts: list[Part] = []
    citations: list[Citation] = []
    for b in blocks:
        if b.type == "text":
            parts.append(TextPart(b.text or ""))
            citations.extend(_citation(c) for c in b.citations or ())
        elif b.type == "thinking":
            parts.append(ReasoningPart(b.thinking or "", b.signature))
        elif b.type == "redacted_thinking":
            parts.append(ReasoningPart("", b.data, redacted=True))
        elif b.type == "tool_use":
            parts.append(ToolCall(b.id or "", b.name or "", b.input or {}))
    return parts, citations


def decode_message(provider: str, request: ChatRequest, content: bytes) -> ChatResponse:
    try:
        wire = msgspec.json.decode(content, type=_Message)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise MalformedStreamError(f"could not decode the response: {exc}", provider=provider,
                                   raw=content) from None
    parts, citations = _parts(wire.content)
    raw = wire.stop_reason
    return ChatResponse(provider=provider, model=wire.model or request.model, id=wire.id,
                        content=parts, usage=(wire.usage or WireUsage()).to_usage(),
                        finish_reason=STOP_REASONS.get(raw or "", "other") if raw else "stop",
                        raw_finish_reason=raw, citations=citations)


class AnthropicStream(JSONStream):
    """Decoder for a streamed Messages response."""

    payload_type = _Event

    def __init__(self, provider: str, request: ChatRequest) -> None:
        super().__init__(provider, request)
        self._usage = WireUsage()
        self._stop: str | None = None
        self._done = False

    def handle(self, ev: _Event, out: list[StreamEvent]) -> bool:
        kind = ev.type
        if kind == "content_block_delta":
            self._delta(ev.index, ev.delta, out)
        elif kind == "content_block_start":
            block = ev.content_block
            if block is not None and block.type == "tool_use":
                out.append(self._tools.start(ev.index, block.id or "", block.name or ""))
            elif block is not None and block.type == "redacted_thinking":
                out.append(ReasoningDelta("", block.data, redacted=True))
            elif block is not None and block.text:
                out.append(TextDelta(block.text))
        elif kind == "content_block_stop":
            if ev.index in self._tools:
                out.append(self._tools.end(ev.index))
        elif kind == "message_start" and ev.message is not None:
            self._usage = self._usage.merged(ev.message.usage)
            out.append(ResponseStart(ev.message.id, ev.message.model))
        elif kind == "message_delta":
            self._usage = self._usage.merged(ev.usage)
            if ev.delta is not None and ev.delta.stop_reason:
                self._stop = ev.delta.stop_reason
        elif kind == "message_stop":
            out.extend(self._message_stop())
        elif kind == "error":
            out.append(ErrorEvent(stream_error(self._provider, ev.error or {})))
            return False
        return True

    def _delta(self, index: int, delta: _Delta | None, out: list[StreamEvent]) -> None:
        if delta is None:
            return
        kind = delta.type
        if kind == "text_delta":
            out.append(TextDelta(delta.text or ""))
        elif kind == "input_json_delta":
            if delta.partial_json:
                out.append(self._tools.delta(index, delta.partial_json))
        elif kind == "thinking_delta":
            out.append(ReasoningDelta(delta.thinking or ""))
        elif kind == "signature_delta":
            out.append(ReasoningDelta("", delta.signature))
        elif kind == "citations_delta" and delta.citation:
            out.append(CitationEvent(_citation(delta.citation)))

    def _message_stop(self) -> list[StreamEvent]:
        self._done = True
        out: list[StreamEvent] = list(self._tools.end_all())
        out.append(UsageEvent(self._usage.to_usage()))
        raw = self._stop
        out.append(Finish(STOP_REASONS.get(raw or "", "other") if raw else "stop", raw))
        return out

    def finish(self) -> list[StreamEvent]:
        return [] if self._done else self.interrupted("message_stop")


class _ModelItem(msgspec.Struct):
    id: str
    display_name: str | None = None


class _ModelPage(msgspec.Struct):
    data: list[_ModelItem]
    has_more: bool = False
    last_id: str | None = None


class AnthropicMessages(Provider):
    """A Provider serving the Messages API at ``messages_path``; hosts subclass it and set
    the base URL and auth."""

    messages_path: ClassVar[str] = "/messages"
    models_path: ClassVar[str] = "/models"
    default_max_tokens: ClassVar[int] = DEFAULT_MAX_TOKENS

    def headers(self) -> dict[str, str]:
        """Headers on every request (API version, beta flags)."""
        return {}

    def encode_chat(self, request: ChatRequest) -> httpx.Request:
        headers = {**self.headers(), **request.headers}
        if request.stream:
            headers["accept"] = "text/event-stream"
        return self.json_request("POST", self.messages_path,
                                 messages_body(request, self.default_max_tokens), headers)

    def decode_chat(self, request: ChatRequest, response: httpx.Response) -> ChatResponse:
        return decode_message(self.name, request, response.content)

    def stream_decoder(self, request: ChatRequest) -> AnthropicStream:
        return AnthropicStream(self.name, request)

    def encode_list_models(self, request: ListModelsRequest) -> httpx.Request:
        params = {"limit": "1000"}
        if request.page_token:
            params["after_id"] = request.page_token
        return httpx.Request("GET", self.url(self.models_path), params=params,
                             headers={**self.headers(), **request.headers})

    def decode_list_models(self, request: ListModelsRequest,
                           response: httpx.Response) -> ModelPage:
        page = msgspec.json.decode(response.content, type=_ModelPage)
        return ModelPage([ModelInfo(id=m.id, provider=self.name, name=m.display_name, live=True)
                          for m in page.data], page.last_id if page.has_more else None)
