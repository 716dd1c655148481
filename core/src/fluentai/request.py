"""What the client asks a provider to do, one Struct per operation.

These are what the encode hook receives: provider-neutral and already validated, with the
provider's own model id (the ``provider/`` prefix removed).
"""

from __future__ import annotations

from typing import Any, Literal, Union

import msgspec

from .types import Message, Tool

ToolChoice = Union[Literal["auto", "none", "required"], str]  # or a tool's name
InputType = Literal["query", "document"]
EmbeddingDType = Literal["float", "int8", "uint8", "binary", "ubinary", "base64"]


class ResponseFormat(msgspec.Struct, frozen=True):
    """JSON output: ``schema`` None asks for any JSON object (JSON mode)."""

    schema: dict[str, Any] | None = None
    name: str = "response"
    strict: bool = True


class Reasoning(msgspec.Struct, frozen=True):
    """Extended thinking: an effort level, a token budget, or both (providers take one)."""

    effort: str | None = None  # minimal, low, medium, high; some providers take max, xhigh
    budget_tokens: int | None = None


class ChatRequest(msgspec.Struct, frozen=True, kw_only=True):
    model: str
    messages: list[Message]
    tools: list[Tool] = msgspec.field(default_factory=list)
    tool_choice: ToolChoice | None = None
    parallel_tool_calls: bool | None = None
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    stop: list[str] | None = None
    seed: int | None = None
    response_format: ResponseFormat | None = None
    reasoning: Reasoning | None = None
    stream: bool = False
    # opt-in stream extras
    partial_tool_arguments: bool = False
    raw_events: bool = False
    # merged into the provider's request body as-is: the escape hatch for new parameters
    provider_options: dict[str, Any] = msgspec.field(default_factory=dict)
    headers: dict[str, str] = msgspec.field(default_factory=dict)

    @property
    def system(self) -> str | None:
        """The system prompt, for providers that take it outside the messages."""
        texts = [m.text for m in self.messages if m.role == "system"]
        return "\n\n".join(texts) if texts else None


class EmbedRequest(msgspec.Struct, frozen=True, kw_only=True):
    model: str
    inputs: list[str]
    input_type: InputType | None = None
    dimensions: int | None = None
    dtype: EmbeddingDType | None = None
    provider_options: dict[str, Any] = msgspec.field(default_factory=dict)
    headers: dict[str, str] = msgspec.field(default_factory=dict)


class RerankRequest(msgspec.Struct, frozen=True, kw_only=True):
    model: str
    query: str
    documents: list[str]
    top_n: int | None = None
    provider_options: dict[str, Any] = msgspec.field(default_factory=dict)
    headers: dict[str, str] = msgspec.field(default_factory=dict)


class TranscribeRequest(msgspec.Struct, frozen=True, kw_only=True):
    model: str
    audio: bytes
    filename: str = "audio.wav"
    language: str | None = None
    prompt: str | None = None
    provider_options: dict[str, Any] = msgspec.field(default_factory=dict)
    headers: dict[str, str] = msgspec.field(default_factory=dict)


class ListModelsRequest(msgspec.Struct, frozen=True, kw_only=True):
    page_token: str | None = None  # the previous page's ModelPage.next_page
    headers: dict[str, str] = msgspec.field(default_factory=dict)


class CheckRequest(msgspec.Struct, frozen=True, kw_only=True):
    """``client.check``: the one cheap authenticated request that proves the credentials
    work (by default the first page of the model listing; see ``Provider.check_request``)."""

    headers: dict[str, str] = msgspec.field(default_factory=dict)


AnyRequest = Union[ChatRequest, EmbedRequest, RerankRequest, TranscribeRequest,
                   ListModelsRequest, CheckRequest]
