"""Zhipu AI (GLM): OpenAI-compatible chat.

bigmodel.cn (default) and the international z.ai endpoint (``region="intl"``). GLM thinking
is switched with ``thinking: {type: enabled}``, which ``reasoning=...`` sends.

Docs followed: https://docs.bigmodel.cn/api-reference
"""

from __future__ import annotations

from typing import Any

from fluentai import OpenAICompatible, hookimpl
from fluentai.request import Reasoning

__version__ = "0.1.0"


class ZhipuAI(OpenAICompatible):
    name = "zhipuai"
    label = "Zhipu AI (GLM)"
    docs_url = "https://docs.bigmodel.cn/api-reference"
    aliases = ("glm", "zai")
    regions = {"cn": "https://open.bigmodel.cn/api/paas/v4", "intl": "https://api.z.ai/api/paas/v4"}
    api_key_env = ("ZHIPUAI_API_KEY", "ZAI_API_KEY")

    def reasoning_params(self, reasoning: Reasoning) -> dict[str, Any]:
        effort = {"reasoning_effort": reasoning.effort} if reasoning.effort else {}
        return {"thinking": {"type": "enabled"}, **effort}


@hookimpl
def fluentai_providers() -> list[type[OpenAICompatible]]:
    return [ZhipuAI]
