"""Tencent Hunyuan: OpenAI-compatible chat.

Docs followed: https://cloud.tencent.com/document/product/1729/111007
"""

from __future__ import annotations

from fluentai import OpenAICompatible, hookimpl

__version__ = "0.1.0"


class Hunyuan(OpenAICompatible):
    name = "hunyuan"
    label = "Tencent Hunyuan"
    docs_url = "https://cloud.tencent.com/document/product/1729/111007"
    base_url = "https://api.hunyuan.cloud.tencent.com/v1"
    api_key_env = ("HUNYUAN_API_KEY",)
    lists_models = False


@hookimpl
def fluentai_providers() -> list[type[OpenAICompatible]]:
    return [Hunyuan]
