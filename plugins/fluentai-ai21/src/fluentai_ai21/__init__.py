"""AI21 Labs (Jamba): OpenAI-compatible chat.

Docs followed: https://docs.ai21.com/reference/jamba-1-6-api-ref
"""

from __future__ import annotations

from fluentai import OpenAICompatible, hookimpl

__version__ = "0.1.0"


class AI21(OpenAICompatible):
    name = "ai21"
    label = "AI21 Labs (Jamba)"
    docs_url = "https://docs.ai21.com/reference/jamba-1-6-api-ref"
    base_url = "https://api.ai21.com/studio/v1"
    api_key_env = ("AI21_API_KEY",)
    lists_models = False


@hookimpl
def fluentai_providers() -> list[type[OpenAICompatible]]:
    return [AI21]
