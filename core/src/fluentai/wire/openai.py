"""The OpenAI Chat Completions dialect, once, for every provider that speaks it.

``OpenAICompatible`` is a complete Provider for the dialect: chat (plain and streamed),
tools, structured output, images/files, embeddings, transcription and model listing. A
compatible provider's plugin subclasses it and sets a name, base URL and key variable;
quirks are class attributes or small overrides (``chunk_events``, ``response_extras``).

The stream path is one loop: SSE bytes -> msgspec Structs (unknown fields skipped without
building dicts) -> event Structs.
"""

from __future__ import annotations

import base64
from array import array
from typing import Any, ClassVar

import msgspec

from .._lazy import httpx
from ..decoding import JSONStream
from ..errormap import error_from_response
from ..errors import MalformedStreamError
from ..events import (
    ErrorEvent,
    Finish,
    ReasoningDelta,
    ResponseStart,
    StreamEvent,
    TextDelta,
    UsageEvent,
)
from ..provider import Provider
from ..request import (
    ChatRequest,
    EmbedRequest,
    ListModelsRequest,
    Reasoning,
    TranscribeRequest,
)
from ..toolcalls import parse_arguments
from ..types import (
    ChatResponse,
    Embedding,
    EmbeddingResponse,
    FilePart,
    FinishReason,
    ImagePart,
    Message,
    ModelInfo,
    Part,
    ReasoningPart,
    TextPart,
    ToolCall,
    ToolResult,
    Transcription,
    Usage,
)

FINISH_REASONS: dict[str, FinishReason] = {
    "stop": "stop",
    "end_turn": "stop",
    "eos": "stop",
    "length": "length",
    "model_length": "length",
    "max_tokens": "length",
    "tool_calls": "tool_calls",
    "function_call": "tool_calls",
    "tool_use": "tool_calls",
    "content_filter": "content_filter",
    "sensitive": "content_filter",
    "error": "error",
    "insufficient_system_resource": "error",
}


def finish_reason(raw: str | None) -> FinishReason:
    return FINISH_REASONS.get(raw, "other") if raw else "stop"


# --- wire Structs (only the fields we read; msgspec skips the rest) -------------------------

class _PromptDetails(msgspec.Struct):
    cached_tokens: int | None = None


class _CompletionDetails(msgspec.Struct):
    reasoning_tokens: int | None = None


class WireUsage(msgspec.Struct):
    prompt_tokens: int | None = 0
    completion_tokens: int | None = 0
    total_tokens: int | None = None
    prompt_tokens_details: _PromptDetails | None = None
    completion_tokens_details: _CompletionDetails | None = None
    prompt_cache_hit_tokens: int | None = None  # DeepSeek's name for cached input

    def to_usage(self) -> Usage:
        ptd, ctd = self.prompt_tokens_details, self.completion_tokens_details
        cached = ptd.cached_tokens if ptd and ptd.cached_tokens is not None \
            else self.prompt_cache_hit_tokens
        return Usage(self.prompt_tokens or 0, self.completion_tokens or 0, cached, None,
                     ctd.reasoning_tokens if ctd else None)


class _FunctionDelta(msgspec.Struct):
    name: str | None = None
    arguments: str | dict[str, Any] | None = None


class _ToolCallDelta(msgspec.Struct):
    index: int | None = None
    id: str | None = None
    function: _FunctionDelta | None = None


Content = str | list[dict[str, Any]] | None


class _Delta(msgspec.Struct):
    content: Content = None
    reasoning_content: str | None = None
    reasoning: str | None = None
    tool_calls: list[_ToolCallDelta] | None = None
    refusal: str | None = None


class _ChunkChoice(msgspec.Struct):
    delta: _Delta | None = None
    finish_reason: str | None = None


class Chunk(msgspec.Struct):
    id: str | None = None
    model: str | None = None
    choices: list[_ChunkChoice] = []
    usage: WireUsage | None = None
    error: Any = None


