"""DeepSeek: OpenAI-compatible chat; ``reasoning_content`` deltas from deepseek-reasoner
become reasoning events, and ``prompt_cache_hit_tokens`` becomes ``cache_read_tokens``.

Docs followed: https://api-docs.deepseek.com/api/create-chat-completion
"""

from __future__ import annotations

from fluentai import OpenAICompatible, hookimpl

__version__ = "0.1.0"


class DeepSeek(OpenAICompatible):
    name = "deepseek"
    label = "DeepSeek"
    docs_url = "https://api-docs.deepseek.com/api/create-chat-completion"
    base_url = "https://api.deepseek.com"
    api_key_env = ("DEEPSEEK_API_KEY",)


@hookimpl
def fluentai_providers() -> list[type[OpenAICompatible]]:
    return [DeepSeek]
