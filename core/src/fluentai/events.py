"""The stream-event grammar every provider's decoder speaks, and the collector that folds a
stream into the same ChatResponse that a non-streamed call returns.

Grammar (see spec/stream-events.md): an optional ``ResponseStart``; then any interleaving of
``TextDelta``, ``ReasoningDelta``, ``CitationEvent`` and tool-call blocks (``ToolCallStart``,
``ToolCallDelta``..., ``ToolCallEnd`` per call, several may interleave by ``index``);
``UsageEvent`` at most once per accounting update; exactly one ``Finish`` last. A decoder
that meets a provider error yields ``ErrorEvent``; the client raises it with the partial
output attached.
"""

from __future__ import annotations

from typing import Any, Union

import msgspec

from .errors import FluentAIError, StreamInterruptedError
from .types import (
    ChatResponse,
    Citation,
    FinishReason,
    Part,
    ReasoningPart,
    TextPart,
    ToolCall,
    Usage,
)


class ResponseStart(msgspec.Struct, frozen=True, tag="start"):
    id: str | None = None
    model: str | None = None


class TextDelta(msgspec.Struct, frozen=True, tag="text"):
    text: str


class ReasoningDelta(msgspec.Struct, frozen=True, tag="reasoning"):
    text: str
    signature: str | None = None
    redacted: bool = False


class ToolCallStart(msgspec.Struct, frozen=True, tag="tool_call_start"):
    index: int
    id: str
    name: str


class ToolCallDelta(msgspec.Struct, frozen=True, tag="tool_call_delta"):
    """A fragment of a tool call's JSON arguments; ``partial`` (opt-in) is the parse so far."""

    index: int
    id: str
    arguments: str
    partial: Any = None


class ToolCallEnd(msgspec.Struct, frozen=True, tag="tool_call_end"):
    index: int
    id: str
    name: str
    arguments: dict[str, Any]


class CitationEvent(msgspec.Struct, frozen=True, tag="citation"):
    citation: Citation


class UsageEvent(msgspec.Struct, frozen=True, tag="usage"):
    usage: Usage


class WarningEvent(msgspec.Struct, frozen=True, tag="warning"):
    message: str


class MetadataEvent(msgspec.Struct, frozen=True, tag="metadata"):
    """Provider-specific data with no place in the grammar (the escape hatch)."""

    data: dict[str, Any]


class RawEvent(msgspec.Struct, frozen=True, tag="raw"):
    """A provider payload exactly as received; only emitted when raw events are requested."""

    data: bytes


class Finish(msgspec.Struct, frozen=True, tag="finish"):
    reason: FinishReason
    raw: str | None = None


class ErrorEvent(msgspec.Struct, frozen=True, tag="error"):
    error: FluentAIError


# Events that may come before any content; a stream's first token is the first other one.
PREAMBLE = (ResponseStart, MetadataEvent, RawEvent, WarningEvent)

StreamEvent = Union[
    ResponseStart,
    TextDelta,
    ReasoningDelta,
    ToolCallStart,
    ToolCallDelta,
    ToolCallEnd,
    CitationEvent,
    UsageEvent,
    WarningEvent,
    MetadataEvent,
    RawEvent,
    Finish,
    ErrorEvent,
]


# Deltas kept as separate strings before they are joined into one: a long answer then
# costs its text, not a Python object per token (peak memory flat in stream length).
COMPACT = 2048


class Collector:
    """Folds stream events into a ChatResponse, keeping part order and merging deltas."""

    __slots__ = (
        "_parts",
        "_reasoning",
        "_signature",
        "_text",
        "_tools",
        "citations",
        "finish",
        "id",
        "metadata",
        "model",
        "provider",
        "usage",
        "warnings",
    )

    def __init__(self, provider: str, model: str) -> None:
        self.provider = provider
        self.model = model
        self.id: str | None = None
        self._parts: list[Part] = []
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self._signature: str | None = None
        self._tools: dict[int, tuple[str, str, list[str]]] = {}
        self.usage: Usage | None = None
        self.finish: Finish | None = None
        self.citations: list[Citation] = []
        self.warnings: list[str] = []
        self.metadata: dict[str, Any] = {}

    def add(self, event: StreamEvent) -> None:
        ev: Any = event  # dispatched on the exact class below
        cls = type(ev)
        if cls is TextDelta:
            if self._reasoning:
                self._flush_reasoning()
            text = self._text
            text.append(ev.text)
            if len(text) > COMPACT:
                text[:] = ["".join(text)]
        elif cls is ReasoningDelta:
            if self._text:
                self._flush_text()
            reasoning = self._reasoning
            reasoning.append(ev.text)
            if len(reasoning) > COMPACT:
                reasoning[:] = ["".join(reasoning)]
            if ev.signature:
                self._signature = ev.signature
        elif cls is ToolCallDelta:
            self._tools[ev.index][2].append(ev.arguments)
        elif cls is ToolCallStart:
            self._tools[ev.index] = (ev.id, ev.name, [])
        elif cls is ToolCallEnd:
            self._flush_text()
            self._flush_reasoning()
            self._tools.pop(ev.index, None)
            self._parts.append(ToolCall(ev.id, ev.name, ev.arguments))
        elif cls is UsageEvent:
            self.usage = ev.usage
        elif cls is Finish:
            self.finish = ev
        elif cls is ResponseStart:
            self.id = ev.id or self.id
            self.model = ev.model or self.model
        elif cls is CitationEvent:
            self.citations.append(ev.citation)
        elif cls is WarningEvent:
            self.warnings.append(ev.message)
        elif cls is MetadataEvent:
            self.metadata.update(ev.data)

    def _flush_text(self) -> None:
        if self._text:
            self._parts.append(TextPart("".join(self._text)))
            self._text = []

    def _flush_reasoning(self) -> None:
        if self._reasoning:
            self._parts.append(ReasoningPart("".join(self._reasoning), self._signature))
            self._reasoning = []
            self._signature = None

    def pending_tool_calls(self) -> dict[str, str]:
        """Tool calls started but not finished: id -> the raw argument text so far."""
        return {tid: "".join(args) for tid, _, args in self._tools.values()}

    def response(self) -> ChatResponse:
        """The response so far (complete once ``Finish`` was seen)."""
        self._flush_reasoning()
        self._flush_text()
        fin = self.finish
        return ChatResponse(
            provider=self.provider,
            model=self.model,
            id=self.id,
            content=list(self._parts),
            usage=self.usage or Usage(),
            finish_reason=fin.reason if fin else "error",
            raw_finish_reason=fin.raw if fin else None,
            citations=self.citations,
            warnings=self.warnings,
            provider_metadata=self.metadata,
        )

    def interrupted(self, error: FluentAIError) -> FluentAIError:
        """Attach the partial output to ``error`` (a StreamInterruptedError carries it)."""
        if isinstance(error, StreamInterruptedError):
            error.partial = self.response()
            error.pending_tool_calls = self.pending_tool_calls()
        else:
            error.partial = self.response()
        return error


def collect(events: Any, provider: str = "", model: str = "") -> ChatResponse:
    """Fold an iterable of events into a ChatResponse (errors in it are raised)."""
    c = Collector(provider, model)
    for ev in events:
        if type(ev) is ErrorEvent:
            raise c.interrupted(ev.error)
        c.add(ev)
    return c.response()