class _Function(msgspec.Struct):
    name: str = ""
    arguments: str | dict[str, Any] | None = None


class _ToolCall(msgspec.Struct):
    function: _Function
    id: str | None = None


class _Message(msgspec.Struct):
    content: Content = None
    reasoning_content: str | None = None
    reasoning: str | None = None
    tool_calls: list[_ToolCall] | None = None
    refusal: str | None = None


class _Choice(msgspec.Struct):
    message: _Message
    finish_reason: str | None = None


class Completion(msgspec.Struct):
    choices: list[_Choice]
    id: str | None = None
    model: str | None = None
    usage: WireUsage | None = None


class _EmbeddingItem(msgspec.Struct):
    embedding: list[float] | str
    index: int = 0


class _EmbeddingList(msgspec.Struct):
    data: list[_EmbeddingItem]
    model: str | None = None
    usage: WireUsage | None = None


class _ModelItem(msgspec.Struct):
    id: str
    owned_by: str | None = None
    context_length: int | None = None


class _ModelList(msgspec.Struct):
    data: list[_ModelItem]


def content_pieces(content: Content) -> list[Part]:
    """Text and thinking from a content field that may be a string or a list of blocks
    (Mistral's magistral models send ``[{"type": "thinking", ...}, {"type": "text"}]``)."""
    if content is None:
        return []
    if isinstance(content, str):
        return [TextPart(content)] if content else []
    out: list[Part] = []
    for block in content:
        kind = block.get("type")
        if kind == "text" and block.get("text"):
            out.append(TextPart(block["text"]))
        elif kind == "thinking":
            inner = block.get("thinking")
            text = inner if isinstance(inner, str) else "".join(
                b.get("text", "") for b in inner or [] if isinstance(b, dict))
            if text:
                out.append(ReasoningPart(text))
    return out


def _data_url(data: bytes, media_type: str) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode()}"


def _user_part(part: Part) -> dict[str, Any]:
    if isinstance(part, TextPart):
        return {"type": "text", "text": part.text}
    if isinstance(part, ImagePart):
        url = part.url or _data_url(part.data or b"", part.media_type)
        return {"type": "image_url", "image_url": {"url": url}}
    if isinstance(part, FilePart):
        if part.media_type.startswith("audio/"):
            fmt = part.media_type.split("/", 1)[1].replace("mpeg", "mp3").replace("x-wav", "wav")
            return {"type": "input_audio",
                    "input_audio": {"data": base64.b64encode(part.data or b"").decode(),
                                    "format": fmt}}
        file: dict[str, Any] = {"filename": part.filename or "document.pdf"}
        file["file_data"] = _data_url(part.data or b"", part.media_type)
        return {"type": "file", "file": file}
    raise TypeError(f"{type(part).__name__} cannot be sent in a user message")


def encode_messages(messages: list[Message], system_role: str = "system"
                    ) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for m in messages:
        if m.role == "system":
            out.append({"role": system_role, "content": m.text})
        elif m.role == "user":
            if isinstance(m.content, str):
                out.append({"role": "user", "content": m.content})
            else:
                out.append({"role": "user", "content": [_user_part(p) for p in m.content]})
        elif m.role == "assistant":
            msg: dict[str, Any] = {"role": "assistant"}
            calls = [p for p in m.parts if isinstance(p, ToolCall)]
            if m.text or not calls:
                msg["content"] = m.text
            if calls:
                msg["tool_calls"] = [
                    {"id": c.id, "type": "function",
                     "function": {"name": c.name,
                                  "arguments": msgspec.json.encode(c.arguments).decode()}}
                    for c in calls]
            out.append(msg)
        else:
            for p in m.parts:
                if isinstance(p, ToolResult):
                    out.append({"role": "tool", "tool_call_id": p.tool_call_id,
                                "content": p.content})
    return out


