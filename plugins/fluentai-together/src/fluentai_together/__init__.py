"""Together AI: OpenAI-compatible chat and embeddings.

Docs followed: https://docs.together.ai/reference/chat-completions-1
"""

from __future__ import annotations

from fluentai import OpenAICompatible, hookimpl

__version__ = "0.1.0"


class Together(OpenAICompatible):
    name = "together"
    label = "Together AI"
    docs_url = "https://docs.together.ai/reference/chat-completions-1"
    base_url = "https://api.together.xyz/v1"
    api_key_env = ("TOGETHER_API_KEY",)
    base_url_env = ("TOGETHER_BASE_URL",)  # as the together SDK reads it: with /v1
    supports_embeddings = True


@hookimpl
def fluentai_providers() -> list[type[OpenAICompatible]]:
    return [Together]
