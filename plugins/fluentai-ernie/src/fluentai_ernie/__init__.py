"""Baidu ERNIE (Qianfan): OpenAI-compatible chat.

The Qianfan v2 OpenAI-compatible API, authorized with a Qianfan API key (bce-v3/...).

Docs followed: https://cloud.baidu.com/doc/qianfan-api/s/3m7of64lb
"""

from __future__ import annotations

from fluentai import OpenAICompatible, hookimpl

__version__ = "0.1.0"


class Ernie(OpenAICompatible):
    name = "ernie"
    label = "Baidu ERNIE (Qianfan)"
    docs_url = "https://cloud.baidu.com/doc/qianfan-api/s/3m7of64lb"
    aliases = ("qianfan",)
    base_url = "https://qianfan.baidubce.com/v2"
    api_key_env = ("QIANFAN_API_KEY",)


@hookimpl
def fluentai_providers() -> list[type[OpenAICompatible]]:
    return [Ernie]
