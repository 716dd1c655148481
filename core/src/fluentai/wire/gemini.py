"""The Gemini ``generateContent`` wire format, once, for the Gemini API and Vertex AI.

``GeminiContent`` is a Provider that encodes requests (contents, systemInstruction,
functionDeclarations, generationConfig), decodes responses and SSE streams
(``streamGenerateContent?alt=sse``) and embeddings; hosts set the URL scheme and auth.
Gemini gives function calls no ids, so stable ids are made from the call's position, and
tool results are matched back to the function's name from the conversation.
"""

from __future__ import annotations

import base64
import re
from itertools import pairwise
from typing import Any, ClassVar

import msgspec

from .._lazy import httpx
from ..decoding import JSONStream
from ..errormap import error_from_response
from ..errors import APIStatusError, MalformedStreamError
from ..events import (
    ErrorEvent,
    Finish,
    ReasoningDelta,
    ResponseStart,
    StreamEvent,
    TextDelta,
    UsageEvent,
)
from ..provider import Provider, StreamDecoder
from ..request import ChatRequest, EmbedRequest
from ..types import (
    ChatResponse,
    Embedding,
    EmbeddingResponse,
    FilePart,
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

FINISH_REASONS: dict[str, FinishReason] = {
    "STOP": "stop", "MAX_TOKENS": "length", "SAFETY": "content_filter",
    "RECITATION": "content_filter", "BLOCKLIST": "content_filter",
    "PROHIBITED_CONTENT": "content_filter", "SPII": "content_filter",
    "IMAGE_SAFETY": "content_filter", "MALFORMED_FUNCTION_CALL": "error",
}
INPUT_TYPES = {"query": "RETRIEVAL_QUERY", "document": "RETRIEVAL_DOCUMENT"}


class _FunctionCall(msgspec.Struct):
    name: str | None = None
    args: dict[str, Any] | None = None
    id: str | None = None
    partialArgs: list[dict[str, Any]] | None = None
    willContinue: bool | None = None


class _Part(msgspec.Struct):
    text: str | None = None
    thought: bool | None = None
    thoughtSignature: str | None = None
    functionCall: _FunctionCall | None = None


class _Content(msgspec.Struct):
    parts: list[_Part] = []


class _Candidate(msgspec.Struct):
    content: _Content | None = None
    finishReason: str | None = None


class _UsageMetadata(msgspec.Struct):
    promptTokenCount: int | None = None
    candidatesTokenCount: int | None = None
    thoughtsTokenCount: int | None = None
    cachedContentTokenCount: int | None = None
    toolUsePromptTokenCount: int | None = None

    def to_usage(self) -> Usage:
        prompt = (self.promptTokenCount or 0) + (self.toolUsePromptTokenCount or 0)
        thoughts = self.thoughtsTokenCount
        return Usage(prompt, (self.candidatesTokenCount or 0) + (thoughts or 0),
                     self.cachedContentTokenCount, None, thoughts)


class _PromptFeedback(msgspec.Struct):
    blockReason: str | None = None


class _Response(msgspec.Struct):
    candidates: list[_Candidate] = []
    usageMetadata: _UsageMetadata | None = None
    modelVersion: str | None = None
    responseId: str | None = None
    promptFeedback: _PromptFeedback | None = None
    error: dict[str, Any] | None = None


def finish_reason(raw: str | None, blocked: str | None, has_calls: bool) -> FinishReason:
    if blocked:
        return "content_filter"
    if has_calls and raw in (None, "STOP"):
        return "tool_calls"
    return FINISH_REASONS.get(raw or "STOP", "other")


def retry_delay(body: Any) -> float | None:
    """Seconds from a google.rpc.RetryInfo detail (``"retryDelay": "27s"``)."""
    details = body.get("error", {}).get("details", []) if isinstance(body, dict) else []
    for detail in details:
        delay = detail.get("retryDelay") if isinstance(detail, dict) else None
        if isinstance(delay, str) and re.fullmatch(r"[\d.]+s", delay):
            return float(delay[:-1])
    return None


# --- encoding -------------------------------------------------------------------------------

def _part(part: Part, names: dict[str, str]) -> dict[str, Any]:
    if isinstance(part, TextPart):
        return {"text": part.text}
    if isinstance(part, (ImagePart, FilePart)):
        if part.url:
            return {"fileData": {"mimeType": part.media_type, "fileUri": part.url}}
        return {"inlineData": {"mimeType": part.media_type,
                               "data": base64.b64encode(part.data or b"").decode()}}
    if isinstance(part, ToolCall):
        return {"functionCall": {"name": part.name, "args": part.arguments}}
    if isinstance(part, ToolResult):
        name = part.name or names.get(part.tool_call_id, part.tool_call_id)
        key = "error" if part.is_error else "result"
        return {"functionResponse": {"name": name, "response": {key: part.content}}}
    raise TypeError(f"{type(part).__name__} cannot be sent to Gemini")


def encode_contents(messages: list[Message]) -> list[dict[str, Any]]:
    """Contents with roles user/model; a thought signature rides on the part after it.
    A tool result takes the name of the latest earlier call with its id: generated ids
    (``call_0``...) repeat from one turn to the next."""
    names: dict[str, str] = {}
    out: list[dict[str, Any]] = []
    for m in messages:
        names.update({p.id: p.name for p in m.parts if isinstance(p, ToolCall)})
        if m.role == "system":
            continue
        role = "model" if m.role == "assistant" else "user"
        parts: list[dict[str, Any]] = []
        signature: str | None = None
        for p in m.parts:
            if isinstance(p, ReasoningPart):
                signature = p.signature or signature
                continue
            encoded = _part(p, names)
            if signature:
                encoded["thoughtSignature"] = signature
                signature = None
            parts.append(encoded)
        if out and out[-1]["role"] == role:
            out[-1]["parts"].extend(parts)
        else:
            out.append({"parts": parts, "role": role})
    return out


def generate_body(request: ChatRequest) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for key, value in (("temperature", request.temperature), ("topP", request.top_p),
                       ("maxOutputTokens", request.max_tokens),
                       ("stopSequences", request.stop), ("seed", request.seed)):
        if value is not None:
            config[key] = value
    if request.response_format is not None:
        config["responseMimeType"] = "application/json"
        if request.response_format.schema is not None:
            config["responseJsonSchema"] = request.response_format.schema
    if request.reasoning is not None:
        thinking: dict[str, Any] = {"includeThoughts": True}
        if request.reasoning.budget_tokens is not None:
            thinking["thinkingBudget"] = request.reasoning.budget_tokens
        elif request.reasoning.effort:
            thinking["thinkingLevel"] = request.reasoning.effort
        config["thinkingConfig"] = thinking
    body: dict[str, Any] = {"contents": encode_contents(request.messages),
                            "generationConfig": config}
    if request.system:
        body["systemInstruction"] = {"parts": [{"text": request.system}], "role": "user"}
    if request.tools:
        body["tools"] = [{"functionDeclarations": [
            {"description": t.description, "name": t.name, "parameters_json_schema": t.parameters}
            for t in request.tools]}]
    if request.tool_choice is not None:
        mode = {"auto": "AUTO", "none": "NONE", "required": "ANY"}.get(request.tool_choice)
        config_fc: dict[str, Any] = {"mode": mode or "ANY"}
        if mode is None:
            config_fc["allowedFunctionNames"] = [request.tool_choice]
        body["toolConfig"] = {"functionCallingConfig": config_fc}
    body.update(request.provider_options)
    return body


# --- decoding -------------------------------------------------------------------------------

class GeminiStream(JSONStream):
    """Decoder for ``streamGenerateContent?alt=sse`` (also used for whole responses)."""

    payload_type = _Response

    def __init__(self, provider: str, request: ChatRequest) -> None:
        super().__init__(provider, request)
        self._started = False
        self._calls = 0
        self._open: int | None = None  # a call whose arguments are still streaming
        self._args: dict[str, Any] = {}
        self._usage: Usage | None = None
        self._finish: str | None = None
        self._blocked: str | None = None

    def handle(self, chunk: _Response, out: list[StreamEvent]) -> bool:
        if chunk.error is not None:
            status = int(chunk.error.get("code", 500))
            out.append(ErrorEvent(map_error(self._provider, status, {},
                                            msgspec.json.encode({"error": chunk.error}))))
            return False
        self.chunk(chunk, out)
        return True

    def chunk(self, chunk: _Response, out: list[StreamEvent]) -> None:
        if not self._started:
            self._started = True
            out.append(ResponseStart(chunk.responseId, chunk.modelVersion))
        if chunk.promptFeedback is not None and chunk.promptFeedback.blockReason:
            self._blocked = chunk.promptFeedback.blockReason
        for cand in chunk.candidates[:1]:
            for part in cand.content.parts if cand.content else ():
                self._part(part, out)
            if cand.finishReason:
                self._finish = cand.finishReason
        if chunk.usageMetadata is not None:
            self._usage = chunk.usageMetadata.to_usage()

    def _part(self, part: _Part, out: list[StreamEvent]) -> None:
        if part.text:
            out.append(ReasoningDelta(part.text) if part.thought else TextDelta(part.text))
        if part.thoughtSignature:
            out.append(ReasoningDelta("", part.thoughtSignature))
        call = part.functionCall
        if call is None:
            return
        if call.name:
            if self._open is not None:
                out.append(self._tools.end(self._open, self._args))
            index = self._calls
            self._calls += 1
            out.append(self._tools.start(index, call.id or f"call_{index}", call.name))
            if call.willContinue:
                self._open, self._args = index, dict(call.args or {})
            else:
                out.append(self._tools.end(index, call.args or {}))
        elif call.partialArgs and self._open is not None:
            for piece in call.partialArgs:
                _merge(self._args, piece)
        elif self._open is not None and not call.willContinue:
            out.append(self._tools.end(self._open, self._args))
            self._open = None

    def finish(self) -> list[StreamEvent]:
        if self._finish is None and self._blocked is None:
            return self.interrupted("a finish reason")
        out: list[StreamEvent] = list(self._tools.end_all())
        if self._usage is not None:
            out.append(UsageEvent(self._usage))
        out.append(Finish(finish_reason(self._finish, self._blocked, self._calls > 0),
                          self._finish or self._blocked))
        return out


def _merge(args: dict[str, Any], piece: dict[str, Any]) -> None:
    """Apply one streamed argument fragment at its JSON path (``$.a.b[2].c``); strings
    arrive in pieces and are appended, ``[n]`` addresses list items."""
    keys: list[str | int] = [int(index) if index else name for name, index in
                             _PATH_STEP.findall(piece.get("jsonPath", "$"))]
    if not keys:
        return
    target: Any = args
    for key, after in pairwise(keys):
        target = _slot(target, key, [] if isinstance(after, int) else {})
    last = keys[-1]
    if "stringValue" in piece:
        _put(target, last, (_get(target, last) or "") + piece["stringValue"])
        return
    for kind in ("numberValue", "boolValue", "nullValue", "structValue", "listValue"):
        if kind in piece:
            _put(target, last, None if kind == "nullValue" else piece[kind])


_PATH_STEP = re.compile(r"\.([^.\[]+)|\[(\d+)\]")


def _get(container: Any, key: str | int) -> Any:
    if isinstance(key, int):
        return container[key] if key < len(container) else None
    return container.get(key)


def _put(container: Any, key: str | int, value: Any) -> None:
    if isinstance(key, int):
        container.extend([None] * (key + 1 - len(container)))
    container[key] = value


def _slot(container: Any, key: str | int, empty: Any) -> Any:
    """The child at ``key``, created (as ``empty``) when missing."""
    child = _get(container, key)
    if child is None:
        child = empty
        _put(container, key, child)
    return child


def map_error(provider: str, status: int, headers: Any, content: bytes) -> APIStatusError:
    error = error_from_response(provider, status, headers, content)
    if status == 429 and getattr(error, "retry_after", None) is None:
        error.retry_after = retry_delay(error.body)  # type: ignore[attr-defined]
    return error


class _Values(msgspec.Struct):
    values: list[float]


class _Embeddings(msgspec.Struct):
    embeddings: list[_Values]


class GeminiContent(Provider):
    """A Provider speaking generateContent; hosts define ``model_path``."""

    stream_query: ClassVar[dict[str, str]] = {"alt": "sse"}

    def model_path(self, model: str) -> str:
        return f"/models/{model}"

    def headers(self) -> dict[str, str]:
        return {}

    def encode_chat(self, request: ChatRequest) -> httpx.Request:
        method = "streamGenerateContent" if request.stream else "generateContent"
        params = self.stream_query if request.stream else None
        return self.json_request("POST", f"{self.model_path(request.model)}:{method}",
                                 generate_body(request), {**self.headers(), **request.headers},
                                 params=params)

    def decode_chat(self, request: ChatRequest, response: httpx.Response) -> ChatResponse:
        from ..events import collect

        decoder = GeminiStream(self.name, request)
        events: list[StreamEvent] = []
        try:
            decoder.chunk(msgspec.json.decode(response.content, type=_Response), events)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise MalformedStreamError(f"could not decode the response: {exc}",
                                       provider=self.name, raw=response.content) from None
        return collect([*events, *decoder.finish()], self.name, request.model)

    def stream_decoder(self, request: ChatRequest) -> StreamDecoder:
        return GeminiStream(self.name, request)

    def map_error(self, response: httpx.Response) -> APIStatusError:
        return map_error(self.name, response.status_code, response.headers, response.content)

    def embed_body(self, request: EmbedRequest) -> dict[str, Any]:
        def one(text: str) -> dict[str, Any]:
            item: dict[str, Any] = {"content": {"parts": [{"text": text}]},
                                    "model": f"models/{request.model}"}
            if request.dimensions is not None:
                item["outputDimensionality"] = request.dimensions
            if request.input_type:
                item["taskType"] = INPUT_TYPES[request.input_type]
            item.update(request.provider_options)
            return item

        return {"requests": [one(t) for t in request.inputs]}

    def encode_embed(self, request: EmbedRequest) -> httpx.Request:
        return self.json_request("POST", f"{self.model_path(request.model)}:batchEmbedContents",
                                 self.embed_body(request), {**self.headers(), **request.headers})

    def decode_embed(self, request: EmbedRequest, response: httpx.Response) -> EmbeddingResponse:
        wire = msgspec.json.decode(response.content, type=_Embeddings)
        return EmbeddingResponse(provider=self.name, model=request.model,
                                 embeddings=[Embedding(i, e.values)
                                             for i, e in enumerate(wire.embeddings)])
