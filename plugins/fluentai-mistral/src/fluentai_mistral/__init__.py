"""Mistral: OpenAI-compatible chat, tools, magistral thinking and mistral-embed.

Quirks handled here: "required" tool choice is spelled ``any``; the seed is ``random_seed``;
usage arrives on the last chunk without ``stream_options``; tool call ids must be 9
alphanumeric characters, so ids from other providers in a
conversation's history are mapped to stable 9-character ids. Thinking content arrays from
magistral models become reasoning (core's content-array handling).

Docs followed: https://docs.mistral.ai/api/#tag/chat
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from fluentai import OpenAICompatible, hookimpl
from fluentai.request import ChatRequest

__version__ = "0.1.0"

_VALID_ID = re.compile(r"[A-Za-z0-9]{9}")


def tool_call_id(original: str) -> str:
    """A 9-character alphanumeric id, stable for the same original id."""
    if _VALID_ID.fullmatch(original):
        return original
    return hashlib.sha256(original.encode()).hexdigest()[:9]


class Mistral(OpenAICompatible):
    name = "mistral"
    label = "Mistral AI"
    docs_url = "https://docs.mistral.ai/api/#tag/chat"
    base_url = "https://api.mistral.ai/v1"
    api_key_env = ("MISTRAL_API_KEY",)
    tool_choice_required = "any"
    stream_usage = False  # usage comes on the last chunk without stream_options
    supports_embeddings = True

    def chat_body(self, request: ChatRequest) -> dict[str, Any]:
        body = super().chat_body(request)
        if "seed" in body:
            body["random_seed"] = body.pop("seed")
        for message in body["messages"]:
            for call in message.get("tool_calls") or ():
                call["id"] = tool_call_id(call["id"])
            if "tool_call_id" in message:
                message["tool_call_id"] = tool_call_id(message["tool_call_id"])
        return body


@hookimpl
def fluentai_providers() -> list[type[OpenAICompatible]]:
    return [Mistral]
