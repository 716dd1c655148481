"""MiniMax: OpenAI-compatible chat.

International (default) and China endpoints (``region="cn"``).

Docs followed: https://platform.minimax.io/docs/api-reference/text-openai-api
"""

from __future__ import annotations

from fluentai import OpenAICompatible, hookimpl

__version__ = "0.1.0"


class MiniMax(OpenAICompatible):
    name = "minimax"
    label = "MiniMax"
    docs_url = "https://platform.minimax.io/docs/api-reference/text-openai-api"
    regions = {"intl": "https://api.minimax.io/v1", "cn": "https://api.minimaxi.com/v1"}
    api_key_env = ("MINIMAX_API_KEY",)
    lists_models = False


@hookimpl
def fluentai_providers() -> list[type[OpenAICompatible]]:
    return [MiniMax]
