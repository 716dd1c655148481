"""Domain types shared by every provider: messages, tools, usage and responses.

All are msgspec Structs: cheap to build, frozen where sharing matters, and encodable to
JSON as they are (the CLI's ``--json`` and the conformance kit rely on that).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, Union

import msgspec

Role = Literal["system", "user", "assistant", "tool"]
FinishReason = Literal["stop", "length", "tool_calls", "content_filter", "error", "other"]


class TextPart(msgspec.Struct, frozen=True, tag="text"):
    text: str


class ImagePart(msgspec.Struct, frozen=True, tag="image"):
    """An image given by URL or by its bytes (exactly one of the two)."""

    url: str | None = None
    data: bytes | None = None
    media_type: str = "image/png"


class FilePart(msgspec.Struct, frozen=True, tag="file"):
    """A document or audio clip (PDF, WAV, MP3, ...) given by bytes or URL."""

    media_type: str
    data: bytes | None = None
    url: str | None = None
    filename: str | None = None


class ReasoningPart(msgspec.Struct, frozen=True, tag="reasoning"):
    """Model reasoning; ``signature`` must be sent back unchanged on later turns."""

    text: str
    signature: str | None = None
    redacted: bool = False


class ToolCall(msgspec.Struct, frozen=True, tag="tool_call"):
    id: str
    name: str
    arguments: dict[str, Any]


class ToolResult(msgspec.Struct, frozen=True, tag="tool_result"):
    """The outcome of running a tool; ``is_error`` tells the model the call failed."""

    tool_call_id: str
    content: str
    name: str | None = None
    is_error: bool = False


Part = Union[TextPart, ImagePart, FilePart, ReasoningPart, ToolCall, ToolResult]


class Message(msgspec.Struct, frozen=True):
    role: Role
    content: str | list[Part]
    name: str | None = None

    @property
    def parts(self) -> list[Part]:
        """The content as parts, whichever form it was given in."""
        if isinstance(self.content, str):
            return [TextPart(self.content)]
        return self.content

    @property
    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        return "".join(p.text for p in self.content if isinstance(p, TextPart))

    @classmethod
    def system(cls, text: str) -> Message:
        return cls("system", text)

    @classmethod
    def user(cls, *content: str | Part) -> Message:
        parts = [TextPart(c) if isinstance(c, str) else c for c in content]
        if len(parts) == 1 and isinstance(parts[0], TextPart):
            return cls("user", parts[0].text)
        return cls("user", parts)

    @classmethod
    def assistant(cls, content: str | list[Part]) -> Message:
        return cls("assistant", content)

    @classmethod
    def tool(cls, tool_call_id: str, content: str, *, name: str | None = None,
             is_error: bool = False) -> Message:
        return cls("tool", [ToolResult(tool_call_id, content, name=name, is_error=is_error)])


class Tool(msgspec.Struct, frozen=True):
    """A function the model may call, described by a JSON schema of its parameters."""

    name: str
    description: str = ""
    parameters: dict[str, Any] = msgspec.field(
        default_factory=lambda: {"type": "object", "properties": {}}
    )
    strict: bool | None = None


class Usage(msgspec.Struct, frozen=True):
    """Token counts; the detail counts are None where the provider does not report them.

    ``input_tokens`` counts every input token, cache reads and writes included (plugins of
    providers that report them apart, like Anthropic, add them up), so cost is one formula.
    """

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int | None = None
    cache_write_tokens: int | None = None
    reasoning_tokens: int | None = None

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def __add__(self, other: Usage) -> Usage:
        def add(a: int | None, b: int | None) -> int | None:
            return None if a is None and b is None else (a or 0) + (b or 0)

        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            add(self.cache_read_tokens, other.cache_read_tokens),
            add(self.cache_write_tokens, other.cache_write_tokens),
            add(self.reasoning_tokens, other.reasoning_tokens),
        )


class Citation(msgspec.Struct, frozen=True):
    """A source the model used (web search results, document citations)."""

    url: str | None = None
    title: str | None = None
    text: str | None = None


class ChatResponse(msgspec.Struct, kw_only=True):
    """One model answer, the same whether it was streamed or not."""

    provider: str
    model: str
    id: str | None = None
    content: list[Part] = msgspec.field(default_factory=list)
    usage: Usage = msgspec.field(default_factory=Usage)
    finish_reason: FinishReason = "stop"
    raw_finish_reason: str | None = None
    citations: list[Citation] = msgspec.field(default_factory=list)
    warnings: list[str] = msgspec.field(default_factory=list)
    cost: float | None = None
    provider_metadata: dict[str, Any] = msgspec.field(default_factory=dict)

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.content if isinstance(p, TextPart))

    @property
    def reasoning(self) -> str:
        return "".join(p.text for p in self.content if isinstance(p, ReasoningPart))

    @property
    def tool_calls(self) -> list[ToolCall]:
        return [p for p in self.content if isinstance(p, ToolCall)]

    @property
    def message(self) -> Message:
        """The answer as an assistant message, ready to append to the conversation."""
        return Message("assistant", list(self.content))


class Embedding(msgspec.Struct, frozen=True):
    index: int
    vector: list[float] | list[int]


class EmbeddingResponse(msgspec.Struct, kw_only=True):
    provider: str
    model: str
    embeddings: list[Embedding]
    usage: Usage = msgspec.field(default_factory=Usage)
    cost: float | None = None

    @property
    def vectors(self) -> list[list[float] | list[int]]:
        return [e.vector for e in self.embeddings]

    def __len__(self) -> int:
        return len(self.embeddings)

    def __getitem__(self, i: int) -> list[float] | list[int]:
        return self.embeddings[i].vector


class RerankResult(msgspec.Struct, frozen=True):
    index: int
    relevance_score: float
    document: str | None = None


class RerankResponse(msgspec.Struct, kw_only=True):
    provider: str
    model: str
    results: list[RerankResult]
    usage: Usage = msgspec.field(default_factory=Usage)


class Transcription(msgspec.Struct, kw_only=True):
    provider: str
    model: str
    text: str
    language: str | None = None
    duration: float | None = None
    usage: Usage = msgspec.field(default_factory=Usage)


class Price(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """US dollars per million tokens."""

    input: float | None = None
    output: float | None = None
    cached_input: float | None = None
    cache_write: float | None = None


Capability = Literal[
    "chat", "tools", "vision", "reasoning", "embeddings", "rerank", "audio", "json", "pdf"
]


class ModelPage(list["ModelInfo"]):
    """One page of a live model listing; ``next_page`` is the token for the next one (the
    client follows it). A plain list of ModelInfo is a single, complete page."""

    def __init__(self, models: Iterable[ModelInfo] = (), next_page: str | None = None
                 ) -> None:
        super().__init__(models)
        self.next_page = next_page


class ModelInfo(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What the catalog (and, where a provider offers it, the live listing) knows of a model."""

    id: str
    provider: str = ""
    name: str | None = None
    capabilities: tuple[Capability, ...] = ()
    context_window: int | None = None
    max_output: int | None = None
    price: Price | None = None
    aliases: tuple[str, ...] = ()
    deprecated: str | None = None
    dimensions: int | None = None  # embeddings: the native vector size
    output_dimensions: tuple[int, ...] = ()  # embeddings: selectable sizes (empty: any up to
    live: bool = False                       # ``dimensions``, where the model can shorten)


class CheckResult(msgspec.Struct, kw_only=True):
    """The outcome of ``client.check(provider)``. ``ok``: a request with these credentials
    succeeded (``verified``). Otherwise ``problem`` says what is wrong or, when the provider
    has no request that could verify them, that it is "configured, not verified" and why;
    ``configured`` is False when a setting or credential is missing, and ``error`` names
    the typed error the failure was (``AuthenticationError``, ...). ``models``: how many the
    listing returned when the check was a model listing."""

    provider: str
    ok: bool
    configured: bool = True
    verified: bool = False
    problem: str | None = None
    error: str | None = None
    models: int | None = None
    latency_ms: float | None = None