class OpenAIChatStream(JSONStream):
    """Decoder for a streamed Chat Completions response."""

    payload_type: ClassVar[type[Chunk]] = Chunk
    done_marker = b"[DONE]"

    def __init__(self, provider: str, request: ChatRequest) -> None:
        super().__init__(provider, request)
        self._started = False
        self._finish: str | None = None
        self._ended = False
        self._next_index = 0
        self._extras = type(self).chunk_events is not OpenAIChatStream.chunk_events

    def chunk_events(self, chunk: Any, out: list[StreamEvent]) -> None:
        """Provider-specific events from a chunk (override in a subclass)."""

    def handle(self, chunk: Chunk, out: list[StreamEvent]) -> bool:
        if not self._started:
            self._started = True
            out.append(ResponseStart(chunk.id, chunk.model))
        if chunk.error is not None:
            out.append(ErrorEvent(self._error(chunk.error)))
            return False
        for choice in chunk.choices:
            delta = choice.delta
            if delta is not None:
                content = delta.content
                if content:
                    if type(content) is str:
                        out.append(TextDelta(content))
                    else:
                        out.extend(_as_delta(p) for p in content_pieces(content))
                reasoning = delta.reasoning_content or delta.reasoning
                if reasoning:
                    out.append(ReasoningDelta(reasoning))
                if delta.tool_calls:
                    self._tool_deltas(delta.tool_calls, out)
                if delta.refusal:
                    out.append(TextDelta(delta.refusal))
            if choice.finish_reason:
                self._finish = choice.finish_reason
        if chunk.usage is not None:
            out.append(UsageEvent(chunk.usage.to_usage()))
        if self._extras:
            self.chunk_events(chunk, out)
        return True

    def done(self, out: list[StreamEvent]) -> None:
        out.extend(self._end())

    def _tool_deltas(self, calls: list[_ToolCallDelta], out: list[StreamEvent]) -> None:
        tools = self._tools
        for tc in calls:
            index = tc.index
            if index is None:  # some servers send whole calls without an index
                index = self._next_index if tc.id else max(self._next_index - 1, 0)
            fn = tc.function
            if index not in tools:
                out.append(tools.start(index, tc.id or f"call_{index}", fn.name or ""
                                       if fn else ""))
                self._next_index = index + 1
            if fn is not None and fn.arguments:
                args = fn.arguments
                if isinstance(args, dict):
                    out.append(tools.end(index, args))
                else:
                    out.append(tools.delta(index, args))

    def _error(self, body: Any) -> Any:
        status = body.get("status_code", 500) if isinstance(body, dict) else 500
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            status = body["error"].get("status_code", status)
        return error_from_response(self._provider, int(status), {},
                                   msgspec.json.encode({"error": body}))

    def _end(self) -> list[StreamEvent]:
        if self._ended:
            return []
        self._ended = True
        out: list[StreamEvent] = list(self._tools.end_all())
        out.append(Finish(finish_reason(self._finish), self._finish))
        return out

    def finish(self) -> list[StreamEvent]:
        if self._ended or self._finish is not None:  # some servers send no [DONE]
            return self._end()
        return self.interrupted("the model finished")


def _as_delta(part: Part) -> StreamEvent:
    if isinstance(part, ReasoningPart):
        return ReasoningDelta(part.text)
    return TextDelta(part.text)  # type: ignore[union-attr]


