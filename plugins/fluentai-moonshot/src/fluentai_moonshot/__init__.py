"""Moonshot AI (Kimi): OpenAI-compatible chat.

International (default) and China endpoints: ``region="cn"`` or
FLUENTAI_MOONSHOT_REGION=cn. Kimi thinking models stream ``reasoning_content``.

Docs followed: https://platform.moonshot.ai/docs/api/chat
"""

from __future__ import annotations

from fluentai import OpenAICompatible, hookimpl

__version__ = "0.1.0"


class Moonshot(OpenAICompatible):
    name = "moonshot"
    label = "Moonshot AI (Kimi)"
    docs_url = "https://platform.moonshot.ai/docs/api/chat"
    regions = {"intl": "https://api.moonshot.ai/v1", "cn": "https://api.moonshot.cn/v1"}
    api_key_env = ("MOONSHOT_API_KEY",)


@hookimpl
def fluentai_providers() -> list[type[OpenAICompatible]]:
    return [Moonshot]
