"""fluentai: one typed API over every LLM provider; each provider is a plugin.

Importing this package is cheap: the clients, httpx and the plugins load on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Client": "client", "AsyncClient": "client", "Stream": "client", "AsyncStream": "client",
    "CheckResult": "client", "ModelBuilder": "builder",
    "Message": "types", "TextPart": "types", "ImagePart": "types", "FilePart": "types",
    "ReasoningPart": "types", "ToolCall": "types", "ToolResult": "types", "Tool": "types",
    "Usage": "types", "Citation": "types", "ChatResponse": "types",
    "EmbeddingResponse": "types", "Embedding": "types", "RerankResponse": "types",
    "RerankResult": "types", "Transcription": "types", "ModelInfo": "types",
    "ModelPage": "types", "Price": "types",
    "Provider": "provider", "Secret": "provider",
    "OpenAICompatible": "wire.openai",
    "hookimpl": "hookspecs", "tool_from_function": "tools", "collect": "events",
    "RetryPolicy": "retry", "Timeout": "timeouts", "TransportOptions": "transport",
}

if TYPE_CHECKING:
    from .builder import ModelBuilder
    from .client import AsyncClient, AsyncStream, CheckResult, Client, Stream
    from .events import collect
    from .hookspecs import hookimpl
    from .provider import Provider, Secret
    from .retry import RetryPolicy
    from .timeouts import Timeout
    from .tools import tool_from_function
    from .transport import TransportOptions
    from .types import (
        ChatResponse,
        Citation,
        Embedding,
        EmbeddingResponse,
        FilePart,
        ImagePart,
        Message,
        ModelInfo,
        ModelPage,
        Price,
        ReasoningPart,
        RerankResponse,
        RerankResult,
        TextPart,
        Tool,
        ToolCall,
        ToolResult,
        Transcription,
        Usage,
    )
    from .wire.openai import OpenAICompatible

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'fluentai' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
