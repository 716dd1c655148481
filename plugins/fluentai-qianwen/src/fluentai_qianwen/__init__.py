"""Qwen (Alibaba DashScope): OpenAI-compatible chat.

DashScope's compatible-mode endpoint, international (default), China and US regions.
Thinking (Qwen3) is switched on with ``enable_thinking`` / ``thinking_budget``, which is what
``reasoning=...`` sends; the reasoning streams as ``reasoning_content``.

Docs followed: https://www.alibabacloud.com/help/en/model-studio/compatibility-of-openai-with-dashscope
"""

from __future__ import annotations

from typing import Any

from fluentai import OpenAICompatible, hookimpl
from fluentai.request import Reasoning

__version__ = "0.1.0"


class Qianwen(OpenAICompatible):
    name = "qianwen"
    label = "Qwen (Alibaba DashScope)"
    docs_url = "https://www.alibabacloud.com/help/en/model-studio/compatibility-of-openai-with-dashscope"
    aliases = ("qwen", "dashscope")
    regions = {"intl": "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
               "cn": "https://dashscope.aliyuncs.com/compatible-mode/v1",
               "us": "https://dashscope-us.aliyuncs.com/compatible-mode/v1"}
    api_key_env = ("DASHSCOPE_API_KEY",)
    supports_embeddings = True

    def reasoning_params(self, reasoning: Reasoning) -> dict[str, Any]:
        budget = {"thinking_budget": reasoning.budget_tokens} if reasoning.budget_tokens else {}
        return {"enable_thinking": True, **budget}


@hookimpl
def fluentai_providers() -> list[type[OpenAICompatible]]:
    return [Qianwen]
