"""Groq: OpenAI-compatible chat with tools, reasoning models and in-stream errors.

Quirk handled here: usage may arrive only inside ``x_groq.usage`` on the last chunk.
Docs followed: https://console.groq.com/docs/api-reference
"""

from __future__ import annotations

from typing import Any

import msgspec

from fluentai import OpenAICompatible, hookimpl
from fluentai.events import StreamEvent, UsageEvent
from fluentai.wire.openai import Chunk, OpenAIChatStream, WireUsage

__version__ = "0.1.0"


class _XGroq(msgspec.Struct):
    usage: WireUsage | None = None


class GroqChunk(Chunk):
    x_groq: _XGroq | None = None


class GroqStream(OpenAIChatStream):
    payload_type = GroqChunk

    def chunk_events(self, chunk: Any, out: list[StreamEvent]) -> None:
        if chunk.usage is None and chunk.x_groq is not None and chunk.x_groq.usage is not None:
            out.append(UsageEvent(chunk.x_groq.usage.to_usage()))


class Groq(OpenAICompatible):
    name = "groq"
    label = "Groq"
    docs_url = "https://console.groq.com/docs/api-reference"
    base_url = "https://api.groq.com/openai/v1"
    api_key_env = ("GROQ_API_KEY",)
    base_url_env = ("GROQ_BASE_URL",)  # as the groq SDK reads it: the host, no /openai/v1
    base_url_env_path = "/openai/v1"
    stream_decoder_type = GroqStream


@hookimpl
def fluentai_providers() -> list[type[OpenAICompatible]]:
    return [Groq]