class OpenAICompatible(Provider):
    """A Provider speaking the OpenAI Chat Completions dialect."""

    chat_path: ClassVar[str] = "/chat/completions"
    embeddings_path: ClassVar[str] = "/embeddings"
    models_path: ClassVar[str] = "/models"
    transcriptions_path: ClassVar[str] = "/audio/transcriptions"
    max_tokens_field: ClassVar[str] = "max_tokens"
    stream_usage: ClassVar[bool] = True  # send stream_options.include_usage
    system_role: ClassVar[str] = "system"
    tool_choice_required: ClassVar[str] = "required"
    embedding_encoding: ClassVar[str | None] = None  # "base64" to ask for packed floats
    supports_embeddings: ClassVar[bool] = False
    supports_transcription: ClassVar[bool] = False
    lists_models: ClassVar[bool] = True
    stream_decoder_type: ClassVar[type[OpenAIChatStream]] = OpenAIChatStream
    completion_type: ClassVar[type[Completion]] = Completion

    def headers(self) -> dict[str, str]:
        """Extra headers on every request (organization, app name, ...)."""
        return {}

    # --- chat -----------------------------------------------------------------------

    def chat_body(self, request: ChatRequest) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": request.model,
            "messages": encode_messages(request.messages, self.system_role),
        }
        if request.tools:
            body["tools"] = [self.tool_spec(t.name, t.description, t.parameters, t.strict)
                             for t in request.tools]
        if request.tool_choice is not None:
            body["tool_choice"] = self.tool_choice(request.tool_choice)
        if request.parallel_tool_calls is not None:
            body["parallel_tool_calls"] = request.parallel_tool_calls
        for key, value in (("temperature", request.temperature), ("top_p", request.top_p),
                           (self.max_tokens_field, request.max_tokens),
                           ("stop", request.stop), ("seed", request.seed)):
            if value is not None:
                body[key] = value
        if request.response_format is not None:
            rf = request.response_format
            body["response_format"] = {"type": "json_object"} if rf.schema is None else {
                "type": "json_schema",
                "json_schema": {"name": rf.name, "schema": rf.schema, "strict": rf.strict}}
        if request.reasoning is not None:
            body.update(self.reasoning_params(request.reasoning))
        body["stream"] = request.stream
        if request.stream and self.stream_usage:
            body["stream_options"] = {"include_usage": True}
        body.update(request.provider_options)
        return body

    def reasoning_params(self, reasoning: Reasoning) -> dict[str, Any]:
        """Body parameters that switch reasoning on (providers spell this differently)."""
        return {"reasoning_effort": reasoning.effort} if reasoning.effort else {}

    def tool_spec(self, name: str, description: str, parameters: dict[str, Any],
                  strict: bool | None) -> dict[str, Any]:
        fn: dict[str, Any] = {"name": name, "description": description,
                              "parameters": parameters}
        if strict is not None:
            fn["strict"] = strict
        return {"type": "function", "function": fn}

    def tool_choice(self, choice: str) -> Any:
        if choice in ("auto", "none"):
            return choice
        if choice == "required":
            return self.tool_choice_required
        return {"type": "function", "function": {"name": choice}}

    def encode_chat(self, request: ChatRequest) -> httpx.Request:
        headers = {**self.headers(), **request.headers}
        if request.stream:
            headers["accept"] = "text/event-stream"
        return self.json_request("POST", self.chat_path, self.chat_body(request), headers)

    def decode_chat(self, request: ChatRequest, response: httpx.Response) -> ChatResponse:
        try:
            wire = msgspec.json.decode(response.content, type=self.completion_type)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise MalformedStreamError(f"could not decode the response: {exc}",
                                       provider=self.name, raw=response.content) from None
        choice = wire.choices[0] if wire.choices else None
        content: list[Part] = []
        raw_finish = None
        if choice is not None:
            msg = choice.message
            raw_finish = choice.finish_reason
            reasoning = msg.reasoning_content or msg.reasoning
            if reasoning:
                content.append(ReasoningPart(reasoning))
            content.extend(content_pieces(msg.content))
            if msg.refusal:
                content.append(TextPart(msg.refusal))
            for i, tc in enumerate(msg.tool_calls or ()):
                args = tc.function.arguments
                content.append(ToolCall(
                    tc.id or f"call_{i}", tc.function.name,
                    args if isinstance(args, dict) else parse_arguments(
                        args or "", provider=self.name, tool_call_id=tc.id or "",
                        tool_name=tc.function.name)))
        result = ChatResponse(
            provider=self.name, model=wire.model or request.model, id=wire.id,
            content=content, usage=wire.usage.to_usage() if wire.usage else Usage(),
            finish_reason=finish_reason(raw_finish), raw_finish_reason=raw_finish)
        self.response_extras(wire, response, result)
        return result

    def response_extras(self, wire: Any, response: httpx.Response,
                        result: ChatResponse) -> None:
        """Add provider-specific data (citations, metadata) to a decoded response."""

    def stream_decoder(self, request: ChatRequest) -> OpenAIChatStream:
        return self.stream_decoder_type(self.name, request)

    # --- embeddings, transcription, models ---------------------------------------------

    def encode_embed(self, request: EmbedRequest) -> httpx.Request:
        if not self.supports_embeddings:
            raise self._unsupported("embeddings")
        body: dict[str, Any] = {"input": request.inputs, "model": request.model}
        if request.dimensions is not None:
            body["dimensions"] = request.dimensions
        encoding = "base64" if request.dtype == "base64" else self.embedding_encoding
        if encoding:
            body["encoding_format"] = encoding
        body.update(request.provider_options)
        return self.json_request("POST", self.embeddings_path, body,
                                 {**self.headers(), **request.headers})

    def decode_embed(self, request: EmbedRequest, response: httpx.Response) -> EmbeddingResponse:
        return decode_embedding_list(self.name, request, response.content)

    def encode_transcribe(self, request: TranscribeRequest) -> httpx.Request:
        if not self.supports_transcription:
            raise self._unsupported("audio transcription")
        data = {"model": request.model, "response_format": "json"}
        if request.language:
            data["language"] = request.language
        if request.prompt:
            data["prompt"] = request.prompt
        data.update({k: str(v) for k, v in request.provider_options.items()})
        return httpx.Request("POST", self.url(self.transcriptions_path), data=data,
                             files={"file": (request.filename, request.audio)},
                             headers={**self.headers(), **request.headers})

    def decode_transcribe(self, request: TranscribeRequest,
                          response: httpx.Response) -> Transcription:
        body = msgspec.json.decode(response.content)
        return Transcription(provider=self.name, model=request.model, text=body.get("text", ""),
                             language=body.get("language"), duration=body.get("duration"))

    def encode_list_models(self, request: ListModelsRequest) -> httpx.Request:
        if not self.lists_models:
            raise self._unsupported("live model listing")
        return httpx.Request("GET", self.url(self.models_path),
                             headers={"accept": "application/json", **self.headers(),
                                      **request.headers})

    def decode_list_models(self, request: ListModelsRequest,
                           response: httpx.Response) -> list[ModelInfo]:
        wire = msgspec.json.decode(response.content, type=_ModelList)
        return [ModelInfo(id=m.id, provider=self.name, context_window=m.context_length,
                          live=True) for m in wire.data]


def decode_embedding_list(provider: str, request: EmbedRequest,
                          content: bytes) -> EmbeddingResponse:
    """The ``{"data": [{"index", "embedding"}], "usage"}`` list most embedding APIs return
    (OpenAI and its dialects, Voyage, Jina); base64 vectors are decoded to floats."""
    wire = msgspec.json.decode(content, type=_EmbeddingList)
    embeddings = [Embedding(d.index, _floats(d.embedding)) for d in wire.data]
    usage = wire.usage
    tokens = (usage.prompt_tokens or usage.total_tokens or 0) if usage else 0
    return EmbeddingResponse(provider=provider, model=wire.model or request.model,
                             embeddings=embeddings, usage=Usage(tokens))


def _floats(value: list[float] | str) -> list[float]:
    if isinstance(value, str):  # base64 little-endian float32
        return array("f", base64.b64decode(value)).tolist()
    return value
