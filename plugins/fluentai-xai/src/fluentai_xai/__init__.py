"""xAI (Grok): OpenAI-compatible chat; reasoning models stream ``reasoning_content`` and
report reasoning tokens.

Docs followed: https://docs.x.ai/docs/api-reference
"""

from __future__ import annotations

from fluentai import OpenAICompatible, hookimpl

__version__ = "0.1.0"


class XAI(OpenAICompatible):
    name = "xai"
    label = "xAI"
    aliases = ("grok",)
    docs_url = "https://docs.x.ai/docs/api-reference"
    base_url = "https://api.x.ai/v1"
    api_key_env = ("XAI_API_KEY",)


@hookimpl
def fluentai_providers() -> list[type[OpenAICompatible]]:
    return [XAI]
