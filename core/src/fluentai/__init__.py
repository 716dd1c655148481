"""fluentai: one typed API over every LLM provider; each provider is a plugin.

Importing this package is cheap: the clients, httpx and the plugins load on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Client": "client", "AsyncClient": "async_client", "Stream": "streams",
    "AsyncStream": "streams", "ModelBuilder": "builder", "AsyncModelBuilder": "builder",
    "CheckResult": "types", "Message": "types", "TextPart": "types", "ImagePart": "types",
    "FilePart": "types", "ReasoningPart": "types", "ToolCall": "types", "ToolResult": "types",
    "Tool": "types", "Usage": "types", "Citation": "types", "ChatResponse": "types",
    "EmbeddingResponse": "types", "Embedding": "types", "RerankResponse": "types",
    "RerankResult": "types", "Transcription": "types", "ModelInfo": "types",
    "ModelPage": "types", "Price": "types",
    "ChatOptions": "options", "ClientOptions": "options", "EmbedOptions": "options",
    "RerankOptions": "options", "TranscribeOptions": "options", "Prompt": "options",
    "Provider": "provider", "Secret": "provider",
    "OpenAICompatible": "wire.openai",
    "hookimpl": "hookspecs", "tool_from_function": "tools", "collect": "events",
    "RetryPolicy": "retry", "Timeout": "timeouts", "TransportOptions": "transport",
}

if TYPE_CHECKING:  # explicit re-exports, so strict type checkers accept `from fluentai import X`
    from .async_client import AsyncClient as AsyncClient
    from .builder import AsyncModelBuilder as AsyncModelBuilder
    from .builder import ModelBuilder as ModelBuilder
    from .client import Client as Client
    from .events import collect as collect
    from .hookspecs import hookimpl as hookimpl
    from .options import ChatOptions as ChatOptions
    from .options import ClientOptions as ClientOptions
    from .options import EmbedOptions as EmbedOptions
    from .options import Prompt as Prompt
    from .options import RerankOptions as RerankOptions
    from .options import TranscribeOptions as TranscribeOptions
    from .provider import Provider as Provider
    from .provider import Secret as Secret
    from .retry import RetryPolicy as RetryPolicy
    from .streams import AsyncStream as AsyncStream
    from .streams import Stream as Stream
    from .timeouts import Timeout as Timeout
    from .tools import tool_from_function as tool_from_function
    from .transport import TransportOptions as TransportOptions
    from .types import ChatResponse as ChatResponse
    from .types import CheckResult as CheckResult
    from .types import Citation as Citation
    from .types import Embedding as Embedding
    from .types import EmbeddingResponse as EmbeddingResponse
    from .types import FilePart as FilePart
    from .types import ImagePart as ImagePart
    from .types import Message as Message
    from .types import ModelInfo as ModelInfo
    from .types import ModelPage as ModelPage
    from .types import Price as Price
    from .types import ReasoningPart as ReasoningPart
    from .types import RerankResponse as RerankResponse
    from .types import RerankResult as RerankResult
    from .types import TextPart as TextPart
    from .types import Tool as Tool
    from .types import ToolCall as ToolCall
    from .types import ToolResult as ToolResult
    from .types import Transcription as Transcription
    from .types import Usage as Usage
    from .wire.openai import OpenAICompatible as OpenAICompatible

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'fluentai' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
